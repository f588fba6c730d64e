// Downloads a model file into the models folder, robustly: into `<name>.incomplete` under a lock,
// resumed with a Range request when a partial file exists (restarted from zero when the server
// ignores Range), checked for the GGUF signature from the first bytes, SHA-256 verified, then
// renamed atomically, with a record of what was verified beside it (verificationRecord.ts). A
// partial file never appears under the final name: a body whose length the server did not state
// is accepted only when a stated size and SHA-256 both match it. Written on Node's fetch rather
// than node-llama-cpp's downloader, which retries for minutes offline and ignores abort.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { INCOMPLETE_SUFFIX, LOCK_SUFFIX, modelFileNameProblem, modelFilePath } from '../models/modelStore';
import { DownloadError, fileSystemError, httpStatusError, networkError, notGgufError } from './downloadError';
import { acquireDownloadLock } from './downloadLock';
import { formatBytes } from '../util/format';
import {
  readVerificationRecord,
  removeVerificationRecord,
  VERIFIED_SUFFIX,
  writeVerificationRecord,
} from './verificationRecord';
import { checkDownloadUrl, openDownload, parseContentRange, TransferGuard, type OpenedDownload } from './httpRequest';
import { ProgressMeter, type DownloadProgress } from './progressMeter';

export { DownloadError, type DownloadErrorCode } from './downloadError';
export { formatProgress, formatRate, type DownloadProgress } from './progressMeter';

export interface DownloadOptions {
  url: string;
  destinationDir: string;
  /** A plain `.gguf` file name; anything that could leave `destinationDir` is refused. */
  fileName: string;
  /** Expected SHA-256 (hex). Without it, the hash the server announces (Hugging Face's
   * X-Linked-Etag) is checked when there is one. */
  sha256?: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** How long to wait for the server's answer to each request (default 10 s). A refused
   * connection or an unknown host fails at once, whatever this is. */
  connectTimeoutMs?: number;
  /** How long the body may deliver no bytes before the download stops as stalled (default 30 s). */
  stallTimeoutMs?: number;
  /** Extra request headers (e.g. Authorization), sent only to the URL's own origin. */
  headers?: Record<string, string>;
  /** Host names the URL may point at (exact match); any https host when omitted. */
  allowedHosts?: readonly string[];
  /** Minimum time between progress reports (default 100 ms). */
  progressIntervalMs?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** The file's SHA-256; null only for a file that was already present with nothing to check it against. */
  sha256: string | null;
  /** Which expected hash the file matched: the caller's, the server's announcement, or none. */
  verifiedAgainst: 'caller' | 'server' | null;
  /** True when this call continued an earlier partial download. */
  resumed: boolean;
  /** True when the file was already complete and nothing was downloaded. */
  alreadyPresent: boolean;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_STALL_TIMEOUT_MS = 30_000;

export async function downloadModel(opts: DownloadOptions): Promise<DownloadResult> {
  // Everything that needs no disk and no network is checked first.
  const nameProblem = modelFileNameProblem(opts.fileName);
  if (nameProblem) throw new DownloadError('badName', nameProblem);
  const expected = opts.sha256?.trim().toLowerCase();
  if (expected !== undefined && !/^[0-9a-f]{64}$/.test(expected)) {
    throw new TypeError(`sha256 must be 64 hexadecimal digits, got "${opts.sha256}"`);
  }
  const url = checkDownloadUrl(opts.url, opts.allowedHosts);
  if (opts.signal?.aborted) throw new DownloadError('aborted', `The download of ${opts.fileName} was cancelled.`);

  const dir = resolve(opts.destinationDir);
  const finalPath = modelFilePath(dir, opts.fileName);
  await mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw fileSystemError(err, dir);
  });
  const lock = await acquireDownloadLock(finalPath + LOCK_SUFFIX, opts.fileName);
  try {
    const present = await alreadyPresent(finalPath, url, expected, opts.signal);
    if (present) return present;
    // Whatever record is there no longer describes a file worth keeping.
    await removeVerificationRecord(finalPath);
    return await transfer(opts, url, finalPath, expected);
  } finally {
    await lock.release();
  }
}

/** The result for a complete file already under the final name, or null when it must be
 * downloaded (again: the rename at the end replaces a bad one). A file counts as complete through
 * the record its download left (verificationRecord.ts), or, without one, when the caller's
 * expected SHA-256 matches it; a file that only starts like a model does not. */
async function alreadyPresent(
  path: string,
  url: URL,
  expected: string | undefined,
  signal?: AbortSignal,
): Promise<DownloadResult | null> {
  const record = await readVerificationRecord(path);
  if (record) {
    if (expected && record.sha256 !== expected) return null;
    const against = expected ? 'caller' : record.verifiedAgainst === 'length' ? null : record.verifiedAgainst;
    return {
      path,
      bytes: record.bytes,
      sha256: record.sha256,
      verifiedAgainst: against,
      resumed: false,
      alreadyPresent: true,
    };
  }
  const info = await stat(path).catch(() => undefined);
  if (!expected || !info?.isFile() || info.size < 4) return null;
  const hash = createHash('sha256');
  const head = await hashFilePrefix(path, info.size, hash, signal).catch((err: unknown) => {
    if (signal?.aborted)
      throw new DownloadError('aborted', `The check of ${basename(path)} was cancelled.`, { cause: err });
    throw fileSystemError(err, path);
  });
  const sha256 = hash.digest('hex');
  if (head.toString('latin1') !== 'GGUF' || sha256 !== expected) return null;
  await writeVerificationRecord(path, {
    fileName: basename(path),
    sha256,
    verifiedAgainst: 'caller',
    url: url.href,
  }).catch(
    () => undefined, // a read-only folder: the file is still good, only the next check is slower
  );
  return { path, bytes: info.size, sha256, verifiedAgainst: 'caller', resumed: false, alreadyPresent: true };
}

/** Feeds the first `length` bytes of a file to `hash` (when given) and returns its first 4 bytes. */
async function hashFilePrefix(
  path: string,
  length: number,
  hash: Hash | undefined,
  signal?: AbortSignal,
): Promise<Buffer> {
  let head = Buffer.alloc(0);
  const stream = createReadStream(path, { start: 0, end: length - 1, ...(signal && { signal }) });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
    hash?.update(chunk);
  }
  return head;
}

async function fileSize(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? info.size : 0;
}

async function writeAt(file: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length;) {
    const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** What the response means for the partial file. `lengthStated` says whether the response itself
 * gave the body's length (Content-Length, or the total of a Content-Range): without it the body
 * ends wherever the connection closes, and a clean close is no proof that it is complete. */
type Plan =
  | { kind: 'body'; startAt: number; total: number | null; lengthStated: boolean }
  | { kind: 'complete' }
  | { kind: 'restart' };

function planFor(opened: OpenedDownload, resumeFrom: number): Plan {
  const { response } = opened;
  const encoding = response.headers.get('content-encoding');
  if (response.ok && encoding && encoding.toLowerCase() !== 'identity') {
    // fetch would decompress it, and byte offsets for resuming would no longer match the file.
    throw new DownloadError(
      'http',
      `${opened.url.host} sent the model compressed (${encoding}), which cannot be resumed or verified. Try again later or use another mirror.`,
    );
  }
  const contentRange = parseContentRange(response.headers.get('content-range'));
  if (response.status === 200) {
    const length = Number(response.headers.get('content-length') ?? NaN);
    const stated = Number.isSafeInteger(length);
    return { kind: 'body', startAt: 0, total: stated ? length : (opened.announcedSize ?? null), lengthStated: stated };
  }
  if (response.status === 206) {
    if (!contentRange || contentRange.start !== resumeFrom) return { kind: 'restart' };
    const stated = contentRange.total !== null;
    return {
      kind: 'body',
      startAt: resumeFrom,
      total: contentRange.total ?? opened.announcedSize ?? null,
      lengthStated: stated,
    };
  }
  // 416: nothing left after our offset. Complete if the file is exactly that long.
  if (response.status === 416 && resumeFrom > 0) {
    return contentRange?.total === resumeFrom ? { kind: 'complete' } : { kind: 'restart' };
  }
  throw httpStatusError(response.status, opened.url.host);
}

async function transfer(
  opts: DownloadOptions,
  url: URL,
  finalPath: string,
  expected: string | undefined,
): Promise<DownloadResult> {
  const partialPath = finalPath + INCOMPLETE_SUFFIX;
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const stallTimeoutMs = opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const guard = new TransferGuard(opts.signal);
  let file: FileHandle | undefined;
  let deletePartial = false;
  try {
    let hash = createHash('sha256');
    let resumeFrom = await fileSize(partialPath);
    // The kept bytes enter the hash first; a partial that is not GGUF (left by an older version or
    // another program) is not worth resuming.
    if (
      resumeFrom > 0 &&
      (await hashFilePrefix(partialPath, resumeFrom, hash, guard.signal)).toString('latin1') !== 'GGUF'
    ) {
      resumeFrom = 0;
      hash = createHash('sha256');
    }
    // Opened before the request so that a folder we cannot write fails before any network use.
    file = await open(partialPath, resumeFrom > 0 ? 'r+' : 'w').catch((err: unknown) => {
      throw fileSystemError(err, partialPath);
    });

    let opened = await openDownload({ url, rangeStart: resumeFrom, headers: opts.headers, connectTimeoutMs, guard });
    let plan = planFor(opened, resumeFrom);
    if (plan.kind === 'restart') {
      // A range answer that does not continue our file: ask once for the whole file, without Range.
      await opened.response.body?.cancel().catch(() => undefined);
      opened = await openDownload({ url, rangeStart: 0, headers: opts.headers, connectTimeoutMs, guard });
      plan = planFor(opened, 0);
      if (plan.kind !== 'body') throw httpStatusError(opened.response.status, opened.url.host);
    }

    let position = resumeFrom;
    const total = plan.kind === 'body' ? plan.total : resumeFrom;
    if (plan.kind === 'body' && plan.startAt === 0 && resumeFrom > 0) {
      // The whole file is coming (the server ignored Range, or we asked again): start over from zero.
      resumeFrom = position = 0;
      hash = createHash('sha256');
      await file.truncate(0).catch((err: unknown) => {
        throw fileSystemError(err, partialPath);
      });
    }
    const meter = new ProgressMeter(opts.onProgress, total, position, opts.progressIntervalMs);
    if (plan.kind === 'body') {
      position = await receiveBody(opened, file, partialPath, position, hash, guard, stallTimeoutMs, meter, () => {
        deletePartial = true;
      });
    }
    if (total !== null && position > total) {
      deletePartial = true;
      throw new DownloadError(
        'http',
        `${opened.url.host} sent more bytes than the file's announced size (${total}). Nothing was saved; try again later.`,
      );
    }
    if (total !== null && position < total) {
      throw new DownloadError(
        'network',
        `The connection to ${opened.url.host} ended after ${position} of ${total} bytes. Try again: the download resumes where it stopped.`,
      );
    }
    meter.finish(position);
    await file.sync().catch(() => undefined);
    await file.close().catch((err: unknown) => {
      throw fileSystemError(err, partialPath);
    });
    file = undefined;

    const sha256 = hash.digest('hex');
    const wanted = expected ?? opened.announcedSha256;
    if (wanted && sha256 !== wanted) {
      deletePartial = true;
      throw new DownloadError(
        'hashMismatch',
        `The downloaded ${opts.fileName} is damaged or not the expected file (SHA-256 ${sha256}, expected ${wanted}). It was deleted; download it again.`,
      );
    }
    // A body whose length the response did not state ended where the connection closed. A stated
    // size (the announced one) was compared above; the SHA-256 settles the rest, so one is needed.
    if (plan.kind === 'body' && !plan.lengthStated && !wanted) {
      throw new DownloadError(
        'unverified',
        `${opened.url.host} sent ${opts.fileName} without stating its length, and no SHA-256 is known to ` +
          `check it against, so the ${formatBytes(position)} that arrived may be only part of it. It is ` +
          `kept as ${basename(partialPath)} and not used. Try again later, or give the file's SHA-256 so ` +
          `that it can be checked.`,
      );
    }
    await rename(partialPath, finalPath).catch((err: unknown) => {
      throw fileSystemError(err, finalPath, position);
    });
    await writeVerificationRecord(finalPath, {
      fileName: opts.fileName,
      sha256,
      verifiedAgainst: expected ? 'caller' : wanted ? 'server' : 'length',
      url: opts.url,
    }).catch((err: unknown) => {
      throw fileSystemError(err, finalPath + VERIFIED_SUFFIX);
    });
    return {
      path: finalPath,
      bytes: position,
      sha256,
      verifiedAgainst: expected ? 'caller' : wanted ? 'server' : null,
      resumed: resumeFrom > 0,
      alreadyPresent: false,
    };
  } catch (err) {
    await file?.close().catch(() => undefined);
    file = undefined;
    const keptBytes = deletePartial ? 0 : await fileSize(partialPath);
    // An empty partial (the request failed before any byte arrived) is not worth keeping either.
    if (keptBytes === 0) await unlink(partialPath).catch(() => undefined);
    const error = err instanceof DownloadError ? err : classify(err, guard, opts, url, keptBytes);
    error.keptBytes = keptBytes;
    throw error;
  } finally {
    guard.close();
    await file?.close().catch(() => undefined);
  }
}

/** Streams the body into the file from `position`, checking the GGUF signature before the first
 * byte is written. Returns the position after the last byte. */
async function receiveBody(
  opened: OpenedDownload,
  file: FileHandle,
  path: string,
  position: number,
  hash: Hash,
  guard: TransferGuard,
  stallTimeoutMs: number,
  meter: ProgressMeter,
  onNotGguf: () => void,
): Promise<number> {
  const body = opened.response.body;
  let head: Buffer | null = position === 0 ? Buffer.alloc(0) : null;
  const checkHead = (bytes: Buffer) => {
    if (bytes.length < 4 || bytes.toString('latin1', 0, 4) !== 'GGUF') {
      onNotGguf();
      throw notGgufError(bytes, opened.response.headers.get('content-type'), opened.url.host);
    }
  };
  if (body) {
    const reader = body.getReader();
    for (;;) {
      guard.arm(stallTimeoutMs, 'stalled');
      const { done, value } = await reader.read();
      if (done) break;
      let data: Buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (head) {
        head = Buffer.concat([head, data]);
        if (head.length < 4) continue;
        checkHead(head);
        data = head;
        head = null;
      }
      await writeAt(file, data, position).catch((err: unknown) => {
        throw fileSystemError(err, path);
      });
      hash.update(data);
      position += data.length;
      meter.update(position);
    }
    guard.disarm();
  }
  if (head) checkHead(head);
  return position;
}

function classify(
  err: unknown,
  guard: TransferGuard,
  opts: DownloadOptions,
  url: URL,
  keptBytes: number,
): DownloadError {
  const kept = keptBytes > 0 ? ' The part already downloaded is kept: downloading again resumes from there.' : '';
  switch (guard.cause) {
    case 'aborted':
      return new DownloadError('aborted', `The download of ${opts.fileName} was cancelled.${kept}`, { cause: err });
    case 'stalled':
      return new DownloadError(
        'stalled',
        `No data arrived from ${url.host} for ` +
          `${Math.round((opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS) / 1000)} s, so the download was ` +
          `stopped. Check your connection and try again.${kept}`,
        { cause: err },
      );
    case 'connectTimeout':
      return new DownloadError(
        'network',
        `${url.host} did not answer within ` +
          `${Math.round((opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000)} s. Check your ` +
          `internet connection or proxy, then try again.${kept}`,
        { cause: err },
      );
    default:
      return networkError(err, url.host, keptBytes);
  }
}
