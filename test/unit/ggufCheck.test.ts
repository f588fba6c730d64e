// The GGUF pre-check on files that are well formed: the summary of the suite's test model, FIM
// detection by metadata and by token text, the model-level refusals, and the human-readable format.
// Broken files are in ggufMalformed.test.ts.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { buildTestModel } from '../fixtures/makeTestModel';
import { GgufValueType, arr, str, u32 } from '../fixtures/ggufWriter';
import {
  assembleGguf,
  minimalMetadata,
  minimalTensors,
  Q8_0,
  scratchDir,
  withMetadata,
} from '../helpers/malformedGguf';
import { formatGgufSummary, GgufCheckError, inspectGguf, type GgufSummary } from '../../src/core/gguf/ggufCheck';
import { formatParameterCount } from '../../src/core/gguf/ggufSummaryFormat';
import { formatBytes } from '../../src/core/util/format';

const scratch = scratchDir();
after(() => scratch.cleanup());

let fileNumber = 0;
const inspect = (content: Buffer, name = `model-${++fileNumber}.gguf`): Promise<GgufSummary> =>
  inspectGguf(scratch.write(name, content));

// The generator's vocabulary starts <unk>, <s>, </s>, <|endoftext|>, <|im_start|>, <|im_end|>,
// <|repo_name|>, <|file_sep|>, then (with FIM) <|fim_prefix|>, <|fim_suffix|>, <|fim_middle|>, <|fim_pad|>.
const N_EMBD = 512;
const N_FF = 64;

describe('the generated test model', () => {
  test('passes the check and is summarized as a llama model with its metadata FIM tokens', async () => {
    const buf = buildTestModel();
    const s = await inspect(buf);
    assert.equal(s.architecture, 'llama');
    assert.equal(s.name, 'Alembic Test Tiny');
    assert.equal(s.fileSizeBytes, buf.length);
    assert.equal(s.ggufVersion, 3);
    assert.equal(s.contextLength, 8192);
    assert.equal(s.blockCount, 1);
    assert.equal(s.embeddingLength, N_EMBD);
    assert.equal(s.quantization, 'F32');
    assert.equal(s.tokenizerModel, 'llama');
    assert.deepEqual(s.fim, {
      prefix: '<|fim_prefix|>',
      suffix: '<|fim_suffix|>',
      middle: '<|fim_middle|>',
      pad: '<|fim_pad|>',
      repoName: '<|repo_name|>',
      fileSeparator: '<|file_sep|>',
    });
    assert.deepEqual(s.fimTokenIds, { prefix: 8, suffix: 9, middle: 10, pad: 11, repoName: 6, fileSeparator: 7 });
    assert.equal(s.fimSource, 'metadata');
    assert.deepEqual(s.bosToken, { id: 1, text: '<s>' });
    assert.deepEqual(s.eosToken, { id: 3, text: '<|endoftext|>' });
    assert.deepEqual(s.eotToken, { id: 5, text: '<|im_end|>' });
    assert.equal(s.hasChatTemplate, true);
    assert.match(s.chatTemplate ?? '', /<\|im_start\|>/);
    assert.deepEqual(s.warnings, []);
  });

  test('reports as parameter count the sum of the element counts of its twelve tensors', async () => {
    const s = await inspect(buildTestModel());
    const V = s.vocabSize;
    // embedding and output [512 x V], three norms [512], q/k/v/o [512 x 512], gate/up/down [512 x 64]
    const expected = 2 * N_EMBD * V + 3 * N_EMBD + 4 * N_EMBD * N_EMBD + 3 * N_EMBD * N_FF;
    assert.equal(s.tensorCount, 12);
    assert.equal(s.parameterCount, expected);
    // All tensors are F32 and 128-byte multiples, so the data section is exactly 4 bytes a parameter.
    assert.ok(s.fileSizeBytes - 4 * expected > 0 && s.fileSizeBytes - 4 * expected < 64 * 1024);
  });

  test('without FIM tokens has fim null, no FIM ids and a warning saying inline completion is unavailable', async () => {
    const s = await inspect(buildTestModel({ fim: false }));
    assert.equal(s.fim, null);
    assert.equal(s.fimTokenIds, null);
    assert.equal(s.name, 'Alembic Test Tiny Chat-only');
    assert.ok(
      s.warnings.some((w) => /fill-in-the-middle/.test(w) && /inline/.test(w)),
      s.warnings.join('\n'),
    );
  });

  test('without a chat template reports none and warns about it', async () => {
    const s = await inspect(buildTestModel({ chatTemplate: false }));
    assert.equal(s.hasChatTemplate, false);
    assert.equal(s.chatTemplate, null);
    assert.ok(s.warnings.some((w) => /chat template/i.test(w)));
  });
});

describe('FIM detection', () => {
  const vocab = (...extra: string[]) => ['<unk>', '<s>', '</s>', ...extra, 'a', 'b'];

  test('finds StarCoder-style FIM tokens by their texts when the metadata names none', async () => {
    const tokens = vocab('<fim_prefix>', '<fim_middle>', '<fim_suffix>', '<fim_pad>', '<reponame>', '<file_sep>');
    const s = await inspect(assembleGguf({ metadata: minimalMetadata(tokens) }));
    assert.deepEqual(s.fim, {
      prefix: '<fim_prefix>',
      suffix: '<fim_suffix>',
      middle: '<fim_middle>',
      pad: '<fim_pad>',
      repoName: '<reponame>',
      fileSeparator: '<file_sep>',
    });
    assert.deepEqual(s.fimTokenIds, { prefix: 3, suffix: 5, middle: 4, pad: 6, repoName: 7, fileSeparator: 8 });
    assert.equal(s.fimSource, 'token-texts');
  });

  test("finds DeepSeek-Coder's full-width FIM tokens by their texts", async () => {
    const tokens = vocab('<｜fim▁hole｜>', '<｜fim▁begin｜>', '<｜fim▁end｜>');
    const s = await inspect(assembleGguf({ metadata: minimalMetadata(tokens) }));
    assert.deepEqual(s.fim, { prefix: '<｜fim▁begin｜>', suffix: '<｜fim▁hole｜>', middle: '<｜fim▁end｜>' });
    assert.deepEqual(s.fimTokenIds, { prefix: 4, suffix: 3, middle: 5 });
  });

  test('reads the older prefix/suffix/middle token id keys (CodeLlama)', async () => {
    const tokens = vocab('▁<PRE>', '▁<SUF>', '▁<MID>');
    const s = await inspect(
      assembleGguf({
        metadata: {
          ...minimalMetadata(tokens),
          'tokenizer.ggml.prefix_token_id': u32(3),
          'tokenizer.ggml.suffix_token_id': u32(4),
          'tokenizer.ggml.middle_token_id': u32(5),
        },
      }),
    );
    assert.deepEqual(s.fim, { prefix: '▁<PRE>', suffix: '▁<SUF>', middle: '▁<MID>' });
    assert.equal(s.fimSource, 'metadata');
  });

  test('ignores a FIM token id outside the vocabulary with a warning and falls back to the token texts', async () => {
    const tokens = vocab('<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>');
    const s = await inspect(
      assembleGguf({ metadata: { ...minimalMetadata(tokens), 'tokenizer.ggml.fim_pre_token_id': u32(99_999) } }),
    );
    assert.equal(s.fimTokenIds?.prefix, 3);
    assert.equal(s.fimSource, 'token-texts');
    assert.ok(
      s.warnings.some((w) => /fim_pre_token_id is 99999, outside the vocabulary \(8 tokens\)/.test(w)),
      s.warnings.join('\n'),
    );
  });

  test('reports only some FIM tokens found as no FIM, with a warning naming the ones present', async () => {
    const s = await inspect(assembleGguf({ metadata: minimalMetadata(vocab('<|fim_prefix|>', '<|fim_suffix|>')) }));
    assert.equal(s.fim, null);
    assert.ok(s.warnings.some((w) => /Only some fill-in-the-middle tokens were found \(prefix, suffix\)/.test(w)));
  });
});

describe('the summary of hand-built models', () => {
  test('the minimal model every malformed variant starts from passes the check', async () => {
    const s = await inspect(assembleGguf());
    assert.equal(s.architecture, 'llama');
    assert.equal(s.parameterCount, 32 * 5 + 32);
    assert.equal(s.quantization, 'F32');
    assert.equal(s.vocabSize, 5);
    assert.deepEqual(s.eosToken, { id: 2, text: '</s>' });
  });

  test('accepts GGUF version 2, which differs from 3 only in allowing big-endian files', async () => {
    const s = await inspect(assembleGguf({ version: 2 }));
    assert.equal(s.ggufVersion, 2);
  });

  test('never reports an EOS id outside the vocabulary, and warns about it', async () => {
    const s = await inspect(withMetadata({ 'tokenizer.ggml.eos_token_id': u32(5) }));
    assert.equal(s.eosToken, null);
    assert.ok(s.warnings.some((w) => /eos_token_id is 5, outside the vocabulary \(5 tokens\)/.test(w)));
  });

  test('reports the text of a special token that looks like ordinary text', async () => {
    // Tokens that cannot be FIM texts take the reader's fast path, which must still note where they are.
    const s = await inspect(withMetadata({ 'tokenizer.ggml.eos_token_id': u32(4) }));
    assert.deepEqual(s.eosToken, { id: 4, text: 'b' });
  });

  test('names the quantization from general.file_type', async () => {
    const s = await inspect(withMetadata({ 'general.file_type': u32(15) }));
    assert.equal(s.quantization, 'Q4_K_M');
  });

  test('without general.file_type names the tensor type holding most parameters', async () => {
    const [embedding, norm] = minimalTensors();
    // Q8_0: 5 rows of one 32-element block, 34 bytes each = 170 bytes, padded to 192.
    const s = await inspect(
      assembleGguf({
        tensors: [
          { ...embedding!, type: Q8_0 },
          { ...norm!, offset: 192 },
        ],
        dataBytes: 192 + 128,
      }),
    );
    assert.equal(s.quantization, 'Q8_0');
    assert.equal(s.parameterCount, 32 * 5 + 32);
  });

  test('falls back to the file name when general.name is missing', async () => {
    const { 'general.name': _dropped, ...metadata } = minimalMetadata();
    const s = await inspect(assembleGguf({ metadata }), 'qwen2.5-coder-1.5b-q8_0.gguf');
    assert.equal(s.name, 'qwen2.5-coder-1.5b-q8_0');
  });

  test('warns that the parameter count covers one file of a split model', async () => {
    const s = await inspect(withMetadata({ 'split.count': u32(3), 'split.no': u32(0) }));
    assert.ok(s.warnings.some((w) => /part 1 of a model split into 3 files/.test(w)));
  });

  test('cuts a chat template longer than 64 KiB characters and says so', async () => {
    const s = await inspect(withMetadata({ 'tokenizer.chat_template': str('x'.repeat(70_000)) }));
    assert.equal(s.chatTemplate?.length, 64 * 1024);
    assert.equal(s.chatTemplateTruncated, true);
  });
});

describe('files that are valid GGUF but not usable models', () => {
  const rejects = async (content: Buffer, message: RegExp) => {
    await assert.rejects(
      inspect(content),
      (e: unknown) => e instanceof GgufCheckError && e.code === 'not-a-model' && message.test(e.message),
    );
  };

  test('a file without general.architecture is refused', async () => {
    const { 'general.architecture': _dropped, ...metadata } = minimalMetadata();
    await rejects(assembleGguf({ metadata }), /no general\.architecture/);
  });

  test('a file without a vocabulary is refused', async () => {
    const { 'tokenizer.ggml.tokens': _dropped, ...metadata } = minimalMetadata();
    await rejects(assembleGguf({ metadata }), /no vocabulary/);
  });

  test('a vocabulary that is not an array of strings is refused', async () => {
    await rejects(
      withMetadata({ 'tokenizer.ggml.tokens': arr(GgufValueType.INT32, [1, 2, 3]) }),
      /not an array of strings/,
    );
  });

  test('a file without tensors is refused', async () => {
    await rejects(assembleGguf({ tensors: [], dataBytes: 0 }), /no tensors/);
  });
});

describe('formatting a summary', () => {
  test('writes parameter counts with three significant digits and a unit', () => {
    assert.equal(formatParameterCount(1_543_714_304), '1.54B');
    assert.equal(formatParameterCount(7_000_000_000), '7B');
    assert.equal(formatParameterCount(1_555_968), '1.56M');
    assert.equal(formatParameterCount(192), '192');
  });

  test('writes sizes in KB, MB and GB of 1024, the one way the code base writes them', () => {
    assert.equal(formatBytes(4_920_734_016), '4.6 GB');
    assert.equal(formatBytes(4 * 1024 ** 3), '4.0 GB');
    assert.equal(formatBytes(6_235_232), '5.9 MB');
    assert.equal(formatBytes(812), '812 B');
    assert.equal(formatBytes(150 * 1024), '150 KB');
    // Just under a unit moves up rather than reading "1024 KB".
    assert.equal(formatBytes(1024 ** 2 - 100), '1.0 MB');
  });

  test('lists the facts of the test model one per aligned line, with FIM tokens and ids', async () => {
    const text = formatGgufSummary(await inspect(buildTestModel()));
    const lines = text.split('\n');
    const valueColumn = lines[0]!.indexOf('Alembic Test Tiny');
    assert.ok(valueColumn > 0);
    for (const line of lines) assert.equal(line.slice(valueColumn - 2, valueColumn), '  ', `misaligned: ${line}`);
    assert.match(text, /^Architecture +llama$/m);
    assert.match(text, /^Parameters +1\.56M in 12 tensors$/m);
    assert.match(text, /^Context length +8,192 tokens$/m);
    assert.match(
      text,
      /^Fill-in-middle +yes: "<\|fim_prefix\|>" \(8\) "<\|fim_suffix\|>" \(9\) "<\|fim_middle\|>" \(10\)/m,
    );
    assert.match(text, /\(5\.\d MB, GGUF v3\)/); // 6.2 million bytes
    assert.doesNotMatch(text, /Warnings/);
  });

  test('ends with the warnings of a model that has some', async () => {
    const text = formatGgufSummary(await inspect(buildTestModel({ fim: false })));
    assert.match(text, /^Fill-in-middle +no$/m);
    assert.match(text, /\nWarnings\n {2}- No fill-in-the-middle/);
  });
});
