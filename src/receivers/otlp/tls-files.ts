import { readTlsFile } from '../../config/tlsFiles.js';
import type { TlsServerConfig } from './config.js';

/** What a TLS listener needs: its PEM certificate chain and key, and the CA of its clients under mutual TLS. */
export interface ServerTlsFiles {
  cert: Buffer;
  key: Buffer;
  clientCa: Buffer | undefined;
}

/** Read at start; a file that cannot be read is named in the error. */
export function readServerTlsFiles(tls: TlsServerConfig): ServerTlsFiles {
  return {
    cert: readTlsFile('cert_file', tls.cert_file),
    key: readTlsFile('key_file', tls.key_file),
    clientCa: tls.client_ca_file === undefined ? undefined : readTlsFile('client_ca_file', tls.client_ca_file),
  };
}
