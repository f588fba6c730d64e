// The model-level pre-check: files that are well-formed GGUF but that llama.cpp aborts on while
// loading them (each case below crashed node-llama-cpp 3.21.1's llama.cpp when it was loaded
// directly). Every one starts from the generated test model and changes one thing, so a refusal
// is for that thing; the unchanged model must pass.
import assert from 'node:assert/strict';
import { closeSync, openSync, ftruncateSync, writeSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { GgufValueType } from '../fixtures/ggufWriter';
import { buildTestModel } from '../fixtures/makeTestModel';
import {
  cloneGguf,
  parseGguf,
  relayout,
  serializeGguf,
  type EditableGguf,
  type EditValue,
} from '../helpers/ggufEditor';
import { scratchDir } from '../helpers/malformedGguf';
import { GgufCheckError, inspectGguf, type GgufCheckErrorCode } from '../../src/core/gguf/ggufCheck';

const scratch = scratchDir();
after(() => scratch.cleanup());
const base = parseGguf(buildTestModel());
let fileNumber = 0;

const u32 = (value: number): EditValue => ({ type: GgufValueType.UINT32, value });
const f32 = (value: number): EditValue => ({ type: GgufValueType.FLOAT32, value });
const str = (value: string): EditValue => ({ type: GgufValueType.STRING, value: Buffer.from(value) });
const tokens = (g: EditableGguf) => (g.metadata.get('tokenizer.ggml.tokens') as { items: Buffer[] }).items;
/** Token ids in the test model: byte tokens follow the 12 special tokens. */
const byteTokenId = (byte: number) => 12 + byte;

function variant(change: (g: EditableGguf) => void): string {
  const g = cloneGguf(base);
  change(g);
  return scratch.write(`model-${++fileNumber}.gguf`, serializeGguf(g));
}

async function expectRefused(change: (g: EditableGguf) => void, code: GgufCheckErrorCode, message: RegExp) {
  await assert.rejects(inspectGguf(variant(change)), (error: unknown) => {
    assert.ok(error instanceof GgufCheckError, `expected a GgufCheckError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

test('the unchanged test model passes the model-level checks', async () => {
  const s = await inspectGguf(variant(() => undefined));
  assert.equal(s.tokenizerModel, 'llama');
});

describe('alignment', () => {
  for (const alignment of [1, 2, 4, 8, 16]) {
    test(`general.alignment ${alignment} is refused: llama.cpp asserts 32-byte tensor data`, () =>
      expectRefused(
        (g) => {
          g.metadata.set('general.alignment', u32(alignment));
          relayout(g);
        },
        'malformed',
        new RegExp(`alignment is ${alignment}, but llama\\.cpp needs tensor data aligned to at least 32 bytes`),
      ));
  }

  test('general.alignment 64 is accepted', async () => {
    const path = variant((g) => {
      g.metadata.set('general.alignment', u32(64));
      relayout(g);
    });
    assert.equal((await inspectGguf(path)).architecture, 'llama');
  });
});

describe('the vocabulary', () => {
  test('two tokens with the same text are refused', () =>
    expectRefused(
      (g) => (tokens(g)[301] = Buffer.from(tokens(g)[300]!)),
      'malformed',
      /Tokens 300 and 301 .*same text/,
    ));
  test('an empty token text is refused', () =>
    expectRefused((g) => (tokens(g)[300] = Buffer.alloc(0)), 'malformed', /Token 300 .*empty text/));
  test('a token text that is not UTF-8 is refused', () =>
    expectRefused((g) => (tokens(g)[300] = Buffer.from([0xe6, 0xff])), 'malformed', /Token 300 .*not valid UTF-8/));
  test('a SentencePiece vocabulary without the byte token for 0xE6 is refused', () =>
    expectRefused(
      (g) => (tokens(g)[byteTokenId(0xe6)] = Buffer.from('<0xE6>x')),
      'malformed',
      /no token for the byte 0xE6 \(neither "<0xE6>" nor the byte itself\)/,
    ));
  test('a missing byte token is fine when a one-character token stands for it', async () => {
    // "A" is also in the vocabulary as a character, which is what llama.cpp falls back to.
    const path = variant((g) => (tokens(g)[byteTokenId(0x41)] = Buffer.from('<0x41>x')));
    assert.equal((await inspectGguf(path)).tokenizerModel, 'llama');
  });
  test('an unknown tokenizer.ggml.model is refused with the known ones named', () =>
    expectRefused(
      (g) => g.metadata.set('tokenizer.ggml.model', str('sentencepiece-v9')),
      'not-a-model',
      /"sentencepiece-v9", is not one llama\.cpp knows \(supported: llama, gpt2/,
    ));
  test('a vocabulary-less tokenizer ("none") is refused', () =>
    expectRefused((g) => g.metadata.set('tokenizer.ggml.model', str('none')), 'not-a-model', /no text vocabulary/));
  test('an embedding model tokenizer ("bert") is refused', () =>
    expectRefused((g) => g.metadata.set('tokenizer.ggml.model', str('bert')), 'not-a-model', /WordPiece/));
  test('a BPE tokenizer without merges is refused', () =>
    expectRefused(
      (g) => g.metadata.set('tokenizer.ggml.model', str('gpt2')),
      'malformed',
      /needs its merges \(tokenizer\.ggml\.merges/,
    ));
  test('a missing tokenizer.ggml.model is refused', () =>
    expectRefused((g) => g.metadata.delete('tokenizer.ggml.model'), 'not-a-model', /no tokenizer\.ggml\.model/));
});

describe('hyperparameters', () => {
  const set = (key: string, value: EditValue) => (g: EditableGguf) => g.metadata.set(key, value);
  const cases: [string, (g: EditableGguf) => void, RegExp][] = [
    [
      'head_count 0',
      set('llama.attention.head_count', u32(0)),
      /Layer 0 has attention weights but .*head_count gives it 0 heads/,
    ],
    ['head_count_kv 0', set('llama.attention.head_count_kv', u32(0)), /gives layer 0 0 key\/value heads/],
    [
      'head_count_kv 3 with 8 heads',
      set('llama.attention.head_count_kv', u32(3)),
      /3 key\/value heads, which must .*divide its 8/,
    ],
    [
      'a value_length that overflows 32 bits with the heads',
      set('llama.attention.value_length', u32(2 ** 31)),
      /value_length is 2147483648 per head .* from 1 to 2147483647/,
    ],
    ['key_length 0', set('llama.attention.key_length', u32(0)), /key_length is 0 per head/],
    ['embedding_length 0', set('llama.embedding_length', u32(0)), /embedding_length is 0; it must be from 1/],
    ['block_count 0', set('llama.block_count', u32(0)), /block_count is 0; llama\.cpp accepts 1 to 512/],
    ['block_count 600', set('llama.block_count', u32(600)), /block_count is 600/],
    ['block_count 2 with one layer of tensors', set('llama.block_count', u32(2)), /no tensors for layer 1/],
    ['feed_forward_length 0', set('llama.feed_forward_length', u32(0)), /feed-forward weights but .* a width of 0/],
    ['no feed_forward_length', (g) => g.metadata.delete('llama.feed_forward_length'), /a width of 0/],
    [
      'expert_count without expert tensors',
      set('llama.expert_count', u32(4)),
      /expert_count is 4, but the file has no expert weights/,
    ],
    ['expert_used_count without experts', set('llama.expert_used_count', u32(2)), /expert_count is 0 \(no experts\)/],
    [
      'an unknown rope scaling type',
      set('llama.rope.scaling.type', str('bogus')),
      /rope\.scaling\.type is "bogus"; llama\.cpp knows none, linear, yarn, longrope/,
    ],
    ['a NaN RMS epsilon', set('llama.attention.layer_norm_rms_epsilon', f32(NaN)), /epsilon is NaN/],
    ['a zero RMS epsilon', set('llama.attention.layer_norm_rms_epsilon', f32(0)), /epsilon is 0/],
    ['a negative RMS epsilon', set('llama.attention.layer_norm_rms_epsilon', f32(-1)), /epsilon is -1/],
    [
      'a per-layer head count array of the wrong length',
      set('llama.attention.head_count', { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT32, items: [8, 8] }),
      /head_count has 2 values, but the model has 1 layers/,
    ],
    [
      'a per-layer head count array with 0 heads in a layer with attention',
      set('llama.attention.head_count', { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT32, items: [0] }),
      /gives it 0 heads/,
    ],
  ];
  for (const [what, change, message] of cases)
    test(`${what} is refused`, () => expectRefused(change, 'malformed', message));
});

test('an architecture llama.cpp does not know is left to llama.cpp, which refuses it with its own reason', async () => {
  // Its hyperparameters sit under frobnicator.*, which the model's llama.* keys are not: the
  // architecture rules would have refused it for a missing block_count instead.
  const s = await inspectGguf(variant((g) => g.metadata.set('general.architecture', str('frobnicator'))));
  assert.equal(s.architecture, 'frobnicator');
});

describe('tensor types', () => {
  const retype = (name: string, type: number) => (g: EditableGguf) => {
    g.tensors.find((t) => t.name === name)!.type = type;
    relayout(g);
  };
  for (const [type, name] of [
    [26, 'I32'],
    [15, 'Q8_K'],
    [9, 'Q8_1'],
    [24, 'I8'],
  ] as const) {
    test(`a weight of type ${name} is refused`, () =>
      expectRefused(
        retype('blk.0.attn_q.weight', type),
        'malformed',
        new RegExp(`"blk\\.0\\.attn_q\\.weight" has the type ${name}, which llama\\.cpp cannot use for model weights`),
      ));
  }
  test('a norm stored in F16 is refused', () =>
    expectRefused(
      retype('output_norm.weight', 1),
      'malformed',
      /"output_norm\.weight" \(a norm or bias\) has the type F16/,
    ));
  test('a weight quantized to Q4_K is accepted', async () => {
    assert.equal((await inspectGguf(variant(retype('blk.0.attn_q.weight', 12)))).architecture, 'llama');
  });
  test('a tensor that does not start where the previous one ends is refused, as llama.cpp does', () =>
    expectRefused(
      (g) => (g.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!.type = 1),
      'malformed',
      /"blk\.0\.attn_k\.weight" starts at data offset \d+, but llama\.cpp expects the tensors one after another/,
    ));
});

describe('bounded work', () => {
  test('a 10 GB model is checked from its header alone', { timeout: 10_000 }, async () => {
    // A sparse file: the test model's header and tensor infos, then 10 GB of hole where the
    // weights would be. Reading the weights would take minutes; the check reads only the header.
    const g = cloneGguf(base);
    const embedding = g.tensors.find((t) => t.name === 'token_embd.weight')!;
    embedding.dims = [embedding.dims[0]!, 5_000_000n]; // 512 x 5M F32 = 10.24 GB
    const dataBytes = relayout(g, { data: false });
    const header = serializeGguf(g);
    const size = header.length + dataBytes;
    const path = scratch.write('ten-gigabytes.gguf', Buffer.alloc(0));
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, header, 0, header.length, 0);
      ftruncateSync(fd, size);
    } finally {
      closeSync(fd);
    }
    const s = await inspectGguf(path);
    assert.ok(s.fileSizeBytes > 10e9, `${s.fileSizeBytes} bytes`);
  });
});
