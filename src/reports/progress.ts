/** A progress bar on stderr while traces are fetched; nothing at all when stderr is not a terminal (scripts, CI, pipes). */
import type { FetchProgress } from './mlflow/source.js';

export interface ProgressBar {
  update: FetchProgress;
  finish(): void;
}

const WIDTH = 30;

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return { update: () => {}, finish: () => {} };
  let drawn = false;
  return {
    update: (done, total) => {
      const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} traces`);
      drawn = true;
    },
    finish: () => {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
