// A GGUF file opened for editing in tests: every metadata entry (arrays included), every tensor info
// and the data section, parsed into plain values that a test (or the fuzzer) changes before writing
// the file back. Strings are kept as bytes, so a test can write invalid UTF-8 as easily as a
// converter with a bug would. Meant for the suite's own small models: it parses the whole file.
import { ByteSink, GGUF_MAGIC, GgufValueType } from '../fixtures/ggufWriter';
import { fixedValueSize, ggmlTypeInfo } from '../../src/core/gguf/ggufTypes';

export type EditScalar = number | bigint | boolean | Buffer;

export type EditValue =
  | { type: Exclude<GgufValueType, GgufValueType.ARRAY>; value: EditScalar }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType; items: EditScalar[] };

export interface EditTensor {
  name: string;
  dims: bigint[];
  type: number;
  /** From the start of the data section. */
  offset: bigint;
}

export interface EditableGguf {
  version: number;
  metadata: Map<string, EditValue>;
  tensors: EditTensor[];
  /** The data section as it was in the file (tensor offsets point into it). */
  data: Buffer;
  /** Bytes of padding to add before the data section beyond the alignment (to misalign it on purpose). */
  extraPadding?: number;
}

class Cursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return Buffer.from(v);
  }
  string(): Buffer {
    return this.bytes(Number(this.u64()));
  }
  scalar(type: GgufValueType): EditScalar {
    const b = this.buf;
    const at = this.pos;
    if (type === GgufValueType.STRING) return this.string();
    this.pos += fixedValueSize(type)!;
    switch (type) {
      case GgufValueType.UINT8:
        return b.readUInt8(at);
      case GgufValueType.INT8:
        return b.readInt8(at);
      case GgufValueType.UINT16:
        return b.readUInt16LE(at);
      case GgufValueType.INT16:
        return b.readInt16LE(at);
      case GgufValueType.UINT32:
        return b.readUInt32LE(at);
      case GgufValueType.INT32:
        return b.readInt32LE(at);
      case GgufValueType.FLOAT32:
        return b.readFloatLE(at);
      case GgufValueType.BOOL:
        return b.readUInt8(at) !== 0;
      case GgufValueType.UINT64:
        return b.readBigUInt64LE(at);
      case GgufValueType.INT64:
        return b.readBigInt64LE(at);
      case GgufValueType.FLOAT64:
        return b.readDoubleLE(at);
      default:
        throw new Error(`cannot read a scalar of type ${type}`);
    }
  }
}

/** Parses a valid GGUF file (throws on anything unexpected: this is for files the suite generated). */
export function parseGguf(file: Buffer): EditableGguf {
  const c = new Cursor(file);
  if (c.u32() !== GGUF_MAGIC) throw new Error('not a GGUF file');
  const version = c.u32();
  const tensorCount = Number(c.u64());
  const entryCount = Number(c.u64());
  const metadata = new Map<string, EditValue>();
  for (let i = 0; i < entryCount; i++) {
    const key = c.string().toString('utf8');
    const type = c.u32() as GgufValueType;
    if (type === GgufValueType.ARRAY) {
      const itemType = c.u32() as GgufValueType;
      const n = Number(c.u64());
      const items: EditScalar[] = [];
      for (let j = 0; j < n; j++) items.push(c.scalar(itemType));
      metadata.set(key, { type, itemType, items });
    } else {
      metadata.set(key, { type, value: c.scalar(type) });
    }
  }
  const tensors: EditTensor[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string().toString('utf8');
    const nDims = c.u32();
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.u64());
    tensors.push({ name, dims, type: c.u32(), offset: c.u64() });
  }
  const alignment = alignmentOf(metadata);
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  return { version, metadata, tensors, data: Buffer.from(file.subarray(dataStart)) };
}

/** The alignment llama.cpp will use for this metadata (32 unless a valid general.alignment says otherwise). */
export function alignmentOf(metadata: Map<string, EditValue>): number {
  const entry = metadata.get('general.alignment');
  if (!entry || entry.type !== GgufValueType.UINT32) return 32;
  const value = Number(entry.value);
  return value > 0 && (value & (value - 1)) === 0 ? value : 32;
}

function writeScalar(sink: ByteSink, type: GgufValueType, v: EditScalar): void {
  if (type === GgufValueType.STRING) {
    const bytes = Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8');
    sink.u64(bytes.length).bytes(bytes);
    return;
  }
  const b = Buffer.alloc(fixedValueSize(type)!);
  switch (type) {
    case GgufValueType.UINT8:
      b.writeUInt8(Number(v) & 0xff);
      break;
    case GgufValueType.INT8:
      b.writeInt8(((Number(v) + 128) & 0xff) - 128);
      break;
    case GgufValueType.UINT16:
      b.writeUInt16LE(Number(v) & 0xffff);
      break;
    case GgufValueType.INT16:
      b.writeInt16LE(((Number(v) + 32768) & 0xffff) - 32768);
      break;
    case GgufValueType.UINT32:
      b.writeUInt32LE(Number(v) >>> 0);
      break;
    case GgufValueType.INT32:
      b.writeInt32LE(Number(v) | 0);
      break;
    case GgufValueType.FLOAT32:
      b.writeFloatLE(Number(v));
      break;
    case GgufValueType.BOOL:
      b.writeUInt8(v ? 1 : 0);
      break;
    case GgufValueType.UINT64:
      b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v as bigint | number)));
      break;
    case GgufValueType.INT64:
      b.writeBigInt64LE(BigInt.asIntN(64, BigInt(v as bigint | number)));
      break;
    case GgufValueType.FLOAT64:
      b.writeDoubleLE(Number(v));
      break;
    default:
      throw new Error(`cannot write a scalar of type ${type}`);
  }
  sink.bytes(b);
}

/** Serializes the edited file; the data section starts at the alignment llama.cpp will compute. */
export function serializeGguf(g: EditableGguf): Buffer {
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC).u32(g.version).u64(g.tensors.length).u64(g.metadata.size);
  for (const [key, value] of g.metadata) {
    sink.string(key).u32(value.type);
    if (value.type === GgufValueType.ARRAY) {
      sink.u32(value.itemType).u64(value.items.length);
      for (const item of value.items) writeScalar(sink, value.itemType, item);
    } else {
      writeScalar(sink, value.type, value.value);
    }
  }
  for (const t of g.tensors) {
    sink.string(t.name).u32(t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(t.type).u64(t.offset);
  }
  sink.padTo(alignmentOf(g.metadata));
  if (g.extraPadding) sink.bytes(Buffer.alloc(g.extraPadding));
  sink.bytes(g.data);
  return sink.toBuffer();
}

/** A deep copy, so that one parsed model can seed many mutants. */
export function cloneGguf(g: EditableGguf): EditableGguf {
  const metadata = new Map<string, EditValue>();
  for (const [key, value] of g.metadata) {
    metadata.set(key, value.type === GgufValueType.ARRAY ? { ...value, items: [...value.items] } : { ...value });
  }
  return {
    version: g.version,
    metadata,
    tensors: g.tensors.map((t) => ({ ...t, dims: [...t.dims] })),
    data: g.data,
    extraPadding: g.extraPadding,
  };
}

/** A tensor's byte size from its shape and ggml type, or undefined for an unknown type. */
export function tensorByteSize(t: EditTensor): bigint | undefined {
  const info = ggmlTypeInfo(t.type);
  if (!info) return undefined;
  return (t.dims.reduce((a, b) => a * b, 1n) / BigInt(info.blockSize)) * BigInt(info.typeSize);
}

/** Lays the tensors out again one after another, as llama.cpp expects (each at the previous one's
 * end, padded to the alignment), after a change of shape or type. Each tensor keeps the leading
 * bytes of its old data; what it gains is zeros. With `data: false` only the offsets change and
 * the data section is left empty (for sparse files). Returns the data section's size. */
export function relayout(g: EditableGguf, options: { data?: boolean } = {}): number {
  const withData = options.data ?? true;
  const alignment = BigInt(alignmentOf(g.metadata));
  const parts: Buffer[] = [];
  let offset = 0n;
  for (const t of g.tensors) {
    const size = tensorByteSize(t) ?? 0n;
    const padded = ((size + alignment - 1n) / alignment) * alignment;
    if (withData) {
      const part = Buffer.alloc(Number(padded));
      g.data.subarray(Number(t.offset), Number(t.offset) + Number(size)).copy(part);
      parts.push(part);
    }
    t.offset = offset;
    offset += padded;
  }
  g.data = Buffer.concat(parts);
  return Number(offset);
}
