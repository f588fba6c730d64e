// The shared engine's rendezvous without an engine: a stand-in host (a few lines of Node that
// listen where the real host would, and note each start in a file) shows the election, the stale
// socket, the frames and the fair lanes. The real host and engine are tested in test/engine/sharedEngine.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compareVersions, encodeFrame, FrameReader, MAX_FRAME_BYTES } from '../../src/core/engine/sharedProtocol';
import { ensurePrivateDir } from '../../src/core/util/userDirs';
import { Lane } from '../../src/engine/shared/fairLanes';
import { connectOrStartHost, sharedPaths } from '../../src/engine/shared/rendezvous';

const root = mkdtempSync(join(tmpdir(), 'alr-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Listens on the socket after a pause (a host takes a moment to start), and records its start.
const STAND_IN = `
const net = require('node:net');
const { appendFileSync } = require('node:fs');
const dir = process.env.ALEMBIC_SHARED_DIR;
appendFileSync(dir + '/starts', process.pid + '\\n');
setTimeout(() => {
  const server = net.createServer((s) => s.end());
  server.listen(dir + '/engine.sock');
  setTimeout(() => { server.close(); process.exit(0); }, 3000);
}, 300);
`;

function setup(name: string) {
  const paths = sharedPaths(join(root, name));
  const hostPath = join(root, `${name}-host.js`);
  writeFileSync(hostPath, STAND_IN);
  return { paths, launch: { hostPath, enginePath: '/nonexistent', version: '1.0.0' } };
}

const starts = (dir: string) => readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n').length;

describe("the shared engine's rendezvous", () => {
  test('clients starting at once elect one host: one starts it, all connect to it', async () => {
    const { paths, launch } = setup('elect');
    const sockets = await Promise.all([1, 2, 3, 4].map(() => connectOrStartHost(paths, launch, 20_000)));
    sockets.forEach((s) => s.destroy());
    assert.equal(starts(paths.dir), 1);
    assert.equal((statSync(paths.dir).mode & 0o777).toString(8), '700');
  });

  test('a stale socket file (nothing listens) and a lock left by a dead process are replaced', async () => {
    const { paths, launch } = setup('stale');
    ensurePrivateDir(paths.dir);
    writeFileSync(paths.socket, '');
    writeFileSync(paths.lock, '999999999');
    const socket = await connectOrStartHost(paths, launch, 20_000);
    socket.destroy();
    assert.ok(statSync(paths.socket).isSocket(), 'the stand-in host listens there now');
    assert.equal(starts(paths.dir), 1);
  });

  test('a socket path past 107 bytes is refused with the way out', () => {
    assert.throws(() => sharedPaths(`/tmp/${'x'.repeat(120)}`), /ALEMBIC_RUNTIME_DIR/);
  });
});

describe("the shared engine's frames", () => {
  test('frames split across reads and several in one read come out whole, in order', () => {
    const got: unknown[] = [];
    const reader = new FrameReader<{ type: string }>((f) => got.push(f), assert.fail);
    const wire =
      encodeFrame({ type: 'abort', id: 1 }) +
      encodeFrame({ type: 'hostStatus', id: 2 }) +
      encodeFrame({ type: 'abort', id: 3 });
    reader.push(wire.slice(0, 7));
    reader.push(wire.slice(7, 40));
    reader.push(wire.slice(40));
    assert.deepEqual(got, [
      { type: 'abort', id: 1 },
      { type: 'hostStatus', id: 2 },
      { type: 'abort', id: 3 },
    ]);
  });

  test('bad JSON, a frame without a type and an oversized frame are errors', () => {
    const errors: string[] = [];
    const reader = () =>
      new FrameReader(
        () => assert.fail('no frame'),
        (m) => errors.push(m),
      );
    reader().push('{nope\n');
    reader().push('[1,2]\n');
    reader().push('x'.repeat(MAX_FRAME_BYTES + 1));
    assert.deepEqual(errors, [
      'a frame is not JSON',
      'a frame has no type',
      `a frame is longer than ${MAX_FRAME_BYTES} bytes`,
    ]);
  });

  test('versions compare by number, not as text', () => {
    assert.ok(compareVersions('0.10.0', '0.9.3') > 0);
    assert.equal(compareVersions('1.2.0-dev', '1.2'), 0);
    assert.ok(compareVersions('1.0.0', '1.0.1') < 0);
  });
});

describe("the shared engine's lanes", () => {
  test('windows take turns: a burst from one window does not hold back the next window', () => {
    const lane = new Lane<{ conn: object; name: string }>();
    const [a, b, c] = [{}, {}, {}];
    for (const name of ['a1', 'a2', 'a3']) lane.push({ conn: a, name });
    lane.push({ conn: b, name: 'b1' });
    lane.push({ conn: c, name: 'c1' });
    lane.push({ conn: b, name: 'b2' });
    const order: string[] = [];
    for (let job = lane.next(); job; job = lane.next()) order.push(job.name);
    assert.deepEqual(order, ['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  test('a removed job is not run, and a window that left takes no more turns', () => {
    const lane = new Lane<{ conn: object; name: string }>();
    const [a, b] = [{}, {}];
    const a1 = { conn: a, name: 'a1' };
    lane.push(a1);
    lane.push({ conn: a, name: 'a2' });
    lane.push({ conn: b, name: 'b1' });
    assert.equal(lane.remove(a1), true);
    assert.equal(lane.remove(a1), false);
    lane.drop(b);
    assert.equal(lane.next()?.name, 'a2');
    assert.equal(lane.next(), undefined);
  });
});
