/** An exporter's `tls` keys as Node's TLS client takes them, for undici (HTTP) and grpc-js (gRPC) alike. */
import { checkServerIdentity } from 'node:tls';
import type { ConnectionOptions, SecureVersion } from 'node:tls';
import { readTlsFile } from '../../config/tlsFiles.js';
import type { HttpTlsConfig, TlsVersion } from './config.js';

const NODE_TLS_VERSIONS: Readonly<Record<TlsVersion, SecureVersion>> = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' };

/** Node's TLS client options, the files as read. */
export type TlsConnectOptions = Pick<ConnectionOptions, 'rejectUnauthorized' | 'minVersion' | 'maxVersion' | 'servername' | 'checkServerIdentity'> & {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
};

/** The options the keys ask for (nothing for a key not set); the files are read now, so that a wrong path is named at start. */
export function tlsConnectOptions(tls: Partial<HttpTlsConfig>): TlsConnectOptions {
  const options: TlsConnectOptions = {};
  if (tls.ca_file !== undefined) options.ca = readTlsFile('ca_file', tls.ca_file);
  if (tls.cert_file !== undefined) options.cert = readTlsFile('cert_file', tls.cert_file);
  if (tls.key_file !== undefined) options.key = readTlsFile('key_file', tls.key_file);
  if (tls.insecure_skip_verify === true) options.rejectUnauthorized = false;
  if (tls.min_version !== undefined) options.minVersion = NODE_TLS_VERSIONS[tls.min_version];
  if (tls.max_version !== undefined) options.maxVersion = NODE_TLS_VERSIONS[tls.max_version];
  const serverName = tls.server_name_override;
  if (serverName !== undefined) {
    options.servername = serverName;
    // Checked against this name whatever host was dialled: undici asks a named host for its own name.
    options.checkServerIdentity = (_host, certificate) => checkServerIdentity(serverName, certificate);
  }
  return options;
}
