/** PEM files that `tls` keys name, for receivers and exporters alike. */
import { readFileSync } from 'node:fs';

export type TlsFileKey = 'ca_file' | 'cert_file' | 'key_file' | 'client_ca_file';

/**
 * The content of the file a `tls` key names, read when the component is built or started, so that a wrong path
 * stops tokenmeter at once; the error names the key and the path (its cause says why).
 */
export function readTlsFile(key: TlsFileKey, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read tls.${key} ${file}`, { cause: error });
  }
}
