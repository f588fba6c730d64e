// The engine's next-edit requests on the generated test model: the nextEdit role shares the one
// loaded file with completion and chat, its prompts reuse the KV cache like completions, input
// lookup is reported, and an inline completion pre-empts a running next edit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptSegment } from '../../src/core/engine/protocol';
import type { EngineClient } from '../../src/engine/client/engineClient';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { afterUserEdit, NES_SCENARIOS, sweepAnswer } from '../../src/core/bench/nesScenarios';
import { EditHistory } from '../../src/core/nes/editHistory';
import { NextEditPipeline } from '../../src/core/nes/nextEditPipeline';
import { FIM_ANSWER, LOOP_TRIGGER } from '../fixtures/makeTestModel';
import { startEngine } from '../helpers/engineHarness';
import { testModelPath } from '../helpers/testModel';

const fim = (prefix: string, suffix: string): PromptSegment[] => [
  { special: '<|fim_prefix|>' },
  { text: prefix },
  { special: '<|fim_suffix|>' },
  { text: suffix },
  { special: '<|fim_middle|>' },
];

const longPrefix = Array.from({ length: 30 }, (_, i) => `const value${i} = compute(${i});`).join('\n');

describe('next-edit requests on the test model', () => {
  let client: EngineClient;

  before(async () => {
    ({ client } = startEngine({}, { nextEditModel: testModelPath() }));
    await client.load();
  });
  after(() => client.dispose());

  test('one file serves completion, chat and next edits', () => {
    const { models } = client.state;
    assert.equal(models.nextEdit?.path, models.completion?.path);
    assert.deepEqual([...(models.nextEdit?.roles ?? [])].sort(), ['chat', 'completion', 'nextEdit']);
  });

  test('a next edit generates with token accounting and reuses the prompt it shares with the previous one', async () => {
    const first = await client.nextEdit({
      segments: fim(`${longPrefix}\nconst a = `, ';\n'),
      maxTokens: 32,
      timeoutMs: 20_000,
    });
    assert.equal(first.text, FIM_ANSWER);
    assert.equal(first.stopReason, 'eos');
    assert.equal(first.accounting.evaluatedTokens + first.accounting.reusedTokens, first.accounting.promptTokens);
    const second = await client.nextEdit({
      segments: fim(`${longPrefix}\nconst ab = `, ';\n'),
      maxTokens: 32,
      timeoutMs: 20_000,
      inputLookup: false,
    });
    assert.ok(second.accounting.reusedTokens > 500, `reused ${second.accounting.reusedTokens}`);
    assert.ok(second.accounting.evaluatedTokens < 20, `evaluated ${second.accounting.evaluatedTokens}`);
    assert.equal(second.draftTokens, 0, 'no drafts with input lookup off');
    assert.ok(first.draftTokens >= first.acceptedDraftTokens);
  });

  test('an inline completion aborts a running next edit and is answered', async () => {
    const running = client.nextEdit({
      segments: [{ text: `${LOOP_TRIGGER} and` }],
      maxTokens: 100_000,
      timeoutMs: 60_000,
    });
    // Let the next edit start generating before the completion arrives.
    await new Promise((r) => setTimeout(r, 300));
    const completion = await client.complete({ segments: fim('return ', ';\n'), maxTokens: 16, timeoutMs: 20_000 });
    const edit = await running;
    assert.equal(edit.stopReason, 'abort');
    assert.equal(completion.text, FIM_ANSWER);
  });

  test('the stop strings end a next edit', async () => {
    const result = await client.nextEdit({
      segments: fim('let total = ', ';\n'),
      maxTokens: 32,
      timeoutMs: 20_000,
      stop: ['sum +'],
    });
    assert.equal(result.stopReason, 'stop');
    assert.equal(result.text, FIM_ANSWER.slice(0, FIM_ANSWER.indexOf('sum +')));
  });
});

describe('next edits on the Qwen-vocabulary model scripted for Sweep prompts', () => {
  let client: EngineClient;
  const rename = NES_SCENARIOS.find((s) => s.name === 'rename')!;

  before(async () => {
    ({ client } = startEngine({}, { nextEditModel: testModelPath('qwen'), contextSize: 4096 }));
    await client.load();
  });
  after(() => client.dispose());

  /** The pipeline after the user's rename, as the editor builds it. */
  function pipeline(inputLookup: boolean) {
    const history = new EditHistory();
    const lines = (text: string) => text.split('\n');
    const before = new LinesDocument('file:///w/rename.js', 'javascript', lines(rename.before), 1, 'rename.js');
    const after = new LinesDocument('file:///w/rename.js', 'javascript', lines(afterUserEdit(rename)), 2, 'rename.js');
    const asHistory = (d: LinesDocument) => ({
      uri: d.uri,
      path: 'rename.js',
      lineCount: d.lineCount,
      lineAt: (i: number) => d.lineAt(i),
    });
    history.observe(asHistory(before));
    const { line, start, end, text } = rename.userEdit;
    history.onUserChange(asHistory(after), [
      { range: { start: { line, character: start }, end: { line, character: end } }, text },
    ]);
    const nes = new NextEditPipeline({ engine: client, history, settings: { inputLookup, timeoutMs: 60_000 } });
    nes.setModel({ id: 'qwen', family: 'sweep' });
    return { nes, doc: after, cursor: { line, character: start + text.length } };
  }

  test('the Sweep prompt is answered with the renamed file, and its first edit is the next use of the old name', async () => {
    const { nes, doc, cursor } = pipeline(false);
    const s = await nes.provide({ doc, cursor });
    assert.equal(s?.result?.text, sweepAnswer(rename));
    assert.equal(s?.result?.stopReason, 'eos'); // <|file_sep|> is one of Qwen's end-of-generation tokens
    assert.deepEqual(
      s?.edits.map((e) => [e.range.start.line, e.oldText, e.text]),
      [
        [3, 'total', 'sum'],
        [5, 'total', 'sum'],
        [6, 'total', 'sum'],
      ],
    );
    assert.equal(s?.edit.range.start.line, 3);
  });

  test('input lookup drafts tokens from the prompt and writes the same answer', async () => {
    const { nes, doc, cursor } = pipeline(true);
    const s = await nes.provide({ doc, cursor });
    assert.equal(s?.result?.text, sweepAnswer(rename));
    assert.ok(s!.result!.draftTokens > 0, 'drafts were proposed');
    assert.ok(s!.result!.acceptedDraftTokens > 0, `confirmed drafts: ${s!.result!.acceptedDraftTokens}`);
  });
});

describe('next edits without a next-edit model', () => {
  test('fail with code noModel', async () => {
    const { client } = startEngine();
    try {
      await assert.rejects(
        client.nextEdit({ segments: [{ text: 'x' }], maxTokens: 4, timeoutMs: 5000 }),
        (e: { code?: string }) => e.code === 'noModel',
      );
    } finally {
      await client.dispose();
    }
  });
});
