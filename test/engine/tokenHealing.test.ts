// Token healing on the Qwen-vocabulary test model (Qwen2.5-Coder's real BPE): a cursor inside what
// becomes one token of the finished line completes to the same line as a cursor at a token
// boundary. The scripted model writes FIM_ANSWER after the FIM middle token whatever the line
// holds, so the cursor line here starts at column 0 and is typed into the answer's first word.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompleteParams, CompleteResult } from '../../src/core/engine/protocol';
import type { EngineClient } from '../../src/engine/client/engineClient';
import { FIM_ANSWER } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';
import { testModelPath } from '../helpers/testModel';

const FIRST_WORD = FIM_ANSWER.slice(0, FIM_ANSWER.indexOf('.')); // "items", one Qwen token

function request(typed: string, healLastToken: boolean): CompleteParams {
  return {
    segments: [
      { special: '<|fim_prefix|>' },
      { text: 'const prices = [1, 2, 3];\n' },
      { special: '<|fim_suffix|>' },
      { text: '\nexport default total;\n' },
      { special: '<|fim_middle|>' },
      ...(typed ? [{ text: typed }] : []),
    ],
    maxTokens: 40,
    timeoutMs: 20_000,
    stop: ['\n'],
    healLastToken,
  };
}

describe('token healing at the cursor (Qwen-vocabulary model)', () => {
  let client: EngineClient;
  const complete = (typed: string, heal: boolean): Promise<CompleteResult> => client.complete(request(typed, heal));

  before(async () => {
    const model = testModelPath('qwen');
    ({ client } = startEngine({}, { completionModel: model, chatModel: model }));
    await client.load();
  });
  after(async () => {
    await client.dispose();
  });

  test('every cursor position inside the first word completes to the same line as the boundary before it', async () => {
    const boundary = await complete('', true);
    assert.equal(boundary.text, FIM_ANSWER, 'nothing typed: nothing to heal');
    for (let n = 1; n <= FIRST_WORD.length; n++) {
      const typed = FIRST_WORD.slice(0, n);
      const healed = await complete(typed, true);
      assert.equal(typed + healed.text, FIM_ANSWER, `typed "${typed}"`);
    }
  });

  test('without healing the same mid-token positions start a new word: the check above can fail', async () => {
    const unhealed = await complete('it', false);
    assert.notEqual('it' + unhealed.text, FIM_ANSWER);
  });

  test('healing costs no extra prompt evaluation: the token backed off is generated again, and the accounting adds up', async () => {
    const plain = await complete('ite', false);
    const healed = await complete('ite', true);
    const p = plain.accounting;
    const h = healed.accounting;
    assert.equal(h.promptTokens, p.promptTokens - 1, 'the healed prompt is one token shorter');
    assert.equal(h.reusedTokens + h.evaluatedTokens, h.promptTokens);
    assert.ok(h.evaluatedTokens <= p.evaluatedTokens, `healed ${h.evaluatedTokens}, plain ${p.evaluatedTokens}`);
    const again = await complete('ite', true);
    assert.equal(again.replayed, true, 'a repeat of the healed request is replayed');
    assert.equal(again.text, healed.text);
  });
});
