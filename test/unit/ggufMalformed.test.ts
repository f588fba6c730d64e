// The GGUF pre-check on broken and hostile files. Each case must be refused with a GgufCheckError
// whose code and message name the problem, in well under a second: these are the files that would
// otherwise reach llama.cpp, which abort()s (or worse) on them.
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildTestModel } from '../fixtures/makeTestModel';
import { GgufValueType, u32, u64 } from '../fixtures/ggufWriter';
import {
  assembleGguf,
  emptyStringArray,
  F32,
  HTML_PAGE,
  LFS_POINTER,
  lyingArrayLength,
  lyingStringLength,
  minimalTensors,
  scratchDir,
  withMetadata,
  withRawEntry,
  withTensor,
} from '../helpers/malformedGguf';
import { GgufCheckError, inspectGguf, type GgufCheckErrorCode } from '../../src/core/gguf/ggufCheck';

const scratch = scratchDir();
after(() => scratch.cleanup());
let fileNumber = 0;

async function expectRefusedPath(path: string, code: GgufCheckErrorCode, message: RegExp): Promise<void> {
  const started = performance.now();
  await assert.rejects(inspectGguf(path), (error: unknown) => {
    assert.ok(error instanceof GgufCheckError, `expected a GgufCheckError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 1000, `the check took ${elapsed.toFixed(0)} ms`);
}

const expectRefused = (content: Buffer | string, code: GgufCheckErrorCode, message: RegExp) =>
  expectRefusedPath(scratch.write(`bad-${++fileNumber}.gguf`, content), code, message);

const testModel = buildTestModel();

describe('files that are not GGUF models', () => {
  test('an empty file is refused as empty', () => expectRefused(Buffer.alloc(0), 'not-gguf', /empty/));
  test('an HTML page is recognized as a saved web page', () => expectRefused(HTML_PAGE, 'not-gguf', /HTML page/));
  test('a Git LFS pointer is recognized and the fix is named', () =>
    expectRefused(LFS_POINTER, 'not-gguf', /Git LFS pointer.*git lfs pull/));
  test('a wrong signature is refused as not GGUF', () =>
    expectRefused(
      Buffer.concat([Buffer.from('GGUX'), testModel.subarray(4, 4096)]),
      'not-gguf',
      /does not start with the "GGUF" signature/,
    ));
  test('a folder is refused as not a file', () => {
    const dir = join(scratch.dir, 'a-folder.gguf');
    mkdirSync(dir);
    return expectRefusedPath(dir, 'not-a-file', /is a folder/);
  });
  test('a missing file is reported as not found', () =>
    expectRefusedPath(join(scratch.dir, 'nowhere.gguf'), 'not-found', /No file at .*nowhere\.gguf/));
});

describe('unsupported versions', () => {
  test('version 1 is refused as obsolete', () =>
    expectRefused(assembleGguf({ version: 1 }), 'unsupported-version', /version 1 .*obsolete/));
  test('version 99 is refused as unsupported', () =>
    expectRefused(assembleGguf({ version: 99 }), 'unsupported-version', /version 99 is not supported/));
  test('a big-endian file is recognized as such', () =>
    expectRefused(assembleGguf({ version: 0x03000000 }), 'unsupported-version', /big-endian/));
});

describe('truncated files', () => {
  const tokensKey = testModel.indexOf('tokenizer.ggml.tokens');
  const scoresKey = testModel.indexOf('tokenizer.ggml.scores');

  test('a file cut inside the fixed header is refused as truncated', () =>
    expectRefused(testModel.subarray(0, 20), 'truncated', /ends at byte 20, in the middle of the GGUF header/));
  test('a file cut shortly after the start of the vocabulary is refused as truncated', () =>
    expectRefused(
      testModel.subarray(0, tokensKey + 1500),
      'truncated',
      /"tokenizer\.ggml\.tokens" is an array of \d+ STRING items .* truncated/,
    ));
  test('a file cut in the middle of the vocabulary is refused as truncated', () =>
    expectRefused(
      testModel.subarray(0, Math.floor((tokensKey + scoresKey) / 2)),
      'truncated',
      /tokenizer\.ggml\.tokens/,
    ));
  test('a file whose last tensor runs past its end is refused as incomplete', () =>
    expectRefused(
      testModel.subarray(0, testModel.length - 100),
      'truncated',
      /"output\.weight" .* past the end of the file .*interrupted download/,
    ));
});

describe('lying counts and lengths', () => {
  test('2^64 - 1 tensors is refused at once', () =>
    expectRefused(
      assembleGguf({ tensorCount: 2n ** 64n - 1n }),
      'too-large',
      /18446744073709551615 tensors; at most 65536/,
    ));
  test('2^64 - 1 metadata entries is refused at once', () =>
    expectRefused(assembleGguf({ entryCount: 2n ** 64n - 1n }), 'too-large', /18446744073709551615 metadata entries/));
  test('counts that cannot fit in the file are refused', () =>
    expectRefused(assembleGguf({ tensorCount: 60_000n }), 'truncated', /60000 tensors, which cannot fit/));
  test('a 2^63-byte string is refused without allocating it', () =>
    expectRefused(
      lyingStringLength(2n ** 63n),
      'too-large',
      /"general\.name" is a string of 9223372036854775808 bytes/,
    ));
  test('a string longer than the rest of the file is refused as truncated', () =>
    expectRefused(lyingStringLength(1000n), 'truncated', /claims a string of 1000 bytes, but only 5 bytes are left/));
  test('an array of 2^62 items is refused without allocating it', () =>
    expectRefused(
      lyingArrayLength(2n ** 62n),
      'too-large',
      /"general\.tags" is an array of 4611686018427387904 items/,
    ));
  test('an array longer than the rest of the file is refused as truncated', () =>
    expectRefused(
      lyingArrayLength(1_000_000n, GgufValueType.STRING),
      'truncated',
      /1000000 STRING items \(at least 8000000 bytes\)/,
    ));
  test('a tensor name longer than ggml allows is refused', () =>
    expectRefused(
      withTensor({ name: 'blk.0.' + 'x'.repeat(100) }),
      'too-large',
      /name of tensor #1 is a string of 106 bytes; at most 63/,
    ));
});

describe('invalid metadata', () => {
  test('an unknown value type is refused', () =>
    expectRefused(
      withRawEntry((s) => s.string('general.mystery').u32(13).u32(0)),
      'malformed',
      /"general\.mystery" has an unknown value type \(13\)/,
    ));
  test('an array of an unknown item type is refused', () =>
    expectRefused(
      withRawEntry((s) => s.string('general.mystery').u32(GgufValueType.ARRAY).u32(42).u64(1)),
      'malformed',
      /unknown value type \(42\)/,
    ));
  test('an array of arrays is refused', () =>
    expectRefused(
      withRawEntry((s) => s.string('general.nested').u32(GgufValueType.ARRAY).u32(GgufValueType.ARRAY).u64(1)),
      'malformed',
      /array of arrays/,
    ));
  test('a key that appears twice is refused', () =>
    expectRefused(
      withRawEntry((s) => s.string('general.name').u32(GgufValueType.UINT32).u32(1)),
      'malformed',
      /"general\.name" appears twice/,
    ));
  test('an empty key is refused', () =>
    expectRefused(
      withRawEntry((s) => s.string('').u32(GgufValueType.UINT8).u8(1)),
      'malformed',
      /empty key/,
    ));
  test('alignment 0 is refused', () =>
    expectRefused(
      withMetadata({ 'general.alignment': u32(0) }),
      'malformed',
      /alignment is 0; it must be a power of two/,
    ));
  test('alignment 3 is refused', () =>
    expectRefused(
      withMetadata({ 'general.alignment': u32(3) }),
      'malformed',
      /alignment is 3; it must be a power of two/,
    ));
  test('an alignment that is not a UINT32 is refused', () =>
    expectRefused(withMetadata({ 'general.alignment': u64(32n) }), 'malformed', /must be a UINT32, not UINT64/));
});

describe('invalid tensor infos', () => {
  test('five dimensions are refused', () =>
    expectRefused(
      withTensor({ dims: [32, 5, 1, 1, 1] }),
      'malformed',
      /"token_embd\.weight" has 5 dimensions; ggml supports 1 to 4/,
    ));
  test('zero dimensions are refused', () =>
    expectRefused(withTensor({ dims: [], nDims: 0 }), 'malformed', /has 0 dimensions/));
  test('a dimension of 0 is refused', () =>
    expectRefused(withTensor({ dims: [32, 0] }), 'malformed', /"token_embd\.weight" has a dimension of 0/));
  test('an element count beyond 64 bits is refused', () =>
    expectRefused(withTensor({ dims: [2n ** 32n, 2n ** 32n] }), 'malformed', /more elements than ggml can index/));
  test('an unknown tensor type is refused', () =>
    expectRefused(withTensor({ type: 99 }), 'malformed', /unknown tensor type \(99\)/));
  test('a removed tensor type is refused by name', () =>
    expectRefused(withTensor({ type: 31 }), 'malformed', /Q4_0_4_4, which llama\.cpp no longer loads/));
  test('a row length that is not a multiple of the block size is refused', () =>
    expectRefused(
      withTensor({ dims: [33, 5], type: 2 }),
      'malformed',
      /rows of 33 elements, not a multiple of the Q4_0 block size \(32\)/,
    ));
  test('an offset past the end of the file is refused', () =>
    expectRefused(withTensor({ offset: 1n << 20n }), 'truncated', /"token_embd\.weight" .* past the end of the file/));
  test('an offset of 2^64 - 32 is refused without wrapping around', () =>
    expectRefused(withTensor({ offset: 2n ** 64n - 32n }), 'truncated', /past the end of the file/));
  test('a misaligned offset is refused', () =>
    expectRefused(
      withTensor({ offset: 4 }),
      'malformed',
      /data offset 4, which is not a multiple of the alignment \(32\)/,
    ));
  test('overlapping tensors are refused', () => {
    const [embedding, norm] = minimalTensors();
    return expectRefused(
      assembleGguf({ tensors: [embedding!, { ...norm!, offset: 320 }] }),
      'malformed',
      /"output_norm\.weight" overlaps the data of tensor #1/,
    );
  });
  test('a tensor name that appears twice is refused', () => {
    const [embedding, norm] = minimalTensors();
    return expectRefused(
      assembleGguf({ tensors: [embedding!, { ...norm!, name: embedding!.name }] }),
      'malformed',
      /appears twice/,
    );
  });
  test('an offset aligned to 32 bytes is refused when general.alignment asks for 64', () =>
    expectRefused(
      withMetadata({ 'general.alignment': u32(64) }, { tensors: [{ name: 'a', dims: [8], type: F32, offset: 32 }] }),
      'malformed',
      /alignment \(64\)/,
    ));
});

describe('bounded work', () => {
  test('a header of a million empty strings is read in well under a second', async () => {
    const path = scratch.write('many-strings.gguf', emptyStringArray(1024 * 1024));
    // Read completely, then refused for what it lacks: the array itself is valid.
    await expectRefusedPath(path, 'not-a-model', /no general\.architecture/);
  });

  test('500 random one-byte corruptions and truncations of the test model pass or throw GgufCheckError, quickly', async () => {
    let seed = 0x5eed;
    const random = (below: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * below);
    };
    // Header and tensor infos end after the last tensor's info: name, n_dims, two dims, type, offset.
    const headerEnd = testModel.indexOf('output.weight') + 'output.weight'.length + 4 + 16 + 4 + 8;
    const corrupted = scratch.write('fuzz-corrupted.gguf', testModel);
    const fd = openSync(corrupted, 'r+');
    const outcomes = { passed: 0, refused: 0 };
    const check = async (path: string, label: string) => {
      try {
        await inspectGguf(path);
        outcomes.passed++;
      } catch (error) {
        assert.ok(error instanceof GgufCheckError, `${label}: ${String(error)}`);
        outcomes.refused++;
      }
    };
    const started = performance.now();
    try {
      for (let i = 0; i < 500; i++) {
        if (i % 5 === 4) {
          // Mostly cuts inside the header; every 25th anywhere, tensor data included.
          const length = random(i % 25 === 24 ? testModel.length : headerEnd);
          await check(scratch.write('fuzz-truncated.gguf', testModel.subarray(0, length)), `cut at ${length}`);
        } else {
          const at = random(headerEnd);
          const value = random(256);
          writeSync(fd, Buffer.from([value]), 0, 1, at);
          await check(corrupted, `byte ${at} set to ${value}`);
          writeSync(fd, testModel, at, 1, at);
        }
      }
    } finally {
      closeSync(fd);
    }
    const elapsed = performance.now() - started;
    assert.ok(outcomes.refused > 50 && outcomes.passed > 50, `both outcomes expected: ${JSON.stringify(outcomes)}`);
    assert.ok(elapsed < 10_000, `500 checks took ${elapsed.toFixed(0)} ms`);
  });
});
