// The memory estimate made from a GGUF header before a model loads, and the remedy when it cannot
// fit. Figures are checked against llama.cpp's own load log for real models (KV cache sizes are
// exact there: f16 keys and values, one cell per token).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  checkMemoryFit,
  computeBufferBytes,
  kvCacheBytes,
  largestFittingContext,
  memoryNeed,
  modelShapeFromHeader,
  withMemoryRemedy,
  type ModelShape,
} from '../../src/core/engine/memoryEstimate';
import { readGgufHeader } from '../../src/core/gguf/ggufReader';
import { buildTestModel } from '../fixtures/makeTestModel';
import { scratchDir } from '../helpers/malformedGguf';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Qwen2.5-Coder-1.5B at Q8_0 as its header describes it (28 layers, 2 KV heads of 128). */
const QWEN_1_5B_Q8: ModelShape = {
  name: 'Qwen2.5 Coder 1.5B',
  architecture: 'qwen2',
  weightBytes: 1.65e9,
  parameterCount: 1.54e9,
  blockCount: 28,
  headCount: 12,
  headCountKv: 2,
  keyLength: 128,
  valueLength: 128,
  feedForwardLength: 8960,
  embeddingLength: 1536,
  vocabSize: 151_936,
};

const scratch = scratchDir();
after(() => scratch.cleanup());

describe('memory estimate', () => {
  test('the KV cache is layers × KV heads × (key + value length) × context × 2 bytes, as llama.cpp allocates it', () => {
    // llama.cpp's log for this model at 4096 tokens: "KV self size = 112.00 MiB".
    assert.equal(kvCacheBytes(QWEN_1_5B_Q8, 4096), 112 * MiB);
    assert.equal(kvCacheBytes(QWEN_1_5B_Q8, 16384), 448 * MiB);
  });

  test('a recurrent model has no per-token KV cache', () => {
    assert.equal(kvCacheBytes({ ...QWEN_1_5B_Q8, architecture: 'mamba' }, 4096), 0);
  });

  test("the shape is read from the header: the test model's weights, layers and heads", async () => {
    const path = scratch.write('shape.gguf', buildTestModel());
    const shape = modelShapeFromHeader(await readGgufHeader(path), 'Test');
    assert.equal(shape.architecture, 'llama');
    assert.equal(shape.blockCount, 1);
    assert.equal(shape.headCountKv, 8);
    assert.equal(shape.keyLength, 64);
    // f32 weights: 4 bytes per parameter.
    assert.equal(shape.weightBytes, shape.parameterCount * 4);
    assert.equal(kvCacheBytes(shape, 2048), 1 * 8 * 128 * 2048 * 2);
    // llama.cpp's log for this model: "CPU compute buffer size = 8.01 MiB" at 2048, 14.01 MiB at 8192.
    assert.ok(Math.abs(computeBufferBytes(shape, 2048) - 8.01 * MiB) < MiB, `${computeBufferBytes(shape, 2048) / MiB}`);
    assert.ok(
      Math.abs(computeBufferBytes(shape, 8192) - 14.01 * MiB) < MiB,
      `${computeBufferBytes(shape, 8192) / MiB}`,
    );
  });

  test('the need adds weights, a KV cache and compute buffers per context', () => {
    const need = memoryNeed(QWEN_1_5B_Q8, [
      { role: 'completion', contextSize: 4096, automatic: false },
      { role: 'chat', contextSize: 16384, automatic: false },
    ]);
    assert.equal(need.kvBytes, 112 * MiB + 448 * MiB);
    assert.equal(need.totalBytes, need.weightBytes + need.kvBytes + need.computeBytes);
    // The compute buffers are hundreds of MB for a 152k vocabulary: the logits of a 512-token batch.
    assert.ok(need.computeBytes > 500 * MiB && need.computeBytes < 1 * GiB, `${need.computeBytes}`);
  });
});

describe('a model that cannot fit', () => {
  const contexts = [
    { role: 'completion', contextSize: 4096, automatic: false },
    { role: 'chat', contextSize: 131072, automatic: false },
  ];

  test('fits when RAM holds it, and is refused with the figures when it does not', () => {
    assert.equal(checkMemoryFit(QWEN_1_5B_Q8, contexts, { ramBytes: 64 * GiB, vramBytes: 0, onGpu: false }).fits, true);
    const verdict = checkMemoryFit(QWEN_1_5B_Q8, contexts, { ramBytes: 4 * GiB, vramBytes: 0, onGpu: false });
    assert.equal(verdict.fits, false);
    if (verdict.fits) return;
    assert.match(verdict.message, /Qwen2\.5 Coder 1\.5B needs about [\d.]+ GB/);
    assert.match(verdict.message, /4096 \+ 131072 tokens of context/);
    assert.match(verdict.message, /about 4\.0 GB of RAM is available/);
  });

  test('the remedy names the context size that would fit, the setting and the flag', () => {
    const verdict = checkMemoryFit(QWEN_1_5B_Q8, contexts, { ramBytes: 4 * GiB, vramBytes: 0, onGpu: false });
    assert.equal(verdict.fits, false);
    if (verdict.fits) return;
    const fitting = largestFittingContext(QWEN_1_5B_Q8, contexts, 4 * GiB)!;
    assert.ok(fitting >= 4096 && fitting < 131072, `${fitting}`);
    assert.ok(
      memoryNeed(
        QWEN_1_5B_Q8,
        contexts.map((c) => ({ ...c, contextSize: Math.min(c.contextSize, fitting) })),
      ).totalBytes <=
        4 * GiB,
    );
    assert.ok(verdict.message.includes(`lower the context size to ${fitting} tokens or less`));
    assert.match(verdict.message, /alembic\.engine\.contextSize/);
    assert.match(verdict.message, /--context-size/);
  });

  test('the remedy offers a Q4_K_M file with its size for a larger quantization, and the GPU on a CPU machine', () => {
    const verdict = checkMemoryFit(QWEN_1_5B_Q8, contexts, { ramBytes: 1 * GiB, vramBytes: 0, onGpu: false });
    assert.equal(verdict.fits, false);
    if (verdict.fits) return;
    assert.doesNotMatch(verdict.message, /lower the context size/, 'even 512 tokens do not fit in 1 GB');
    assert.match(verdict.message, /a Q4_K_M file of it is about 8\d\d MB/);
    assert.match(verdict.message, /run it on a GPU/);
  });

  test('with a GPU, RAM and GPU memory count together and the GPU is not suggested again', () => {
    const budget = { ramBytes: 1 * GiB, vramBytes: 2 * GiB, onGpu: true };
    const small = [{ role: 'completion', contextSize: 4096, automatic: false }];
    assert.equal(checkMemoryFit(QWEN_1_5B_Q8, small, budget).fits, true);
    const verdict = checkMemoryFit(QWEN_1_5B_Q8, contexts, budget);
    assert.equal(verdict.fits, false);
    if (!verdict.fits) assert.doesNotMatch(verdict.message, /run it on a GPU/);
  });

  test("node-llama-cpp's bare 'too large for the available RAM' gets the remedy", () => {
    const message = withMemoryRemedy(
      'A context size of 131072 is too large for the available RAM',
      QWEN_1_5B_Q8,
      false,
    );
    assert.match(
      message,
      /^A context size of 131072 is too large for the available RAM\. To make it fit: lower the context size/,
    );
    assert.match(message, /Q4_K_M/);
  });
});
