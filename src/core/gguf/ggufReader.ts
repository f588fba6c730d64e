// A bounded GGUF header parser: the first line of defence before llama.cpp, which abort()s on bad
// input and whose GGUF loader has had several memory-safety CVEs. It reads only the header region
// (metadata and tensor infos, capped at GGUF_LIMITS.headerBytes) in chunks, checks every count and
// length against a cap AND against the bytes left in the file before using it, uses BigInt for
// every uint64, and allocates nothing sized by an unchecked number. The work is bounded by the
// header cap, so any input is answered in well under a second.
//
// What it checks mirrors llama.cpp's gguf_init_from_file (ggml/src/gguf.cpp) plus a few things
// llama.cpp leaves to later stages: tensor data inside the file, no overlapping tensors, sane caps.
import { GgufByteWindow } from './ggufByteWindow';
import { GgufCheckError } from './ggufCheckError';
import { withModelFile } from './ggufFileAccess';
import { checkGgufVersion, describeNonGguf, SNIFF_BYTES } from './ggufFileKind';
import {
  metadataInteger,
  quoteForMessage,
  type GgufHeader,
  type GgufMetadataValue,
  type GgufVocabulary,
  type VocabularyFacts,
} from './ggufHeader';
import { readTensorInfos } from './ggufTensorInfos';
import { MAX_CANDIDATES, VocabularyScan } from './ggufVocabularyScan';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GgufValueType,
  type GgufScalarType,
  fixedValueSize,
  isKnownValueType,
  isNumericType,
  minimalValueSize,
  valueTypeName,
} from './ggufTypes';

export type { GgufHeader, GgufMetadataValue, GgufTensorInfo, GgufVocabulary, VocabularyFacts } from './ggufHeader';
export { metadataInteger, metadataString, quoteForMessage } from './ggufHeader';

export const GGUF_LIMITS = {
  /** The header region parsed at most. Real headers are 1-10 MB (a 262k-token vocabulary is ~6 MB). */
  headerBytes: 64 * 1024 * 1024,
  tensors: 65_536,
  metadataEntries: 65_536,
  keyBytes: 64 * 1024,
  /** Any string value; chat templates, the longest real ones, are tens of KB. */
  stringBytes: 1024 * 1024,
  /** Vocabularies and merge lists run to a few hundred thousand entries (Gemma 3: 262,144). */
  arrayItems: 1024 * 1024,
  /** llama.cpp accepts any power of two; above a page's worth none is plausible. */
  maxAlignment: 65_536,
  /** llama.cpp's CPU backend asserts that tensor data is aligned to 32 bytes (TENSOR_ALIGNMENT). */
  minAlignment: 32,
  /** Numeric arrays up to this long keep their values: per-layer hyperparameters (at most 512 layers). */
  keptArrayItems: 1024,
} as const;

// The smallest encodings, for "can this count even fit in the file": a metadata entry is a key
// (8-byte length + at least 1 byte), a 4-byte type and a 1-byte value; a tensor info is a name
// length, n_dims, one dimension, a type and an offset.
const MIN_ENTRY_BYTES = 8 + 1 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

const TOKENS_KEY = 'tokenizer.ggml.tokens';
/** Keys naming special tokens (bos, eos, eot, fim_pre, prefix, ...) whose texts the header reports. */
const SPECIAL_TOKEN_KEY = /^tokenizer\.ggml\.[a-z_]+_token_id$/;
const MAX_SPECIAL_TOKEN_KEYS = 64;
const MAX_SPECIAL_TOKEN_BYTES = 256;

export interface GgufReadOptions {
  /** Token texts to look for while the vocabulary streams past (e.g. well-known FIM tokens). */
  findTokenTexts?: readonly string[];
}

/** Reads and validates the header of the GGUF file at `path`; throws GgufCheckError on any problem. */
export async function readGgufHeader(path: string, options: GgufReadOptions = {}): Promise<GgufHeader> {
  return withModelFile(path, (file, size) => {
    const window = new GgufByteWindow(file, size, Math.min(size, GGUF_LIMITS.headerBytes), GGUF_LIMITS.stringBytes);
    return new HeaderParser(window, options).parse();
  });
}

class HeaderParser {
  private readonly metadata = new Map<string, GgufMetadataValue>();
  private readonly wanted: Set<string>;
  private readonly wantedFirstBytes: Set<number>;
  private readonly wantedMaxBytes: number;
  private tokenOffsets: Uint32Array | null = null;
  private scan: VocabularyScan | null = null;
  private readonly foundTexts = new Map<string, number>();

  constructor(
    private readonly w: GgufByteWindow,
    options: GgufReadOptions,
  ) {
    const wanted = (options.findTokenTexts ?? []).map((t) => Buffer.from(t, 'utf8')).filter((b) => b.length > 0);
    this.wanted = new Set(wanted.map((b) => b.toString('utf8')));
    this.wantedFirstBytes = new Set(wanted.map((b) => b[0]!));
    this.wantedMaxBytes = Math.max(0, ...wanted.map((b) => b.length));
  }

  async parse(): Promise<GgufHeader> {
    const w = this.w;
    await w.load(Math.min(w.fileSize, SNIFF_BYTES), 'the file signature');
    if (w.fileSize < 4 || w.readU32() !== GGUF_MAGIC) {
      w.pos = 0;
      const head = Buffer.alloc(Math.min(w.fileSize, SNIFF_BYTES));
      for (let i = 0; i < head.length; i++) head[i] = w.peek(i);
      throw describeNonGguf(head, w.fileSize);
    }
    await w.load(4 + 8 + 8, 'the GGUF header');
    const version = w.readU32();
    const versionError = checkGgufVersion(version);
    if (versionError) throw versionError;
    const tensorCount = w.readU64();
    const entryCount = w.readU64();
    if (tensorCount > BigInt(GGUF_LIMITS.tensors)) {
      throw new GgufCheckError(
        'too-large',
        `The header claims ${tensorCount} tensors; at most ${GGUF_LIMITS.tensors} are accepted.`,
        8,
      );
    }
    if (entryCount > BigInt(GGUF_LIMITS.metadataEntries)) {
      throw new GgufCheckError(
        'too-large',
        `The header claims ${entryCount} metadata entries; at most ${GGUF_LIMITS.metadataEntries} are accepted.`,
        16,
      );
    }
    const tensors = Number(tensorCount);
    const entries = Number(entryCount);
    if (entries * MIN_ENTRY_BYTES + tensors * MIN_TENSOR_INFO_BYTES > w.remaining) {
      throw new GgufCheckError(
        'truncated',
        `The header claims ${entries} metadata entries and ${tensors} tensors, which cannot fit in the ` +
          `${w.remaining} bytes left in the file: it is truncated or corrupt.`,
        24,
      );
    }
    for (let i = 0; i < entries; i++) await this.readEntry(i);
    const alignment = this.alignment();
    const { tensors: infos, dataOffset } = await readTensorInfos(w, tensors, alignment, (what, cap) =>
      this.readString(what, cap),
    );
    return {
      fileSize: w.fileSize,
      version,
      alignment,
      dataOffset,
      metadata: this.metadata,
      tensors: infos,
      vocabulary: await this.vocabulary(),
    };
  }

  /** Reads a GGUF string after checking its length against `cap` and the bytes left. */
  async readString(what: string, cap: number): Promise<string> {
    const w = this.w;
    if (!w.has(8)) await w.load(8, what);
    const n = this.takeStringLength(cap, what);
    if (!w.has(n)) await w.load(n, what);
    return w.readUtf8(n);
  }

  /** Consumes a string's length (the caller made 8 bytes available) and checks it. Synchronous,
   * and builds no message unless it fails: vocabularies run this a few hundred thousand times. */
  private takeStringLength(cap: number, what: string, item?: number): number {
    const w = this.w;
    const length = w.readU64Loose();
    if (length <= cap && length <= w.remaining) return length;
    const subject = item === undefined ? what : `${what} item #${item + 1}`;
    const exact = w.previousU64();
    if (length > cap) {
      throw new GgufCheckError(
        'too-large',
        `${subject} is a string of ${exact} bytes; at most ${cap} are accepted.`,
        w.pos - 8,
      );
    }
    throw new GgufCheckError(
      'truncated',
      `${subject} claims a string of ${exact} bytes, but only ${w.remaining} bytes are left in the file: it is truncated or corrupt.`,
      w.pos - 8,
    );
  }

  private async readEntry(index: number): Promise<void> {
    const w = this.w;
    const key = await this.readString(`The key of metadata entry #${index + 1}`, GGUF_LIMITS.keyBytes);
    if (key.length === 0)
      throw new GgufCheckError('malformed', `Metadata entry #${index + 1} has an empty key.`, w.pos);
    if (this.metadata.has(key))
      throw new GgufCheckError('malformed', `Metadata key ${quoteForMessage(key)} appears twice.`, w.pos);
    const what = `Metadata ${quoteForMessage(key)}`;
    if (!w.has(4)) await w.load(4, what);
    const type = w.readU32();
    if (type === GgufValueType.ARRAY) {
      this.metadata.set(key, await this.readArray(key, what));
    } else if (isKnownValueType(type)) {
      const scalarType = type as GgufScalarType; // not ARRAY: handled above
      this.metadata.set(key, { type: scalarType, value: await this.readScalar(scalarType, what) });
    } else {
      throw new GgufCheckError('malformed', `${what} has an unknown value type (${type}).`, w.pos - 4);
    }
  }

  private async readScalar(type: GgufScalarType, what: string): Promise<number | bigint | boolean | string> {
    if (type === GgufValueType.STRING) return this.readString(what, GGUF_LIMITS.stringBytes);
    const w = this.w;
    const size = fixedValueSize(type)!;
    if (!w.has(size)) await w.load(size, what);
    switch (type) {
      case GgufValueType.UINT8:
        return w.readU8();
      case GgufValueType.INT8:
        return (w.readU8() << 24) >> 24;
      case GgufValueType.UINT16:
        return w.readU16();
      case GgufValueType.INT16:
        return w.readI16();
      case GgufValueType.UINT32:
        return w.readU32();
      case GgufValueType.INT32:
        return w.readI32();
      case GgufValueType.FLOAT32:
        return w.readF32();
      case GgufValueType.BOOL:
        return w.readU8() !== 0;
      case GgufValueType.UINT64:
        return w.readU64();
      case GgufValueType.INT64:
        return w.readI64();
      case GgufValueType.FLOAT64:
        return w.readF64();
    }
  }

  private async readArray(key: string, what: string): Promise<GgufMetadataValue> {
    const w = this.w;
    if (!w.has(12)) await w.load(12, what);
    const itemType = w.readU32();
    if (itemType === GgufValueType.ARRAY) {
      throw new GgufCheckError(
        'malformed',
        `${what} is an array of arrays, which llama.cpp does not accept.`,
        w.pos - 4,
      );
    }
    if (!isKnownValueType(itemType)) {
      throw new GgufCheckError('malformed', `${what} is an array of an unknown value type (${itemType}).`, w.pos - 4);
    }
    const claimed = w.readU64();
    if (claimed > BigInt(GGUF_LIMITS.arrayItems)) {
      throw new GgufCheckError(
        'too-large',
        `${what} is an array of ${claimed} items; at most ${GGUF_LIMITS.arrayItems} are accepted.`,
        w.pos - 8,
      );
    }
    const length = Number(claimed);
    const minBytes = length * minimalValueSize(itemType);
    if (minBytes > w.remaining) {
      throw new GgufCheckError(
        'truncated',
        `${what} is an array of ${length} ${valueTypeName(itemType)} items (at least ${minBytes} bytes), ` +
          `but only ${w.remaining} bytes are left in the file: it is truncated or corrupt.`,
        w.pos - 8,
      );
    }
    if (itemType !== GgufValueType.STRING) {
      const bytes = length * fixedValueSize(itemType)!;
      if (length <= GGUF_LIMITS.keptArrayItems && isNumericType(itemType)) {
        if (!w.has(bytes)) await w.load(bytes, what);
        const values: number[] = [];
        for (let i = 0; i < length; i++) values.push(Number(await this.readScalar(itemType as GgufScalarType, what)));
        return { type: GgufValueType.ARRAY, itemType, length, values };
      }
      w.advance(bytes, what);
    } else if (key === TOKENS_KEY) {
      await this.readTokens(length, what);
    } else {
      for (let i = 0; i < length; i++) {
        i += w.skipStringsInMemory(length - i, GGUF_LIMITS.stringBytes);
        if (i === length) break;
        if (!w.has(8)) await w.load(8, what);
        w.advance(this.takeStringLength(GGUF_LIMITS.stringBytes, what, i), what);
      }
    }
    return { type: GgufValueType.ARRAY, itemType, length };
  }

  /** Streams the vocabulary, remembering where each token is (to read special ones later), scanning
   * every text for what llama.cpp aborts on (VocabularyScan) and matching the wanted texts on the
   * way; other token texts are never decoded. */
  private async readTokens(length: number, what: string): Promise<void> {
    const w = this.w;
    const offsets = new Uint32Array(length); // length is capped and known to fit in the file
    const scan = new VocabularyScan(length);
    const onString = (id: number, buf: Buffer, at: number, n: number) => scan.add(id, buf, at, n);
    const isCandidate = (n: number, firstByte: number) =>
      n <= this.wantedMaxBytes && this.wantedFirstBytes.has(firstByte);
    for (let id = 0; id < length; id++) {
      id += w.skipStringsInMemory(length - id, GGUF_LIMITS.stringBytes, offsets, id, isCandidate, onString);
      if (id === length) break;
      offsets[id] = w.pos;
      if (!w.has(8)) await w.load(8, what);
      const n = this.takeStringLength(GGUF_LIMITS.stringBytes, what, id);
      if (!w.has(n)) await w.load(n, what);
      w.visit(n, (buf, at) => scan.add(id, buf, at, n));
      if (n === 0 || n > this.wantedMaxBytes || !this.wantedFirstBytes.has(w.peek(0))) {
        w.advance(n, what);
        continue;
      }
      const text = w.readUtf8(n);
      if (this.wanted.has(text) && !this.foundTexts.has(text)) this.foundTexts.set(text, id);
    }
    this.tokenOffsets = offsets;
    this.scan = scan;
  }

  private alignment(): number {
    const entry = this.metadata.get('general.alignment');
    if (!entry) return GGUF_DEFAULT_ALIGNMENT;
    if (entry.type !== GgufValueType.UINT32) {
      throw new GgufCheckError('malformed', `general.alignment must be a UINT32, not ${valueTypeName(entry.type)}.`);
    }
    const value = entry.value as number;
    if (value === 0 || (value & (value - 1)) !== 0 || value > GGUF_LIMITS.maxAlignment) {
      throw new GgufCheckError(
        'malformed',
        `general.alignment is ${value}; it must be a power of two from ${GGUF_LIMITS.minAlignment} to ${GGUF_LIMITS.maxAlignment}.`,
      );
    }
    if (value < GGUF_LIMITS.minAlignment) {
      throw new GgufCheckError(
        'malformed',
        `general.alignment is ${value}, but llama.cpp needs tensor data aligned to at least ` +
          `${GGUF_LIMITS.minAlignment} bytes (it stops with an assertion on this file). Convert the model ` +
          `again or download another GGUF of it.`,
      );
    }
    return value;
  }

  private async vocabulary(): Promise<GgufVocabulary | null> {
    const offsets = this.tokenOffsets;
    if (!offsets) return null;
    const specialTokenTexts = new Map<number, string>();
    let keys = 0;
    for (const [key, value] of this.metadata) {
      if (!SPECIAL_TOKEN_KEY.test(key)) continue;
      if (++keys > MAX_SPECIAL_TOKEN_KEYS) break;
      const id = metadataInteger(value);
      if (id === undefined || id < 0 || id >= offsets.length || specialTokenTexts.has(id)) continue;
      const length = (await this.w.readAt(offsets[id]!, 8)).readBigUInt64LE(0);
      if (length > BigInt(MAX_SPECIAL_TOKEN_BYTES)) continue; // no real special token is this long
      specialTokenTexts.set(id, (await this.w.readAt(offsets[id]! + 8, Number(length))).toString('utf8'));
    }
    return { size: offsets.length, specialTokenTexts, foundTexts: this.foundTexts, facts: await this.confirmFacts() };
  }

  /** The scan's facts, with its hash matches confirmed (or not) by comparing the texts' bytes. */
  private async confirmFacts(): Promise<VocabularyFacts> {
    const scan = this.scan!;
    const offsets = this.tokenOffsets!;
    if (scan.overflowed) {
      throw new GgufCheckError(
        'malformed',
        `More than ${MAX_CANDIDATES} pairs of token texts in tokenizer.ggml.tokens have the same hash, ` +
          `which only a file built to defeat the duplicate check has.`,
      );
    }
    const text = async (id: number) => {
      const length = Number((await this.w.readAt(offsets[id]!, 8)).readBigUInt64LE(0));
      return this.w.readAt(offsets[id]! + 8, length);
    };
    for (const [first, second] of scan.candidates) {
      if ((await text(first)).equals(await text(second))) return { ...scan.facts, duplicate: [first, second] };
    }
    return scan.facts;
  }
}
