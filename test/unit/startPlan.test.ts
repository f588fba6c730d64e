// `npm start`'s port and folder (scripts/startPlan.ts): the same port for a checkout on every start,
// a fallback that says what it costs, and a demo folder outside the tracked tree.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkoutPort,
  choosePort,
  describePortChoice,
  PORT_RANGE,
  prepareDemoWorkspace,
} from '../../scripts/startPlan';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('npm start: the port', () => {
  test('a checkout gets the same port on every start, and another checkout another one', () => {
    const a = checkoutPort('/home/dev/src/alembic');
    assert.equal(checkoutPort('/home/dev/src/alembic'), a);
    assert.ok(a >= PORT_RANGE.first && a < PORT_RANGE.first + PORT_RANGE.count);
    const others = new Set(['/a', '/b', '/home/dev/alembic-2', '/srv/ci/long/path/alembic'].map(checkoutPort));
    assert.ok(others.size >= 3 && !others.has(a), 'different paths spread over the range');
  });

  test("the checkout's port is used while it is free", async () => {
    const choice = await choosePort('/x/alembic', undefined, async () => true);
    assert.deepEqual(choice, { port: checkoutPort('/x/alembic'), source: 'checkout' });
  });

  test('when the port is busy a free one is used, and the user is told what that costs', async () => {
    const path = mkdtempSync(join(tmpdir(), 'alembic-port-'));
    const busy = await listen(checkoutPort(path)).catch(() => undefined);
    try {
      if (!busy) return assert.fail(`port ${checkoutPort(path)} was already taken on this machine`);
      const choice = await choosePort(path, undefined);
      assert.deepEqual(choice, { port: undefined, source: 'fallback', busy: checkoutPort(path) });
      const text = describePortChoice(choice as Exclude<typeof choice, { error: string }>, 45_678);
      assert.match(text, new RegExp(`^Port ${checkoutPort(path)}, this checkout's own, is busy`));
      assert.match(text, /uses port 45678/);
      assert.match(text, /chat history/);
    } finally {
      busy?.close();
      rmSync(path, { recursive: true, force: true });
    }
  });

  test('ALEMBIC_PORT wins, and a bad or busy one is an error that says so', async () => {
    assert.deepEqual(await choosePort('/x', '34567', async () => true), { port: 34567, source: 'environment' });
    const bad = await choosePort('/x', 'eighty', async () => true);
    assert.ok('error' in bad && /ALEMBIC_PORT=eighty is not a port number/.test(bad.error));
    const busy = await choosePort('/x', '34567', async () => false);
    assert.ok('error' in busy && /ALEMBIC_PORT=34567 is in use/.test(busy.error));
  });
});

describe('npm start: the folder it opens', () => {
  test('the demo runs on a copy of the sample workspace, made once and then left as the user changed it', () => {
    const root = mkdtempSync(join(tmpdir(), 'alembic-demo-'));
    try {
      const sample = join(root, 'sample');
      mkdirSync(sample);
      writeFileSync(join(sample, 'cart.js'), 'original\n');
      const copy = join(root, '.e2e', 'start', 'workspace');
      assert.equal(prepareDemoWorkspace(sample, copy), true);
      assert.equal(readFileSync(join(copy, 'cart.js'), 'utf8'), 'original\n');
      writeFileSync(join(copy, 'cart.js'), 'edited in the demo\n');
      writeFileSync(join(copy, 'cart.test.js'), 'generated\n');
      assert.equal(prepareDemoWorkspace(sample, copy), false);
      assert.equal(readFileSync(join(copy, 'cart.js'), 'utf8'), 'edited in the demo\n');
      assert.equal(readFileSync(join(sample, 'cart.js'), 'utf8'), 'original\n', 'the tracked sample is untouched');
      assert.equal(existsSync(join(sample, 'cart.test.js')), false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
