// The input-lookup token predictor (speculative decoding without a draft model) on the
// Qwen-vocabulary test model: the answer is the same token for token, and the accounting stays
// exact (generated tokens counted once, drafts reported apart). Whether it is faster is for the
// benchmark; on this machine it was not (README, Benchmarks), so it is off by default.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompleteParams } from '../../src/core/engine/protocol';
import type { EngineClient } from '../../src/engine/client/engineClient';
import { FIM_ANSWER } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';
import { testModelPath } from '../helpers/testModel';

/** A prompt in which the answer already appears, as code that repeats nearby code does. */
function request(call: number): CompleteParams {
  return {
    segments: [
      { special: '<|fim_prefix|>' },
      { text: `const earlier = ${FIM_ANSWER}\n// call ${call}\n` },
      { special: '<|fim_suffix|>' },
      { text: '\n' },
      { special: '<|fim_middle|>' },
      { text: 'const total = ' },
    ],
    maxTokens: 40,
    timeoutMs: 20_000,
    stop: ['\n'],
  };
}

describe('the input-lookup token predictor (Qwen-vocabulary model)', () => {
  let plain: EngineClient;
  let predicting: EngineClient;

  before(async () => {
    const model = testModelPath('qwen');
    ({ client: plain } = startEngine({}, { completionModel: model, chatModel: undefined }));
    ({ client: predicting } = startEngine(
      {},
      { completionModel: model, chatModel: undefined, completionPredictor: 'inputLookup' },
    ));
    await Promise.all([plain.load(), predicting.load()]);
  });
  after(async () => {
    await Promise.all([plain.dispose(), predicting.dispose()]);
  });

  test('gives the same answer with the same token accounting, and reports its drafts apart', async () => {
    for (let call = 0; call < 3; call++) {
      const a = await plain.complete(request(call));
      const b = await predicting.complete(request(call));
      assert.equal(b.text, a.text);
      assert.equal(b.text, FIM_ANSWER);
      assert.equal(b.accounting.generatedTokens, a.accounting.generatedTokens, 'each confirmed draft counted once');
      assert.equal(b.accounting.promptTokens, a.accounting.promptTokens);
      assert.equal(b.accounting.evaluatedTokens, a.accounting.evaluatedTokens, 'drafts are not prompt tokens');
      assert.equal(b.accounting.reusedTokens + b.accounting.evaluatedTokens, b.accounting.promptTokens);
      assert.equal(a.accounting.drafted, undefined, 'no predictor, no drafts');
      assert.ok(b.accounting.drafted, 'the predictor reports what it drafted');
      assert.ok(b.accounting.drafted.accepted <= b.accounting.generatedTokens);
    }
    const drafted = (await predicting.complete(request(9))).accounting.drafted!;
    assert.ok(drafted.accepted > 0, `the answer repeats the prompt: drafts are taken (${JSON.stringify(drafted)})`);
  });
});
