// Issue 13.10: the suite must run from a checkout at any path. Chromium's singleton socket and
// code-server's and VS Code's IPC sockets are Unix sockets (at most 107 bytes of path), so the
// e2e harness keeps the folders that hold them short, under the system temp directory, whatever
// the state folder's (the checkout's) path. These tests bind real sockets where the harness would.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeServerEnv, makeRuntimeDir } from '../e2e/harness/codeServer';

/** Binds a Unix socket at `path`, checks that it is there (Node truncates a path that is too
 * long and binds the socket elsewhere instead of failing) and closes it. */
function bindSocket(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(path, () => {
      const there = existsSync(path) && statSync(path).isSocket();
      server.close(() =>
        there ? resolve() : reject(new Error(`no socket at ${path} (${Buffer.byteLength(path)} bytes)`)),
      );
    });
  });
}

/** A state folder under a checkout path of about 150 characters, like a CI workspace's. */
function longStateDir(): { root: string; stateDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'alembic-long-checkout-'));
  const stateDir = join(
    root,
    'builds',
    'a'.repeat(40),
    'workspace',
    'alembic-' + 'b'.repeat(40),
    '.e2e',
    'run-20261202-191431-3890',
  );
  mkdirSync(stateDir, { recursive: true });
  return { root, stateDir };
}

describe('the e2e harness on a long checkout path', () => {
  test('a socket in the state folder itself would not bind, so the check below means something', async () => {
    const { root, stateDir } = longStateDir();
    try {
      const path = join(stateDir, 'tmp', '.org.chromium.Chromium.a1b2c3', 'SingletonSocket');
      mkdirSync(join(stateDir, 'tmp', '.org.chromium.Chromium.a1b2c3'), { recursive: true });
      assert.ok(Buffer.byteLength(path) > 107, `the path is ${Buffer.byteLength(path)} bytes`);
      await assert.rejects(bindSocket(path));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("code-server's TMPDIR and XDG_RUNTIME_DIR are a short folder of the system temp directory, where Chromium's and VS Code's sockets bind", async () => {
    const { root, stateDir } = longStateDir();
    const runtimeDir = makeRuntimeDir('alembic-cs');
    try {
      const env = codeServerEnv({ stateDir, isolateHome: true }, runtimeDir);
      assert.equal(env.TMPDIR, runtimeDir);
      assert.equal(env.XDG_RUNTIME_DIR, runtimeDir);
      assert.ok(runtimeDir.startsWith(tmpdir()), `${runtimeDir} is under ${tmpdir()}`);
      assert.ok(env.HOME?.startsWith(stateDir), 'HOME stays in the state folder (nothing written outside it)');
      // The longest socket names seen: Chromium's singleton and VS Code's per-window IPC hook.
      const chromiumDir = join(runtimeDir, '.org.chromium.Chromium.a1b2c3');
      mkdirSync(chromiumDir);
      await bindSocket(join(chromiumDir, 'SingletonSocket'));
      await bindSocket(join(runtimeDir, `vscode-ipc-${'0123abcd-'.repeat(4)}0123.sock`));
      await bindSocket(join(runtimeDir, 'session.sock'));
    } finally {
      rmSync(runtimeDir, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  });
});
