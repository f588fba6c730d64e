// Where the shared engine lives and how the windows agree on one: a 0700 folder under the user's
// runtime folder (userDirs.ts) holds the socket, the token file (0600, rewritten by every new
// host) and the start lock. A client connects to the socket; when nothing answers there (no
// socket, or a stale one left by a host that was killed), it takes the lock, which only one
// process can create, and, still finding no host, removes the stale socket and starts one,
// detached so that it outlives the window that started it. The others wait for the socket.
// A lock whose holder has died is removed by the next client. On Windows the socket is a named
// pipe; the token and the lock stay in the folder.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { ensurePrivateDir, MAX_SOCKET_PATH_BYTES, userRuntimeDir } from '../../core/util/userDirs';

export interface SharedPaths {
  dir: string;
  socket: string;
  token: string;
  lock: string;
  /** The host's log (its own lines and the engine's). */
  log: string;
}

export function sharedPaths(dir: string = userRuntimeDir()): SharedPaths {
  const socket =
    process.platform === 'win32'
      ? `\\\\.\\pipe\\alembic-engine-${dir.replace(/[^A-Za-z0-9]/g, '').slice(-40)}`
      : join(dir, 'engine.sock');
  if (process.platform !== 'win32' && Buffer.byteLength(socket) > MAX_SOCKET_PATH_BYTES)
    throw new Error(
      `The shared engine's socket path is longer than ${MAX_SOCKET_PATH_BYTES} bytes: ${socket}. Set ALEMBIC_RUNTIME_DIR to a shorter folder.`,
    );
  return { dir, socket, token: join(dir, 'token'), lock: join(dir, 'start.lock'), log: join(dir, 'host.log') };
}

export interface HostLaunch {
  /** dist/engineHost.js */
  hostPath: string;
  /** dist/engine.js, which the host forks. */
  enginePath: string;
  execPath?: string;
  gpu?: string;
  version: string;
  /** The host exits this long after its last client left. */
  idleExitMs?: number;
  env?: Record<string, string>;
}

/** Connects to the socket; rejects with the socket error's code (ENOENT, ECONNREFUSED…). */
export function connectSocket(path: string, timeoutMs = 5000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        Object.assign(new Error('The shared engine did not accept the connection in time.'), { code: 'ETIMEDOUT' }),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * A connected socket to the shared engine, starting the host first when none runs (under the
 * lock, so that two windows starting at once start one host).
 */
export async function connectOrStartHost(paths: SharedPaths, launch: HostLaunch, timeoutMs = 60_000): Promise<Socket> {
  ensurePrivateDir(paths.dir);
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectSocket(paths.socket);
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`No shared engine answered on ${paths.socket}: ${(e as Error).message}`, { cause: e });
    }
    if (takeLock(paths.lock)) {
      try {
        // Another client may have started a host between our attempt and the lock.
        const socket = await connectSocket(paths.socket).catch(() => undefined);
        if (socket) return socket;
        if (process.platform !== 'win32') rmSync(paths.socket, { force: true }); // stale: nothing listens
        startHost(paths, launch);
        return await waitForSocket(paths.socket, deadline);
      } finally {
        rmSync(paths.lock, { force: true });
      }
    }
    removeLockIfStale(paths.lock);
    await sleep(Math.min(50 * (attempt + 1), 250));
  }
}

function startHost(paths: SharedPaths, launch: HostLaunch): void {
  const log = openSync(paths.log, 'a', 0o600);
  try {
    const child = spawn(launch.execPath ?? process.execPath, [launch.hostPath], {
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        ...launch.env,
        ELECTRON_RUN_AS_NODE: '1',
        ALEMBIC_SHARED_DIR: paths.dir,
        ALEMBIC_SHARED_ENGINE_PATH: launch.enginePath,
        ALEMBIC_SHARED_VERSION: launch.version,
        ALEMBIC_SHARED_IDLE_EXIT_MS: String(launch.idleExitMs ?? 60_000),
        ALEMBIC_ENGINE_GPU: launch.gpu ?? 'auto',
      },
    });
    child.unref();
  } finally {
    closeSync(log);
  }
}

async function waitForSocket(path: string, deadline: number): Promise<Socket> {
  for (;;) {
    try {
      return await connectSocket(path);
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`The shared engine did not start listening on ${path} in time.`, { cause: e });
      await sleep(50);
    }
  }
}

/** Creates the lock file (fails when it exists) and writes this process's id into it. */
function takeLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** A lock whose holder is gone (or that is older than a host's start can take) is removed. */
function removeLockIfStale(path: string): void {
  try {
    const holder = Number(readFileSync(path, 'utf8'));
    const age = Date.now() - statSync(path).mtimeMs;
    if (age > 90_000 || (holder > 0 && !isAlive(holder))) rmSync(path, { force: true });
  } catch {
    // gone already, or being written: the next round looks again
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
