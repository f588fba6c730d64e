// Variants of the suite's test model that attack the engine: a chat template that never finishes
// rendering, one that loops only for a long conversation, and a file that passes the GGUF
// pre-check but makes llama.cpp abort while loading. Each is the generated test model
// (test/fixtures/makeTestModel.ts) with its metadata rewritten: the tensors stay as they are, so
// llama.cpp loads the file exactly as it loads the test model, up to the one thing changed.
import { ByteSink, GgufValueType, str, writeValue, type GgufValue } from '../fixtures/ggufWriter';
import { buildTestModel } from '../fixtures/makeTestModel';
import { cacheFile } from './testModel';

const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** 10^12 iterations: never finishes in practice, whatever it is rendered with. */
const SPIN = '{% for a in range(1000000) %}{% for b in range(1000000) %}{% endfor %}{% endfor %}';

/** Loops on every render, so it loops the first time anything renders it (at load). */
export const LOOPING_TEMPLATE = SPIN + CHATML;

/**
 * Renders normally (so any check at load passes) and loops for a conversation of more than 8
 * messages. The trigger is the length because node-llama-cpp renders message contents as
 * placeholders; its own checks at load use conversations of at most 6 messages, Alembic's of 4.
 * Its "Chat:" line makes it a format of its own, so node-llama-cpp keeps rendering this template
 * for every chat request instead of replacing it with its built-in ChatML.
 */
export const TRIGGERED_LOOP_TEMPLATE = `{% if messages|length > 8 %}${SPIN}{% endif %}{{ 'Chat:\\n' }}${CHATML}`;

/** A conversation long enough to make TRIGGERED_LOOP_TEMPLATE loop (11 messages, ending with the user's). */
export const LONG_CONVERSATION = Array.from({ length: 11 }, (_, i) => ({
  role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
  content: `message ${i + 1}`,
}));

/** The test model with a different chat template, written to .cache/<name>. */
export function modelWithChatTemplate(name: string, template: string): string {
  return cacheFile(
    name,
    rewriteMetadata(buildTestModel(), (m) => m.set('tokenizer.chat_template', str(template))),
  );
}

/**
 * The test model with the vocabulary's first normal token renamed to the text of another token:
 * a duplicate token text, which llama.cpp's vocabulary loader asserts against (GGML_ASSERT, an
 * abort of the whole process) after the file has passed a header-only check.
 */
export function duplicateTokenModel(name: string): string {
  return cacheFile(
    name,
    rewriteMetadata(buildTestModel(), (m) => {
      const tokens = m.get('tokenizer.ggml.tokens');
      if (!tokens || tokens.type !== GgufValueType.ARRAY) throw new Error('the test model has no token list');
      const items = [...tokens.items];
      const space = items.indexOf('\u2581');
      items[space + 1] = items[space + 2]!; // "!" becomes a second '"'
      m.set('tokenizer.ggml.tokens', { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, items });
    }),
  );
}

/**
 * Rewrites the metadata of a GGUF file produced by the suite's writer (trusted input: the parser
 * handles what the writer writes). Tensor infos and data are copied byte for byte; only the data
 * section's start moves, and tensor offsets are relative to it.
 */
export function rewriteMetadata(file: Buffer, edit: (metadata: Map<string, GgufValue>) => void): Buffer {
  const reader = new Reader(file);
  const magic = reader.u32();
  const version = reader.u32();
  const tensorCount = reader.u64();
  const entryCount = reader.u64();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < entryCount; i++) metadata.set(reader.string(), reader.value());
  const infosStart = reader.offset;
  for (let i = 0; i < tensorCount; i++) {
    reader.string();
    const dims = reader.u32();
    reader.offset += dims * 8 + 4 + 8;
  }
  const infos = file.subarray(infosStart, reader.offset);
  const alignment = 32;
  const dataStart = Math.ceil(reader.offset / alignment) * alignment;

  edit(metadata);
  const sink = new ByteSink();
  sink.u32(magic).u32(version).u64(tensorCount).u64(metadata.size);
  for (const [key, value] of metadata) {
    sink.string(key);
    writeValue(sink, value);
  }
  sink.bytes(infos).padTo(alignment).bytes(file.subarray(dataStart));
  return sink.toBuffer();
}

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  u32(): number {
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): number {
    const v = Number(this.buf.readBigUInt64LE(this.offset));
    this.offset += 8;
    return v;
  }

  string(): string {
    const length = this.u64();
    const s = this.buf.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }

  value(): GgufValue {
    const type = this.u32() as GgufValueType;
    if (type !== GgufValueType.ARRAY) return { type, value: this.scalar(type) } as GgufValue;
    const itemType = this.u32() as GgufValueType;
    const count = this.u64();
    const items: (string | number | bigint | boolean)[] = [];
    for (let i = 0; i < count; i++) items.push(this.scalar(itemType));
    return { type: GgufValueType.ARRAY, itemType, items };
  }

  private scalar(type: GgufValueType): string | number | bigint | boolean {
    const b = this.buf;
    const at = this.offset;
    const take = <T>(bytes: number, v: T): T => {
      this.offset += bytes;
      return v;
    };
    switch (type) {
      case GgufValueType.UINT8:
        return take(1, b.readUInt8(at));
      case GgufValueType.INT8:
        return take(1, b.readInt8(at));
      case GgufValueType.UINT16:
        return take(2, b.readUInt16LE(at));
      case GgufValueType.INT16:
        return take(2, b.readInt16LE(at));
      case GgufValueType.UINT32:
        return take(4, b.readUInt32LE(at));
      case GgufValueType.INT32:
        return take(4, b.readInt32LE(at));
      case GgufValueType.FLOAT32:
        return take(4, b.readFloatLE(at));
      case GgufValueType.BOOL:
        return take(1, b.readUInt8(at) !== 0);
      case GgufValueType.UINT64:
        return take(8, b.readBigUInt64LE(at));
      case GgufValueType.INT64:
        return take(8, b.readBigInt64LE(at));
      case GgufValueType.FLOAT64:
        return take(8, b.readDoubleLE(at));
      case GgufValueType.STRING:
        return this.string();
      default:
        throw new Error(`unexpected GGUF value type ${type}`);
    }
  }
}
