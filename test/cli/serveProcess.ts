// Starts `alembic serve` (dist/cli.js) on a free port with its own token file, as a user would, and
// waits until it says the model is ready. For the serve tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, REPO_ROOT } from '../helpers/testModel';

export interface Serve {
  url: string;
  token: string;
  tokenFile: string;
  /** Everything it wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr, from offset `from` on, has a line matching `pattern` (generations are
   * logged with --verbose). */
  waitForLog(pattern: RegExp, from?: number): Promise<string>;
  stop(): Promise<number | null>;
}

/** `runtimeDir`: where serve looks for the editors' shared engine (default: a fresh empty folder,
 * so that a shared engine running on this machine is never used by accident). */
export async function startServe(args: string[], tokenFile?: string, runtimeDir?: string): Promise<Serve> {
  const file = tokenFile ?? join(mkdtempSync(join(tmpdir(), 'alembic-serve-')), 'token');
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI_PATH, 'serve', '--port', '0', '--token-file', file, '--verbose', ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ALEMBIC_RUNTIME_DIR: runtimeDir ?? mkdtempSync(join(tmpdir(), 'alr-')) },
    },
  );
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const changed = () => waiters.forEach((w) => w());
  child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), changed()));
  child.stderr!.on('data', (d: Buffer) => ((err += d.toString()), changed()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (changed(), resolve(code))));
  const until = (test: () => string | undefined, what: string, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = test();
        if (found !== undefined) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        } else if (child.exitCode !== null) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`alembic serve exited (${child.exitCode}) before ${what}:\n${out}\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs / 1000} s:\n${out}\n${err}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  await until(() => (/^Ready\.$/m.test(out) ? 'ready' : undefined), '"Ready."');
  const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
  return {
    url,
    token: readFileSync(file, 'utf8').trim(),
    tokenFile: file,
    stdout: () => out,
    stderr: () => err,
    waitForLog: (pattern, timeoutMs) =>
      until(() => err.split('\n').find((l) => pattern.test(l)), `a log line ${pattern}`, timeoutMs),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
