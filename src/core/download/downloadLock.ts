// A lock file next to a download, so that two VS Code windows (two extension hosts) or the CLI
// never write the same `.incomplete` file at once. It is created with O_EXCL ('wx') and names its
// owner; a lock whose owner process is gone (a crash, a killed window) is taken over.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { DownloadError, fileSystemError } from './downloadError';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: number;
  /** Tells two owners with the same pid apart (two downloads in one process, a reused pid). */
  token: string;
}

export interface DownloadLock {
  readonly path: string;
  release(): Promise<void>;
}

/** How often the owner touches the lock, and how old an untouched lock of another host must be
 * before it counts as abandoned (a pid from another machine cannot be checked). */
const HEARTBEAT_MS = 15_000;
const FOREIGN_STALE_MS = 10 * 60_000;

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (
      Number.isInteger(value.pid) &&
      (value.pid as number) > 0 &&
      typeof value.host === 'string' &&
      typeof value.token === 'string'
    ) {
      return value as LockOwner;
    }
  } catch {
    // An unreadable lock (truncated by a crash while being written) has no owner to protect.
  }
  return undefined;
}

/** Whether the lock at `path` belongs to nobody alive. */
async function isStale(path: string): Promise<boolean> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  } catch (err) {
    // Gone in the meantime: the next exclusive create decides.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw fileSystemError(err, path);
  }
  const owner = parseOwner(text);
  // A lock file that was created but not yet written is only stale once it is old.
  if (!owner) return Date.now() - mtimeMs > HEARTBEAT_MS * 2;
  if (owner.host === hostname()) return !isProcessAlive(owner.pid);
  return Date.now() - mtimeMs > FOREIGN_STALE_MS;
}

async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(JSON.stringify(owner));
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileSystemError(err, path);
  }
}

/**
 * Takes the lock at `lockPath` or throws a `locked` DownloadError naming what holds it.
 * Two processes taking over the same stale lock in the same millisecond could both succeed; the
 * read-back after creating narrows that to the width of one unlink, which is as far as plain
 * files go without OS locking.
 */
export async function acquireDownloadLock(lockPath: string, what: string): Promise<DownloadLock> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: Date.now(), token: randomUUID() };
  let created = await tryCreate(lockPath, owner);
  if (!created && (await isStale(lockPath))) {
    await unlink(lockPath).catch(() => undefined);
    created = await tryCreate(lockPath, owner);
  }
  const ours = created && parseOwner(await readFile(lockPath, 'utf8').catch(() => ''))?.token === owner.token;
  if (!ours) {
    throw new DownloadError(
      'locked',
      `${what} is already being downloaded by another VS Code window or process. Wait for it to finish, or close that window and try again.`,
    );
  }

  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  let released = false;
  return {
    path: lockPath,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      // Only remove the lock if it is still ours: after a long sleep another host may have taken it over.
      const current = parseOwner(await readFile(lockPath, 'utf8').catch(() => ''));
      if (current?.token === owner.token) {
        await unlink(lockPath).catch(() => undefined);
      }
    },
  };
}
