// The set-up scripts' "missing packages" message must print a command that works for whoever runs
// it: as root there may be no sudo at all (containers), where `sudo apt-get` fails. The user and
// the tools present are set with a PATH of stubs (`id -u` printing a uid, an empty `sudo`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'alembic-install-hint-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let pathNumber = 0;

/** A PATH of links to the basic tools, an `id` that reports `uid`, and empty stubs for `stubs`. */
function pathFor(uid: number, stubs: string[]): string {
  const bin = join(scratch, `bin-${++pathNumber}`);
  mkdirSync(bin);
  for (const tool of ['bash', 'dirname']) {
    symlinkSync(spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), join(bin, tool));
  }
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub('id', `echo ${uid}`);
  for (const name of stubs) stub(name, 'exit 0');
  return bin;
}

/** Runs install-code-server.sh where make and c++ are missing: it stops at its check, installing nothing. */
function installCodeServer(path: string) {
  const env = { PATH: path, HOME: scratch, ALEMBIC_CODE_SERVER_DIR: join(scratch, `cs-${++pathNumber}`) };
  return spawnSync('/bin/bash', [join(ROOT, 'scripts', 'install-code-server.sh')], { env, encoding: 'utf8' });
}

function hint(path: string, packages: string): string {
  const script = `source ${JSON.stringify(join(ROOT, 'scripts', 'lib', 'install-hint.sh'))} && install_hint ${packages}`;
  return spawnSync('/bin/bash', ['-c', script], { env: { PATH: path }, encoding: 'utf8' }).stdout.trim();
}

describe('the install command printed for missing packages', () => {
  test('as root without sudo, install-code-server.sh prints plain apt-get with only the missing packages', () => {
    const run = installCodeServer(pathFor(0, ['apt-get', 'python3', 'pkg-config']));
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /missing make c\+\+/);
    assert.match(run.stderr, /Run: apt-get update && apt-get install -y build-essential (libkrb5-dev )?ripgrep\n/);
    assert.doesNotMatch(run.stderr, /sudo/);
    assert.doesNotMatch(run.stderr, /python3|pkg-config/);
  });

  test('for a user with sudo, it prints sudo apt-get', () => {
    const run = installCodeServer(pathFor(1000, ['apt-get', 'sudo', 'python3', 'pkg-config']));
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /Run: sudo apt-get update && sudo apt-get install -y build-essential/);
  });

  test('for a user without sudo, it says the command must be run as root', () => {
    assert.equal(
      hint(pathFor(1000, ['apt-get']), 'chromium'),
      'Ask an administrator to run as root (there is no sudo here): apt-get update && apt-get install -y chromium',
    );
  });

  test('without apt-get, it names the packages for the system’s own package manager', () => {
    assert.match(hint(pathFor(0, []), 'git cmake'), /^Install these \(their Debian names.*\): git cmake$/);
  });
});
