import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export interface FileLock {
  release(): void;
}

export class StorageInUseError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(`the storage ${file.replace(/\.lock$/, '')} is in use by another tokenmeter (pid ${pid}); give each sidecar its own storage.path`);
    this.name = 'StorageInUseError';
  }
}

/**
 * A lock file holding the owner's pid, created exclusively. A lock left by a process that no longer runs (killed,
 * crashed) is taken over: that is exactly the restart the storage exists for.
 */
export function acquireFileLock(file: string): FileLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => unlinkQuietly(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readQuietly(file));
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) throw new StorageInUseError(file, owner);
      unlinkQuietly(file);
    }
  }
  throw new Error(`cannot take the lock ${file}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readQuietly(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
