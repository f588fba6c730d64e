// The model downloader against a local server that cuts, stalls, ignores Range and lies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import {
  DownloadError,
  downloadModel,
  formatProgress,
  type DownloadOptions,
  type DownloadProgress,
} from '../../src/core/download/downloader';
import { fileSystemError } from '../../src/core/download/downloadError';
import { fakeGguf, startRangeServer, type RangeServer } from '../helpers/rangeServer';

const SIZE = 4 * 1024 * 1024;
const PAYLOAD = fakeGguf(SIZE);
const NAME = 'model.gguf';

let server: RangeServer;
let dir: string;

before(async () => {
  server = await startRangeServer(PAYLOAD);
});
after(() => server.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'alembic-dl-'));
  server.options = { honourRange: true };
  server.requests.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function download(extra: Partial<DownloadOptions> = {}) {
  return downloadModel({ url: server.url, destinationDir: dir, fileName: NAME, ...extra });
}

async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  const err = await promise.then(
    () => assert.fail('expected the download to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DownloadError, `expected a DownloadError, got ${String(err)}`);
  return err;
}

const partialPath = () => join(dir, `${NAME}.incomplete`);
const finalPath = () => join(dir, NAME);

describe('downloadModel', () => {
  test('downloads the file with progress at most every 100 ms and a final event, and leaves only the final file', async () => {
    server.options.bytesPerSecond = 8 * 1024 * 1024; // about half a second
    const events: DownloadProgress[] = [];
    const started = performance.now();
    const result = await download({ onProgress: (p) => events.push(p), sha256: server.sha256 });
    const elapsed = performance.now() - started;

    assert.deepEqual(readFileSync(finalPath()), PAYLOAD);
    assert.equal(result.sha256, server.sha256);
    assert.equal(result.verifiedAgainst, 'caller');
    assert.deepEqual(readdirSync(dir).sort(), [NAME, `${NAME}.verified`]);
    assert.ok(events.length >= 3, `only ${events.length} progress events`);
    assert.ok(events.length <= elapsed / 100 + 2, `${events.length} events in ${Math.round(elapsed)} ms`);
    assert.deepEqual(events.at(-1), { ...events.at(-1), receivedBytes: SIZE, totalBytes: SIZE, resumedFromBytes: 0 });
    assert.ok(events.some((e) => e.bytesPerSecond > 0));
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.receivedBytes >= events[i - 1]!.receivedBytes);
  });

  test('keeps a download cut at 37% as .incomplete and resumes it with a Range request', async () => {
    server.options.cutAfterBytes = Math.floor(SIZE * 0.37);
    const cut = await rejection(download());
    assert.equal(cut.code, 'network');
    assert.equal(existsSync(finalPath()), false);
    const kept = statSync(partialPath()).size;
    assert.ok(kept > 0 && kept < SIZE, `kept ${kept} bytes`);
    assert.equal(cut.keptBytes, kept);

    server.options.cutAfterBytes = undefined;
    const result = await download({ sha256: server.sha256 });
    assert.equal(server.requests.at(-1)!.range, `bytes=${kept}-`);
    assert.equal(result.resumed, true);
    assert.equal(result.sha256, server.sha256);
    assert.deepEqual(readFileSync(finalPath()), PAYLOAD);
    assert.equal(existsSync(partialPath()), false);
  });

  test('restarts from zero when the server ignores Range, truncating the partial file', async () => {
    server.options = { honourRange: false, cutAfterBytes: Math.floor(SIZE * 0.37) };
    await rejection(download());
    // Make the partial longer than the file: bytes past the end would survive a restart without truncation.
    writeFileSync(partialPath(), Buffer.concat([readFileSync(partialPath()), Buffer.alloc(SIZE)]));
    const kept = statSync(partialPath()).size;

    server.options.cutAfterBytes = undefined;
    const result = await download();
    assert.equal(server.requests.at(-1)!.range, `bytes=${kept}-`);
    assert.equal(result.resumed, false);
    assert.equal(result.sha256, server.sha256);
    assert.deepEqual(readFileSync(finalPath()), PAYLOAD);
  });

  test('asks again for the whole file, without Range, when a 206 answer starts at the wrong byte', async () => {
    server.options.cutAfterBytes = Math.floor(SIZE * 0.37);
    await rejection(download());
    server.options = { honourRange: true, misplacedRange: true };
    const result = await download();
    assert.deepEqual(
      server.requests.slice(-2).map((r) => r.range !== undefined),
      [true, false],
    );
    assert.equal(result.sha256, server.sha256);
    assert.deepEqual(readFileSync(finalPath()), PAYLOAD);
  });

  test('finishes a partial file that already holds every byte when the server answers 416', async () => {
    writeFileSync(partialPath(), PAYLOAD);
    const result = await download({ sha256: server.sha256 });
    assert.equal(result.resumed, true);
    assert.equal(result.bytes, SIZE);
    assert.deepEqual(readdirSync(dir).sort(), [NAME, `${NAME}.verified`]);
  });

  test('keeps as .incomplete, with a clear error, a body of unknown length that ends cleanly at 37% with no hash to check it', async () => {
    server.options = { honourRange: true, noLength: true, endAfterBytes: Math.floor(SIZE * 0.37) };
    const err = await rejection(download());
    assert.equal(err.code, 'unverified');
    assert.match(
      err.message,
      /without stating its length, and no SHA-256 is known .* kept as model\.gguf\.incomplete and not used/,
    );
    assert.equal(existsSync(finalPath()), false);
    assert.equal(statSync(partialPath()).size, Math.floor(SIZE * 0.37));
    assert.equal(err.keptBytes, Math.floor(SIZE * 0.37));
    // Asking again must not find it "already downloaded".
    assert.equal((await rejection(download())).code, 'unverified');
    assert.equal(existsSync(finalPath()), false);
  });

  test('accepts a body of unknown length when the size and SHA-256 that the server announces match it', async () => {
    server.options = { honourRange: true, noLength: true, linkedEtag: server.sha256 };
    const result = await download({ url: server.redirectUrl });
    assert.equal(result.verifiedAgainst, 'server');
    assert.deepEqual(readFileSync(finalPath()), PAYLOAD);
  });

  test('keeps a body of unknown length that ends short of the announced size, and resumes it', async () => {
    server.options = {
      honourRange: true,
      noLength: true,
      endAfterBytes: Math.floor(SIZE * 0.37),
      linkedEtag: server.sha256,
    };
    const err = await rejection(download({ url: server.redirectUrl }));
    assert.equal(err.code, 'network');
    assert.match(err.message, new RegExp(`ended after ${Math.floor(SIZE * 0.37)} of ${SIZE} bytes`));
    assert.equal(existsSync(finalPath()), false);
    server.options = { honourRange: true, linkedEtag: server.sha256 };
    const result = await download({ url: server.redirectUrl });
    assert.equal(result.resumed, true);
    assert.deepEqual(readFileSync(finalPath()), PAYLOAD);
  });

  test('accepts a body of unknown length that matches the SHA-256 the caller expects', async () => {
    server.options = { honourRange: true, noLength: true };
    const result = await download({ sha256: server.sha256 });
    assert.equal(result.verifiedAgainst, 'caller');
    assert.deepEqual(readFileSync(finalPath()), PAYLOAD);
  });

  test('does not take a file that only starts like a model for an earlier download: it downloads it again', async () => {
    writeFileSync(finalPath(), PAYLOAD.subarray(0, Math.floor(SIZE * 0.37)));
    const result = await download();
    assert.equal(result.alreadyPresent, false);
    assert.equal(server.requests.length, 1);
    assert.deepEqual(readFileSync(finalPath()), PAYLOAD);
  });

  test('recognises a finished download from the record beside it, and not once the file has changed', async () => {
    await download();
    assert.deepEqual(readdirSync(dir).sort(), [NAME, `${NAME}.verified`]);
    const record = JSON.parse(readFileSync(join(dir, `${NAME}.verified`), 'utf8'));
    assert.equal(record.sha256, server.sha256);
    assert.equal(record.bytes, SIZE);
    assert.equal(record.verifiedAgainst, 'length');

    const again = await download();
    assert.equal(again.alreadyPresent, true);
    assert.equal(again.sha256, server.sha256);
    assert.equal(server.requests.length, 1, 'the server was not asked again');

    writeFileSync(finalPath(), PAYLOAD.subarray(0, 1024));
    const changed = await download();
    assert.equal(changed.alreadyPresent, false);
    assert.equal(server.requests.length, 2);
    assert.deepEqual(readFileSync(finalPath()), PAYLOAD);
  });

  test('deletes the partial file and throws hashMismatch when the SHA-256 differs from the expected one', async () => {
    const wrong = createHash('sha256').update('something else').digest('hex');
    const err = await rejection(download({ sha256: wrong }));
    assert.equal(err.code, 'hashMismatch');
    assert.equal(err.keptBytes, 0);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('checks the SHA-256 the server announces on its redirect when the caller knows none', async () => {
    server.options.linkedEtag = server.sha256;
    const ok = await download({ url: server.redirectUrl });
    assert.equal(ok.verifiedAgainst, 'server');

    rmSync(finalPath());
    server.options.linkedEtag = createHash('sha256').update('another file').digest('hex');
    const err = await rejection(download({ url: server.redirectUrl }));
    assert.equal(err.code, 'hashMismatch');
    assert.deepEqual(readdirSync(dir), []);
  });

  test('rejects an HTML page as notGguf and leaves no file behind', async () => {
    server.options.html = true;
    const err = await rejection(download());
    assert.equal(err.code, 'notGguf');
    assert.match(err.message, /web page/);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('reports an HTTP error status with advice and keeps nothing', async () => {
    server.options.status = 404;
    const err = await rejection(download());
    assert.equal(err.code, 'http');
    assert.equal(err.status, 404);
    assert.match(err.message, /not found/);
    assert.deepEqual(readdirSync(dir), []);
  });

  test('stops within a second of an abort mid-transfer and keeps the partial file for resuming', async () => {
    server.options.bytesPerSecond = 2 * 1024 * 1024;
    const controller = new AbortController();
    let abortedAt = 0;
    const promise = download({
      signal: controller.signal,
      onProgress: (p) => {
        if (!abortedAt && p.receivedBytes > SIZE * 0.2) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    const err = await rejection(promise);
    assert.ok(performance.now() - abortedAt < 1000);
    assert.equal(err.code, 'aborted');
    assert.ok(err.keptBytes > 0 && err.keptBytes < SIZE);
    assert.equal(statSync(partialPath()).size, err.keptBytes);
    assert.deepEqual(readdirSync(dir), [`${NAME}.incomplete`]);
  });

  test('fails in well under a second when the connection is refused', async () => {
    const closed = await startRangeServer(PAYLOAD);
    await closed.close();
    const started = performance.now();
    const err = await rejection(download({ url: closed.url }));
    assert.ok(performance.now() - started < 500);
    assert.equal(err.code, 'network');
    assert.match(err.message, /refused/);
  });

  test('gives up with a network error when the server does not answer within the connect timeout', async () => {
    server.options.headerDelayMs = 3000;
    const started = performance.now();
    const err = await rejection(download({ connectTimeoutMs: 200 }));
    assert.ok(performance.now() - started < 1000);
    assert.equal(err.code, 'network');
    assert.match(err.message, /did not answer/);
  });

  test('stops as stalled when no bytes arrive for the stall timeout, keeping what arrived', async () => {
    server.options.stallAfterBytes = 256 * 1024;
    const err = await rejection(download({ stallTimeoutMs: 300 }));
    assert.equal(err.code, 'stalled');
    assert.equal(err.keptBytes, statSync(partialPath()).size);
    assert.ok(err.keptBytes > 0);
  });

  test('refuses a second concurrent download of the same file as locked and lets the first finish', async () => {
    server.options.bytesPerSecond = 16 * 1024 * 1024;
    const first = download();
    await new Promise((r) => setTimeout(r, 50));
    const err = await rejection(download());
    assert.equal(err.code, 'locked');
    assert.equal((await first).sha256, server.sha256);
    assert.deepEqual(readdirSync(dir).sort(), [NAME, `${NAME}.verified`]);
  });

  test('takes over a lock left by a process that no longer exists', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(
      join(dir, `${NAME}.lock`),
      JSON.stringify({ pid: deadPid, host: hostname(), startedAt: 0, token: 'gone' }),
    );
    const result = await download();
    assert.equal(result.sha256, server.sha256);
    assert.deepEqual(readdirSync(dir).sort(), [NAME, `${NAME}.verified`]);
  });

  test('refuses names that could leave the models folder without touching the disk or the network', async () => {
    const missing = join(dir, 'not-created');
    for (const fileName of [
      '../evil.gguf',
      '/tmp/evil.gguf',
      'sub\\evil.gguf',
      '..',
      '',
      'model.bin',
      '.hidden.gguf',
    ]) {
      const err = await rejection(downloadModel({ url: server.url, destinationDir: missing, fileName }));
      assert.equal(err.code, 'badName', fileName);
    }
    assert.equal(existsSync(missing), false);
    assert.equal(server.requests.length, 0);
  });

  test('refuses plain http to another machine and hosts outside allowedHosts', async () => {
    assert.equal((await rejection(download({ url: 'http://example.com/model.gguf' }))).code, 'badUrl');
    assert.equal((await rejection(download({ allowedHosts: ['huggingface.co'] }))).code, 'badUrl');
    assert.equal(server.requests.length, 0);
  });

  test('sends the caller headers to the first origin only, not to the host a redirect points at', async () => {
    const other = await startRangeServer(PAYLOAD);
    try {
      server.options.redirectTo = other.url;
      await download({ url: server.redirectUrl, headers: { authorization: 'Bearer secret' } });
      assert.equal(server.requests[0]!.headers.authorization, 'Bearer secret');
      assert.equal(other.requests[0]!.headers.authorization, undefined);
    } finally {
      await other.close();
    }
  });

  test('returns a file already present with the expected hash without downloading it again', async () => {
    writeFileSync(finalPath(), PAYLOAD);
    const result = await download({ sha256: server.sha256 });
    assert.equal(result.alreadyPresent, true);
    assert.equal(server.requests.length, 0);
  });

  test('turns ENOSPC into diskFull with a message that says to free space', () => {
    const err = fileSystemError(
      Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }),
      '/models/x.gguf',
      123,
    );
    assert.equal(err.code, 'diskFull');
    assert.equal(err.keptBytes, 123);
    assert.match(err.message, /disk is full.*Free some space/);
  });

  // Writing through a link to /dev/full is the one portable-enough way to get a real ENOSPC from the
  // kernel; the mapping itself is covered by the test above on every platform.
  if (existsSync('/dev/full')) {
    test('fails with diskFull when the disk fills up during the download', async () => {
      symlinkSync('/dev/full', partialPath());
      const err = await rejection(download());
      assert.equal(err.code, 'diskFull');
      assert.equal(existsSync(finalPath()), false);
    });
  }

  test('formats progress as received of total, percent, speed and time left', () => {
    const text = formatProgress({
      receivedBytes: 1024 ** 3,
      totalBytes: 4 * 1024 ** 3,
      bytesPerSecond: 32 * 1024 ** 2,
      resumedFromBytes: 0,
    });
    assert.equal(text, '1.0 GB of 4.0 GB (25%), 32.0 MB/s, 1 min 36 s left');
  });
});
