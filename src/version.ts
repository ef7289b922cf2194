/**
 * tokenmeter's version, from its package.json: found upwards from this file, which is `src/` when run from source
 * and `dist/src/` when built (the image ships package.json beside dist/).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function readVersion(): string {
  for (let directory = path.dirname(fileURLToPath(import.meta.url)); ; directory = path.dirname(directory)) {
    const file = path.join(directory, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'tokenmeter' && manifest.version !== undefined) return manifest.version;
    }
    if (path.dirname(directory) === directory) return 'unknown';
  }
}

export const VERSION = readVersion();

/** How tokenmeter names itself to the servers it sends to, as OTLP exporters should (otlp-protocol.md §8). */
export const USER_AGENT = `tokenmeter/${VERSION}`;
