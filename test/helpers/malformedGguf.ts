// Builders of small GGUF files, valid or deliberately broken, for the pre-check tests. Everything
// starts from one minimal valid model (`assembleGguf()` with no arguments passes the check), so
// each broken variant differs from a good file in exactly the one thing a test names.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arr, ByteSink, GGUF_MAGIC, GgufValueType, str, u32, writeValue, type GgufValue } from '../fixtures/ggufWriter';

export const F32 = 0;
export const Q8_0 = 8;

export interface RawTensorInfo {
  name: string;
  /** ne[0] first. Written as given, even when wrong. */
  dims: (number | bigint)[];
  /** ggml type id. */
  type: number;
  /** From the start of the data section. */
  offset: number | bigint;
  /** n_dims as written; defaults to dims.length. */
  nDims?: number;
}

export interface RawGgufSpec {
  /** The first four bytes; defaults to "GGUF". */
  magic?: Buffer;
  version?: number;
  /** Header counts; they default to the truth and can be set to lie. */
  tensorCount?: bigint;
  entryCount?: bigint;
  metadata?: Record<string, GgufValue>;
  /** Hand-written metadata entries written after `metadata`, each counted in the header. */
  rawEntries?: ((sink: ByteSink) => void)[];
  tensors?: RawTensorInfo[];
  /** Padding before the data section; the data is zeros. */
  alignment?: number;
  dataBytes?: number;
}

export const MINIMAL_VOCAB = ['<unk>', '<s>', '</s>', 'a', 'b'];

export function minimalMetadata(tokens: string[] = MINIMAL_VOCAB): Record<string, GgufValue> {
  return {
    'general.architecture': str('llama'),
    'general.name': str('Minimal'),
    'llama.context_length': u32(2048),
    'llama.block_count': u32(1),
    'llama.embedding_length': u32(32),
    // A BPE tokenizer: a SentencePiece one would need all the byte tokens to pass the check.
    'tokenizer.ggml.model': str('gpt2'),
    'tokenizer.ggml.merges': arr(GgufValueType.STRING, ['a b']),
    'tokenizer.ggml.tokens': arr(GgufValueType.STRING, tokens),
    'tokenizer.ggml.bos_token_id': u32(1),
    'tokenizer.ggml.eos_token_id': u32(2),
    'tokenizer.chat_template': str('{{ messages }}'),
  };
}

/** A 32 x 5 embedding (640 bytes of F32) then a 32-wide norm (128 bytes): 192 parameters. */
export function minimalTensors(): RawTensorInfo[] {
  return [
    { name: 'token_embd.weight', dims: [32, 5], type: F32, offset: 0 },
    { name: 'output_norm.weight', dims: [32], type: F32, offset: 640 },
  ];
}

export const MINIMAL_DATA_BYTES = 640 + 128;

export function assembleGguf(spec: RawGgufSpec = {}): Buffer {
  const metadata = spec.metadata ?? minimalMetadata();
  const rawEntries = spec.rawEntries ?? [];
  const tensors = spec.tensors ?? minimalTensors();
  const sink = new ByteSink();
  if (spec.magic) sink.bytes(spec.magic);
  else sink.u32(GGUF_MAGIC);
  sink.u32(spec.version ?? 3);
  sink.u64(spec.tensorCount ?? BigInt(tensors.length));
  sink.u64(spec.entryCount ?? BigInt(Object.keys(metadata).length + rawEntries.length));
  for (const [key, value] of Object.entries(metadata)) {
    sink.string(key);
    writeValue(sink, value);
  }
  for (const write of rawEntries) write(sink);
  for (const t of tensors) {
    sink.string(t.name).u32(t.nDims ?? t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.u32(t.type).u64(t.offset);
  }
  sink.padTo(spec.alignment ?? 32);
  sink.bytes(Buffer.alloc(spec.dataBytes ?? MINIMAL_DATA_BYTES));
  return sink.toBuffer();
}

/** The minimal model with one tensor info replaced. */
export function withTensor(tensor: Partial<RawTensorInfo>, spec: RawGgufSpec = {}): Buffer {
  const [first, ...rest] = minimalTensors();
  return assembleGguf({ ...spec, tensors: [{ ...first!, ...tensor }, ...rest] });
}

/** The minimal model plus metadata entries (e.g. general.alignment). */
export function withMetadata(extra: Record<string, GgufValue>, spec: RawGgufSpec = {}): Buffer {
  return assembleGguf({ ...spec, metadata: { ...minimalMetadata(), ...extra } });
}

/** The minimal model with one hand-written entry appended to its metadata. */
export function withRawEntry(write: (sink: ByteSink) => void): Buffer {
  return assembleGguf({ rawEntries: [write] });
}

/** A metadata string value whose length field claims `length` bytes, with nothing after it. */
export function lyingStringLength(length: bigint): Buffer {
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC).u32(3).u64(0).u64(1);
  sink.string('general.name').u32(GgufValueType.STRING).u64(length);
  sink.bytes(Buffer.from('short'));
  return sink.toBuffer();
}

/** A metadata array whose length field claims `length` items of `itemType`. */
export function lyingArrayLength(length: bigint, itemType = GgufValueType.UINT8): Buffer {
  return withRawEntry((sink) => sink.string('general.tags').u32(GgufValueType.ARRAY).u32(itemType).u64(length));
}

/** A file whose only content is one metadata array of `count` empty strings (a worst case of
 * many tiny items), and no tensors. */
export function emptyStringArray(count: number): Buffer {
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC).u32(3).u64(0).u64(1);
  sink.string('tokenizer.ggml.merges').u32(GgufValueType.ARRAY).u32(GgufValueType.STRING).u64(count);
  sink.bytes(Buffer.alloc(count * 8)); // each string: a zero length
  return sink.toBuffer();
}

export const HTML_PAGE = Buffer.from(
  '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action="/login"></form></body></html>\n',
);

export const LFS_POINTER = Buffer.from(
  'version https://git-lfs.github.com/spec/v1\noid sha256:4d7f0d1a0a3c6f5f7e1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071\nsize 4920734016\n',
);

/** A scratch folder for one test file, removed by cleanup(). */
export function scratchDir(): { dir: string; write(name: string, content: Buffer | string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'alembic-gguf-'));
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
