/** An exporter's `tls` keys as Node's TLS client takes them, for undici (HTTP) and grpc-js (gRPC) alike. */
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, createSecureContext } from 'node:tls';
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

/**
 * The options the keys ask for (nothing for a key not set). The files are read and checked now, as the Collector's
 * configtls loads them at start: a wrong path or a file that is not PEM is named at start, rather than failing every
 * handshake later, retried as if the destination were down.
 */
export function tlsConnectOptions(tls: Partial<HttpTlsConfig>): TlsConnectOptions {
  const options: TlsConnectOptions = {};
  if (tls.ca_file !== undefined) {
    options.ca = readTlsFile('ca_file', tls.ca_file);
    // Node's TLS skips what is not a certificate in `ca` without a word: parsed here (the first one of a bundle).
    checkTlsFile(`tls.ca_file ${tls.ca_file}`, 'a PEM certificate', () => new X509Certificate(options.ca!));
  }
  if (tls.cert_file !== undefined) {
    options.cert = readTlsFile('cert_file', tls.cert_file);
    checkTlsFile(`tls.cert_file ${tls.cert_file}`, 'a PEM certificate', () => createSecureContext({ cert: options.cert }));
  }
  if (tls.key_file !== undefined) {
    options.key = readTlsFile('key_file', tls.key_file);
    checkTlsFile(`tls.key_file ${tls.key_file}`, 'a PEM private key, not encrypted', () => createSecureContext({ key: options.key }));
  }
  if (options.cert !== undefined && options.key !== undefined) {
    checkTlsFile(`tls.key_file ${tls.key_file}`, `the key of tls.cert_file ${tls.cert_file}`, () => createSecureContext({ cert: options.cert, key: options.key }));
  }
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

/** Runs `parse`; when it throws, says which key's file is not what was `expected`, OpenSSL's reason as the cause. */
function checkTlsFile(file: string, expected: string, parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    throw new Error(`${file}: expected ${expected} (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}
