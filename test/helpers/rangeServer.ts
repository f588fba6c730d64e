// A local HTTP server on 127.0.0.1 that stands in for Hugging Face (which cannot be reached from
// the test machines): it serves a fake GGUF file and misbehaves on request: it can ignore Range,
// cut the connection, stall, end the body early, omit its length, serve an HTML page, pace its
// output, redirect with Hugging Face's X-Linked-Etag and X-Linked-Size headers, and it records
// every request it gets (with its Range header) so tests can check what the client asked.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RangeServerOptions {
  /** Answer Range requests with 206 (true) or ignore them and send the whole file with 200. */
  honourRange: boolean;
  /** Answer a Range request with 206 but from byte 0, as a broken cache might. */
  misplacedRange?: boolean;
  /** Destroy the socket once this many body bytes of a response were sent. */
  cutAfterBytes?: number;
  /** Stop sending after this many body bytes and keep the connection open. */
  stallAfterBytes?: number;
  /** End the response cleanly after this many body bytes, as if that were the whole file. */
  endAfterBytes?: number;
  /** Send no Content-Length (nor Content-Range total): the body's end is wherever it stops. */
  noLength?: boolean;
  /** Pace the body at about this speed (bytes/s); unpaced when omitted. */
  bytesPerSecond?: number;
  /** Wait this long before answering at all. */
  headerDelayMs?: number;
  /** Serve an HTML error page with status 200 instead of the file. */
  html?: boolean;
  /** Answer every request with this status and a short text body. */
  status?: number;
  /** Send this value as X-Linked-Etag on the redirect (Hugging Face announces the file's SHA-256 that way). */
  linkedEtag?: string;
  /** Where /redirect points (default: this server's file). */
  redirectTo?: string;
}

export interface RecordedRequest {
  path: string;
  range: string | undefined;
  headers: IncomingMessage['headers'];
}

export interface RangeServer {
  /** URL of the file. */
  url: string;
  /** URL that redirects (302, with X-Linked-Etag when set) to the file or `redirectTo`. */
  redirectUrl: string;
  /** Origin of the server, for building other URLs. */
  origin: string;
  payload: Buffer;
  sha256: string;
  /** Mutable: tests change the behaviour between calls. */
  options: RangeServerOptions;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A fake GGUF file: the 4-byte magic "GGUF" then deterministic pseudo-random bytes (xorshift32). */
export function fakeGguf(size: number, seed = 0x9e3779b9): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = x & 0xff;
  }
  buf.write('GGUF', 0, 'latin1');
  return buf;
}

const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Access to this model is restricted.</body></html>';
const CHUNK = 64 * 1024;

function parseRange(header: string | undefined, size: number): number | undefined {
  const match = /^bytes=(\d+)-$/.exec(header ?? '');
  if (!match) return undefined;
  const start = Number(match[1]);
  return start <= size ? start : undefined;
}

async function sendBody(res: ServerResponse, body: Buffer, options: RangeServerOptions): Promise<void> {
  let sent = 0;
  const tickMs = 20;
  while (sent < body.length) {
    if (res.destroyed) return;
    let size = options.bytesPerSecond ? Math.max(1, Math.floor((options.bytesPerSecond * tickMs) / 1000)) : CHUNK;
    size = Math.min(size, body.length - sent);
    const limit = options.cutAfterBytes ?? options.stallAfterBytes ?? options.endAfterBytes;
    if (limit !== undefined) size = Math.min(size, Math.max(0, limit - sent));
    if (size > 0) {
      const ok = res.write(body.subarray(sent, sent + size));
      sent += size;
      if (!ok) await new Promise((r) => res.once('drain', r));
    }
    if (options.cutAfterBytes !== undefined && sent >= options.cutAfterBytes) {
      // Let what was written reach the client, then drop the connection mid-body.
      await new Promise((r) => setTimeout(r, 20));
      res.socket?.destroy();
      return;
    }
    if (options.stallAfterBytes !== undefined && sent >= options.stallAfterBytes) return; // never ends
    if (options.endAfterBytes !== undefined && sent >= options.endAfterBytes) break; // a clean, early end
    if (options.bytesPerSecond) await new Promise((r) => setTimeout(r, tickMs));
  }
  res.end();
}

export async function startRangeServer(
  payload: Buffer,
  initial: Partial<RangeServerOptions> = {},
): Promise<RangeServer> {
  const state = { options: { honourRange: true, ...initial } as RangeServerOptions };
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    // Read at each request: tests replace or change the options between downloads.
    const options = state.options;
    const path = req.url ?? '/';
    requests.push({ path, range: req.headers.range, headers: req.headers });
    void (async () => {
      // Unref'd: a client that gave up must not keep the test process alive until the delay ends.
      if (options.headerDelayMs) await new Promise((r) => setTimeout(r, options.headerDelayMs).unref());
      if (res.destroyed) return;
      const linked = options.linkedEtag
        ? { 'x-linked-etag': `"${options.linkedEtag}"`, 'x-linked-size': String(payload.length) }
        : {};
      if (path === '/redirect') {
        res.writeHead(302, { location: options.redirectTo ?? '/model.gguf', ...linked }).end();
        return;
      }
      if (options.status) {
        res.writeHead(options.status, { 'content-type': 'text/plain' }).end(`status ${options.status}`);
        return;
      }
      if (options.html) {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(HTML_PAGE),
        });
        res.end(HTML_PAGE);
        return;
      }
      const start = options.honourRange ? parseRange(req.headers.range, payload.length) : undefined;
      if (start === payload.length) {
        res.writeHead(416, { 'content-range': `bytes */${payload.length}` }).end();
        return;
      }
      if (start !== undefined && start > 0 && options.misplacedRange) {
        res.writeHead(206, {
          'content-length': payload.length,
          'content-range': `bytes 0-${payload.length - 1}/${payload.length}`,
        });
        await sendBody(res, payload, options);
        return;
      }
      const length = (n: number) => (options.noLength ? {} : { 'content-length': n });
      if (start !== undefined && start > 0) {
        res.writeHead(206, {
          'content-type': 'application/octet-stream',
          ...length(payload.length - start),
          'content-range': `bytes ${start}-${payload.length - 1}/${options.noLength ? '*' : payload.length}`,
        });
        await sendBody(res, payload.subarray(start), options);
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        ...length(payload.length),
        'accept-ranges': 'bytes',
      });
      await sendBody(res, payload, options);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/model.gguf`,
    redirectUrl: `${origin}/redirect`,
    origin,
    payload,
    sha256: createHash('sha256').update(payload).digest('hex'),
    get options() {
      return state.options;
    },
    set options(value: RangeServerOptions) {
      state.options = value;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
