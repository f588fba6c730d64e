// A bounded, forward-moving window over the start of a GGUF file. Model files are gigabytes, so
// the reader never loads one whole: it reads chunks on demand, never past a fixed limit (the
// header region it is willing to parse), and never allocates more than one chunk plus the largest
// single item the parser accepts. Every length handed to it has already been checked against the
// caps and the bytes left in the file; it re-checks anyway so a parser bug cannot become a huge
// allocation or a read past the limit.
//
// The primitive readers are synchronous and assume `has(n)` (or an awaited `load(n)`) succeeded:
// the parser tests `has` before each item and awaits only when the window runs dry, which keeps a
// 150,000-string vocabulary from costing 150,000 promise round trips.
import type { FileHandle } from 'node:fs/promises';
import { formatBytes } from '../util/format';
import { GgufCheckError } from './ggufCheckError';

const CHUNK_BYTES = 1 << 20;

export class GgufByteWindow {
  private buf: Buffer;
  /** File offset of buf[0]. */
  private bufStart = 0;
  /** Bytes of buf that hold file content. */
  private bufLen = 0;
  /** File offset of the next byte to parse. */
  pos = 0;

  constructor(
    private readonly file: FileHandle,
    readonly fileSize: number,
    /** Nothing at or past this offset is ever read: min(file size, header cap). */
    readonly limit: number,
    /** The largest single load() the parser may ask for. */
    private readonly maxLoadBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, limit)));
  }

  /** Bytes left in the file after the read position. */
  get remaining(): number {
    return this.fileSize - this.pos;
  }

  /** True when the next n bytes are already in memory. */
  has(n: number): boolean {
    const at = this.pos - this.bufStart;
    return at >= 0 && at + n <= this.bufLen;
  }

  /** Makes the next n bytes available in memory, reading the file as needed. */
  async load(n: number, what: string): Promise<void> {
    if (this.has(n)) return;
    this.checkRange(n, what);
    if (n > this.maxLoadBytes) {
      throw new GgufCheckError(
        'too-large',
        `${what} needs ${n} bytes at once, more than the pre-check reads.`,
        this.pos,
      );
    }
    // Keep the unread tail, drop what was consumed (or everything, after a skip past the window).
    const at = this.pos - this.bufStart;
    if (at >= 0 && at <= this.bufLen) {
      this.buf.copy(this.buf, 0, at, this.bufLen);
      this.bufLen -= at;
    } else {
      this.bufLen = 0;
    }
    this.bufStart = this.pos;
    if (this.buf.length < n) {
      const bigger = Buffer.allocUnsafe(Math.min(n + CHUNK_BYTES, this.maxLoadBytes + CHUNK_BYTES));
      this.buf.copy(bigger, 0, 0, this.bufLen);
      this.buf = bigger;
    }
    while (this.bufLen < n) {
      const fileAt = this.bufStart + this.bufLen;
      const want = Math.min(this.buf.length - this.bufLen, this.limit - fileAt);
      const { bytesRead } = await this.file.read(this.buf, this.bufLen, want, fileAt);
      if (bytesRead === 0) {
        throw new GgufCheckError('truncated', `The file shrank while it was being read (at ${what}).`, fileAt);
      }
      this.bufLen += bytesRead;
    }
  }

  /** Moves past n bytes without reading them (large numeric arrays, strings nobody needs). */
  advance(n: number, what: string): void {
    this.checkRange(n, what);
    this.pos += n;
  }

  private checkRange(n: number, what: string): void {
    if (n > this.remaining) {
      throw new GgufCheckError(
        'truncated',
        `The file ends at byte ${this.fileSize}, in the middle of ${what}: it is incomplete (an interrupted download?) or corrupt.`,
        this.pos,
      );
    }
    if (this.pos + n > this.limit) {
      throw new GgufCheckError(
        'too-large',
        `The GGUF header runs past ${formatBytes(this.limit)} (at ${what}); no real model has metadata that large.`,
        this.pos,
      );
    }
  }

  /** Reads `length` bytes at an absolute offset inside the already-parsed header, outside the window. */
  async readAt(offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || length < 0 || offset + length > this.limit || length > this.maxLoadBytes) {
      throw new GgufCheckError(
        'malformed',
        `Internal read of ${length} bytes at ${offset} is outside the header.`,
        offset,
      );
    }
    const out = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.file.read(out, done, length - done, offset + done);
      if (bytesRead === 0)
        throw new GgufCheckError('truncated', 'The file shrank while it was being read.', offset + done);
      done += bytesRead;
    }
    return out;
  }

  /**
   * The fast path for arrays of strings: consumes up to `count` consecutive strings that lie wholly
   * in memory (so inside the file and the limit), each at most `cap` bytes, recording where each
   * starts in `offsets` from `firstIndex` when given. It stops early, leaving the position at the
   * string, when the next one is not wholly in memory, is over the cap, or is one `isCandidate`
   * wants decoded; the caller handles that one on the slow, fully checked path. `onString` sees
   * the bytes of each string consumed. Returns how many strings it consumed.
   */
  skipStringsInMemory(
    count: number,
    cap: number,
    offsets?: Uint32Array,
    firstIndex = 0,
    isCandidate?: (length: number, firstByte: number) => boolean,
    onString?: (index: number, buf: Buffer, at: number, length: number) => void,
  ): number {
    const buf = this.buf;
    const end = this.bufLen;
    let at = this.pos - this.bufStart;
    let done = 0;
    while (done < count && at >= 0 && at + 8 <= end) {
      const n = buf.readUInt32LE(at + 4) * 0x1_0000_0000 + buf.readUInt32LE(at);
      if (n > cap || at + 8 + n > end) break;
      if (isCandidate && n > 0 && isCandidate(n, buf[at + 8]!)) break;
      if (offsets) offsets[firstIndex + done] = this.bufStart + at;
      onString?.(firstIndex + done, buf, at + 8, n);
      at += 8 + n;
      done++;
    }
    if (done > 0) this.pos = this.bufStart + at;
    return done;
  }

  /** Shows the next n bytes (made available by has/load) to `use`, without consuming them. */
  visit(n: number, use: (buf: Buffer, at: number) => void): void {
    if (!this.has(n))
      throw new GgufCheckError('malformed', `Internal read of ${n} bytes outside the window.`, this.pos);
    use(this.buf, this.pos - this.bufStart);
  }

  private take(n: number): number {
    const at = this.pos - this.bufStart;
    this.pos += n;
    return at;
  }

  readU8(): number {
    return this.buf[this.take(1)]!;
  }
  readU16(): number {
    return this.buf.readUInt16LE(this.take(2));
  }
  readI16(): number {
    return this.buf.readInt16LE(this.take(2));
  }
  readU32(): number {
    return this.buf.readUInt32LE(this.take(4));
  }
  readI32(): number {
    return this.buf.readInt32LE(this.take(4));
  }
  readU64(): bigint {
    return this.buf.readBigUInt64LE(this.take(8));
  }
  readI64(): bigint {
    return this.buf.readBigInt64LE(this.take(8));
  }
  /** A uint64 as a number: exact below 2^53, and above it still larger than any cap it is checked against. */
  readU64Loose(): number {
    const at = this.take(8);
    return this.buf.readUInt32LE(at + 4) * 0x1_0000_0000 + this.buf.readUInt32LE(at);
  }
  /** The exact uint64 just consumed, for messages. */
  previousU64(): bigint {
    return this.buf.readBigUInt64LE(this.pos - this.bufStart - 8);
  }
  readF32(): number {
    return this.buf.readFloatLE(this.take(4));
  }
  readF64(): number {
    return this.buf.readDoubleLE(this.take(8));
  }
  /** Decodes n bytes as UTF-8 (invalid sequences become U+FFFD, as nothing here executes them). */
  readUtf8(n: number): string {
    const at = this.take(n);
    return this.buf.toString('utf8', at, at + n);
  }
  /** The byte i positions ahead of the read position, without consuming it (needs has(i + 1)). */
  peek(i: number): number {
    return this.buf[this.pos - this.bufStart + i]!;
  }
}
