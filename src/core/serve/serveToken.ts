// The bearer token `alembic serve` requires: generated once (32 random bytes), kept in a file only
// this user can read (0600, in a 0700 folder), and reused by later runs so that the tools
// configured with it keep working. The token is shown once, when it is made; later runs name the file.
import { randomBytes } from 'node:crypto';
import { chmodSync, openSync, readFileSync, statSync, writeSync, closeSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, userConfigDir } from '../util/userDirs';

export const DEFAULT_TOKEN_FILE = () => join(userConfigDir(), 'serve-token');
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,200}$/;

export interface ServeToken {
  token: string;
  path: string;
  /** True when this call made it (the only time it is printed). */
  created: boolean;
}

/** Reads the token at `path`, or makes one there when there is none (or `renew` asks for a new one). */
export function loadOrCreateToken(path = DEFAULT_TOKEN_FILE(), renew = false): ServeToken {
  if (!renew) {
    const existing = readToken(path);
    if (existing) return { token: existing, path, created: false };
  }
  ensurePrivateDir(dirname(path));
  const token = `alembic-${randomBytes(32).toString('base64url')}`;
  // Written aside with 0600 from the start and renamed: never readable by others, never half-written.
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  return { token, path, created: true };
}

function readToken(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const token = text.trim();
  if (!TOKEN_SHAPE.test(token))
    throw new Error(`${path} does not hold a serve token; delete it or run with --new-token.`);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return token;
}
