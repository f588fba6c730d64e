// The HTTP side of a download on Node's global fetch: which URLs are allowed, redirects followed
// by hand (so that tokens never leave the origin they were meant for, and so that the hash
// Hugging Face announces on its redirect can be read), and one abort controller per transfer
// that the caller, the connect timeout and the stall timeout share; and the Content-Range parser.
import { DownloadError } from './downloadError';

export type AbortKind = 'aborted' | 'connectTimeout' | 'stalled';

/** Aborts a transfer for the caller's signal or a timeout, and remembers which of them did. */
export class TransferGuard {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private timerKind: AbortKind | undefined;
  cause: AbortKind | null = null;

  private readonly onCallerAbort = () => this.abort('aborted');

  constructor(private readonly callerSignal: AbortSignal | undefined) {
    if (callerSignal?.aborted) this.abort('aborted');
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  abort(kind: AbortKind): void {
    if (this.cause) return;
    this.cause = kind;
    this.disarm();
    this.controller.abort(new Error(`download ${kind}`));
  }

  /** Aborts with `kind` unless re-armed or disarmed within `ms`. Re-arming the same kind only
   * restarts the clock, which is cheap enough to do for every chunk. */
  arm(ms: number, kind: AbortKind): void {
    if (this.timer && this.timerKind === kind) {
      this.timer.refresh();
      return;
    }
    this.disarm();
    this.timerKind = kind;
    this.timer = setTimeout(() => this.abort(kind), ms);
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerKind = undefined;
  }

  /** Ends the transfer: stops the timers, forgets the caller's signal, and aborts whatever request
   * or body is still open (after a failure, the connection must not stay behind). */
  close(): void {
    this.disarm();
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    if (!this.controller.signal.aborted) this.controller.abort(new Error('download finished'));
  }
}

export interface ContentRange {
  /** First byte of this response; null for "bytes * /total" (the 416 form). */
  start: number | null;
  end: number | null;
  /** The whole file's size; null when the server wrote "*". */
  total: number | null;
}

/** Parses `bytes 100-199/1000`, `bytes 100-199/*` and `bytes * /1000` (no space); undefined otherwise. */
export function parseContentRange(header: string | null): ContentRange | undefined {
  if (!header) return undefined;
  const match = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(header);
  if (!match) return undefined;
  const num = (s: string | undefined) => (s === undefined || s === '*' ? null : Number(s));
  const range: ContentRange = { start: num(match[1]), end: num(match[2]), total: num(match[3]) };
  if (range.start !== null && range.end !== null && range.end < range.start) return undefined;
  return range;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_REDIRECTS = 8;

/** https anywhere; plain http only to this machine (tests, a local mirror). */
function checkProtocol(url: URL, what: string): void {
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new DownloadError(
      'badUrl',
      `${what} ${url.protocol}//${url.host} is not an https address; Alembic only downloads models over https.`,
    );
  }
  if (url.username || url.password) {
    throw new DownloadError(
      'badUrl',
      `${what} contains a user name or password; pass credentials as a header instead.`,
    );
  }
}

/** The parsed download URL, or a `badUrl` error. `allowedHosts` (exact host names) restricts the
 * first request only: Hugging Face redirects to CDN hosts that change over time. */
export function checkDownloadUrl(raw: string, allowedHosts?: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DownloadError('badUrl', `"${raw}" is not a valid download address.`);
  }
  checkProtocol(url, 'The download address');
  if (allowedHosts && !allowedHosts.some((h) => h.toLowerCase() === url.hostname.toLowerCase())) {
    throw new DownloadError(
      'badUrl',
      `Downloads from ${url.hostname} are not allowed (allowed: ${allowedHosts.join(', ')}).`,
    );
  }
  return url;
}

export interface OpenRequest {
  url: URL;
  /** Byte offset to resume from; 0 requests the whole file. */
  rangeStart: number;
  /** Extra headers (an Authorization token): sent only to the origin of `url`, never after a
   * redirect to another host. */
  headers: Record<string, string> | undefined;
  connectTimeoutMs: number;
  guard: TransferGuard;
}

export interface OpenedDownload {
  response: Response;
  /** Where the bytes come from after redirects. */
  url: URL;
  /** The SHA-256 the first server announced for the file (Hugging Face's X-Linked-Etag). */
  announcedSha256?: string;
  /** The size it announced (X-Linked-Size). */
  announcedSize?: number;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function announcedSha256(headers: Headers): string | undefined {
  const etag = headers.get('x-linked-etag')?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
  return etag && /^[0-9a-f]{64}$/.test(etag) ? etag : undefined;
}

/** Sends the request and follows redirects up to the response that carries the body (or an
 * error status, which the caller interprets). Rejects with fetch's own errors when the network
 * fails and with the guard's reason when aborted. */
export async function openDownload(req: OpenRequest): Promise<OpenedDownload> {
  let url = req.url;
  let sha256: string | undefined;
  let size: number | undefined;
  for (let hop = 0; ; hop++) {
    const headers = new Headers(url.origin === req.url.origin ? req.headers : undefined);
    // Compressed transfer would make byte offsets meaningless for Range requests.
    headers.set('accept-encoding', 'identity');
    if (req.rangeStart > 0) headers.set('range', `bytes=${req.rangeStart}-`);
    else headers.delete('range');

    req.guard.arm(req.connectTimeoutMs, 'connectTimeout');
    const response = await fetch(url, { headers, redirect: 'manual', signal: req.guard.signal });
    req.guard.disarm();

    sha256 ??= announcedSha256(response.headers);
    const linkedSize = Number(response.headers.get('x-linked-size'));
    if (size === undefined && Number.isSafeInteger(linkedSize) && linkedSize > 0) size = linkedSize;

    if (!isRedirect(response.status)) {
      return {
        response,
        url,
        ...(sha256 && { announcedSha256: sha256 }),
        ...(size !== undefined && { announcedSize: size }),
      };
    }
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get('location');
    if (!location)
      throw new DownloadError('http', `${url.host} answered a redirect without a target (HTTP ${response.status}).`, {
        status: response.status,
      });
    if (hop >= MAX_REDIRECTS)
      throw new DownloadError('http', `${req.url.host} redirected more than ${MAX_REDIRECTS} times; try again later.`, {
        status: response.status,
      });
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new DownloadError('http', `${url.host} redirected to an invalid address.`, { status: response.status });
    }
    checkProtocol(next, 'The download was redirected to');
    url = next;
  }
}
