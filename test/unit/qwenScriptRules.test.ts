// The Qwen-vocabulary test model's script compiler (test/fixtures/qwenScriptRules.ts), without
// weights: the rules it derives from scripts in Qwen's real tokens, and its refusals.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileScripts, type Rule, type ScriptSpec } from '../fixtures/qwenScriptRules';
import { ASSISTANT_TURN, QWEN_MODES, QWEN_SCRIPTS, STOP_TOKEN } from '../fixtures/qwenScripts';
import { qwenVocab } from '../fixtures/qwenVocab';

const vocab = qwenVocab();
const compile = (scripts: ScriptSpec[]) => compileScripts(vocab, scripts, QWEN_MODES, STOP_TOKEN);

/** Follows the rules from a reply's prompt ending, as the model would, and returns what it writes. */
function replay(rules: Rule[], prompt: number[], modesOn: string[], max = 400): number[] {
  const context = [...prompt];
  const written: number[] = [];
  const stop = rules[0]!.emit;
  while (written.length < max) {
    const holds = rules.filter(
      (r) =>
        r.modesOn.every((m) => modesOn.includes(m)) &&
        r.modesOff.every((m) => !modesOn.includes(m)) &&
        r.facts.every((f) => context[context.length - 1 - f.offset] === f.token),
    );
    // The most specific holding rule wins: the one the others are ancestors of.
    const winner = holds.find((r) => !holds.some((o) => o.parent === r))!;
    written.push(winner.emit);
    if (winner.emit === stop || vocab.decode(winner.emit).startsWith('<|im_end')) break;
    context.push(winner.emit);
  }
  return written;
}

describe("the Qwen test model's script compiler", () => {
  const compiled = compile(QWEN_SCRIPTS);

  test("every script is planned in the tokens Qwen's tokenizer gives its text", () => {
    for (const spec of QWEN_SCRIPTS) {
      const tokens = compiled.sequences.get(spec.name)!;
      assert.deepEqual(tokens, vocab.tokenize(spec.text));
      assert.equal(tokens.map((t) => vocab.decode(t)).join(''), spec.text);
    }
  });

  test('the rules replay each reply exactly, the hostile one only while its trigger is on', () => {
    const prompt = vocab.tokenize(`<|im_start|>user\nHello<|im_end|>\n${ASSISTANT_TURN}`);
    const end = vocab.id('<|im_end|>');
    const chat = compiled.sequences.get('chat')!;
    const hostile = compiled.sequences.get('hostile')!;
    assert.deepEqual(replay(compiled.rules, prompt, []), [...chat, end]);
    assert.deepEqual(replay(compiled.rules, prompt, ['hostile']), [...hostile, end]);
  });

  test('a FIM answer starts after any token while the FIM mode is on, and the loop takes over everything', () => {
    const fim = compiled.sequences.get('fim')!;
    const prompt = vocab.tokenize('<|fim_middle|>  const total = ');
    assert.deepEqual(replay(compiled.rules, prompt, ['fim']), [...fim, vocab.id(STOP_TOKEN)]);
    const loop = replay(compiled.rules, prompt, ['fim', 'loop'], 6);
    assert.equal(loop.map((t) => vocab.decode(t)).join(''), ' and on and on and on');
  });

  test('a new reply after its own prompt ending compiles alongside the others', () => {
    const edit: ScriptSpec = {
      name: 'edit',
      kind: 'reply',
      text: 'const total = items.length;\n',
      after: '<|im_start|>rewrite\n',
      end: '<|im_end|>',
    };
    const withEdit = compile([...QWEN_SCRIPTS, edit]);
    const prompt = vocab.tokenize('<|im_start|>rewrite\n');
    assert.deepEqual(replay(withEdit.rules, prompt, []), [...vocab.tokenize(edit.text), vocab.id('<|im_end|>')]);
  });

  test('a reply checks only the modes whose scripts could write in its place: the chat checks the tool mode, a next edit does not', () => {
    const chatStart = compiled.rules.find((r) => r.what === 'chat[0]')!;
    const sweepStart = compiled.rules.find((r) => r.what === 'nes-rename[0]')!;
    assert.ok(chatStart.modesOff.includes('tool'), 'the tool call starts after the same prompt ending');
    assert.ok(chatStart.modesOff.includes('fim'), 'a FIM answer may start anywhere');
    assert.ok(!sweepStart.modesOff.includes('tool') && !sweepStart.modesOff.includes('toolResult'));
    assert.ok(sweepStart.modesOff.includes('fim'));
    const prompt = vocab.tokenize('<|file_sep|>updated/rename.js\n');
    const rename = compiled.sequences.get('nes-rename')!;
    assert.deepEqual(replay(compiled.rules, prompt, ['tool']), [
      ...rename,
      vocab.id('<|file_sep|>'),
      vocab.id(STOP_TOKEN),
    ]);
  });

  test('two replies after the same prompt ending with nothing to tell them apart are refused, both named', () => {
    const twin: ScriptSpec = { ...QWEN_SCRIPTS.find((s) => s.name === 'chat')!, name: 'twin', text: 'Something else.' };
    assert.throws(() => compile([...QWEN_SCRIPTS, twin]), /twin\[0\]|chat\[0\]/);
  });
});
