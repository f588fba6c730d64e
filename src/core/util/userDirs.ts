// Where Alembic keeps per-user files outside any workspace: the configuration folder (the serve
// token) and the runtime folder (the shared engine's socket, its lock and its token). Both are
// created 0700, so other users on the machine can neither read nor replace what is inside.
//
// A Unix socket's path is limited to 107 bytes, and test harnesses (or a long $TMPDIR) can push
// the usual folders past it: the runtime folder is the first candidate that leaves room for a
// socket name. ALEMBIC_RUNTIME_DIR overrides it (the end-to-end tests give each run its own).
import { mkdirSync, chmodSync, lstatSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Longest socket path the OS takes (sun_path is 108 bytes with its terminating NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;
/** Room the runtime folder must leave for the file names inside it. */
const NAME_ROOM = 24;

type Env = Record<string, string | undefined>;

export function userConfigDir(env: Env = process.env, platform = process.platform): string {
  if (env.ALEMBIC_CONFIG_DIR) return env.ALEMBIC_CONFIG_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Alembic');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Alembic');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'alembic');
}

/** The folder for the shared engine's socket and lock (not used on Windows, where it is a named pipe). */
export function userRuntimeDir(env: Env = process.env): string {
  if (env.ALEMBIC_RUNTIME_DIR) return env.ALEMBIC_RUNTIME_DIR;
  const user = safeUserId();
  const candidates = [
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'alembic') : undefined,
    join(tmpdir(), `alembic-${user}`),
    join('/tmp', `alembic-${user}`),
  ].filter((c): c is string => !!c);
  return candidates.find((c) => Buffer.byteLength(c) + NAME_ROOM <= MAX_SOCKET_PATH_BYTES) ?? candidates.at(-1)!;
}

/** Creates `dir` (and its parents) and makes sure it is a real folder of this user's, mode 0700. */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder.`);
  if (process.platform !== 'win32') {
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid)
      throw new Error(`${dir} belongs to another user; Alembic will not use it.`);
    if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  }
  return dir;
}

function safeUserId(): string {
  try {
    const uid = process.getuid?.();
    return uid !== undefined ? String(uid) : userInfo().username.replace(/[^A-Za-z0-9_-]/g, '_');
  } catch {
    return 'user';
  }
}
