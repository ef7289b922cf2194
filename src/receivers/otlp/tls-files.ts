import { readFile } from 'node:fs/promises';
import type { TlsServerConfig } from './config.js';

/** The PEM certificate chain and key a TLS listener serves with; a missing file is named in the error. */
export async function readTlsFiles(tls: TlsServerConfig): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new Error(`cannot read TLS ${what} ${path}: ${(error as Error).message}`, { cause: error });
    }
  };
  const [cert, key] = await Promise.all([read(tls.cert_file, 'cert_file'), read(tls.key_file, 'key_file')]);
  return { cert, key };
}
