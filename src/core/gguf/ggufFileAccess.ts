// Opening a model file for the pre-check: only regular files, read-only, closed whatever happens,
// and every file-system failure turned into a GgufCheckError a user can act on ("No file at ...",
// "... is a folder") instead of a raw ENOENT.
import { constants as fsConstants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { GgufCheckError } from './ggufCheckError';

/** Runs `use` on the regular file at `path`, opened read-only, and closes it afterwards. */
export async function withModelFile<T>(path: string, use: (file: FileHandle, size: number) => Promise<T>): Promise<T> {
  // Stat before opening: opening a FIFO for reading would wait for a writer.
  requireRegularFile(await statOrThrow(path), path);
  let file: FileHandle;
  try {
    // O_NONBLOCK in case the path was swapped for a FIFO after the stat; no effect on regular files.
    file = await open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw fileSystemError(error, path);
  }
  try {
    const info = await file.stat();
    requireRegularFile(info, path);
    return await use(file, info.size);
  } catch (error) {
    throw isNodeSystemError(error) ? fileSystemError(error, path) : error;
  } finally {
    await file.close().catch(() => undefined);
  }
}

async function statOrThrow(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    throw fileSystemError(error, path);
  }
}

function requireRegularFile(info: Stats, path: string): void {
  if (info.isDirectory()) throw new GgufCheckError('not-a-file', `${path} is a folder, not a model file.`);
  if (!info.isFile())
    throw new GgufCheckError('not-a-file', `${path} is not a regular file (a device, pipe or socket).`);
}

/** An fs failure (ENOENT, EACCES, EIO...); a GgufCheckError also has a string code but is not one. */
function isNodeSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error &&
    !(error instanceof GgufCheckError) &&
    typeof (error as NodeJS.ErrnoException).code === 'string'
  );
}

function fileSystemError(error: unknown, path: string): GgufCheckError {
  const code = isNodeSystemError(error) ? error.code : undefined;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new GgufCheckError('not-found', `No file at ${path}.`);
  if (code === 'EISDIR') return new GgufCheckError('not-a-file', `${path} is a folder, not a model file.`);
  if (code === 'EACCES' || code === 'EPERM')
    return new GgufCheckError('unreadable', `Permission denied reading ${path}.`);
  const detail = error instanceof Error ? error.message : String(error);
  return new GgufCheckError('unreadable', `Cannot read ${path}: ${detail}`);
}
