import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { settle } from '../../src/core/completion/clock';
import { LinesDocument } from '../../src/core/completion/documentWindow';
import { NoFimSupportError } from '../../src/core/completion/fimTemplates';
import { GEO, setup, typed } from '../helpers/completionFixtures';

describe('completion pipeline', () => {
  test('asks the model once and answers a repeated request from the cache', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => 'math.pi * r * r';
    const first = await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    assert.equal(first?.insertText, 'math.pi * r * r');
    assert.equal(first?.source, 'model');
    const again = await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    assert.equal(again?.source, 'cache');
    assert.equal(again?.insertText, 'math.pi * r * r');
    assert.equal(engine.calls.length, 1);
    assert.equal(pipeline.stats.snapshot().cacheHits, 1);
  });

  test('serves the remainder with no model call while the user types the suggestion', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => 'math.pi * r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    for (const prefix of ['m', 'ma', 'math', 'math.pi']) {
      const s = await pipeline.provide(typed(prefix));
      assert.equal(s?.source, 'typedAhead');
      assert.equal(prefix + s?.insertText, 'math.pi * r * r');
    }
    assert.equal(engine.calls.length, 1);
    assert.equal(pipeline.stats.snapshot().typedAheadHits, 4);
  });

  test('typed-ahead after an auto-closed bracket serves the remainder without the closer the editor already inserted', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => 'round(math.pi * r * r, 2)';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    const { doc } = typed('round()', 8);
    const s = await pipeline.provide({ doc, position: { line: 3, character: 17 } });
    assert.equal(s?.source, 'typedAhead');
    assert.equal(s?.insertText, 'math.pi * r * r, 2');
    assert.equal(engine.calls.length, 1);
  });

  test('the prompt is the Qwen FIM form of the window around the cursor, sent greedy with a line-break stop for one line', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => 'r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    const call = engine.last;
    assert.equal(
      call.prompt,
      '<|repo_name|>workspace\n<|file_sep|>geo.py\n<|fim_prefix|>import math\n\ndef circle_area(r):\n' +
        '<|fim_suffix|>\n\ndef square_area(a):<|fim_middle|>    return ',
    );
    assert.equal(call.params.temperature, 0);
    assert.ok(call.params.stop?.includes('\n') && call.params.stop.includes('<|file_sep|>'));
  });

  test('a request whose context extends the running generation waits for it: two requests, one model call', async () => {
    const { engine, pipeline, clock } = setup();
    const firstAbort = new AbortController();
    const first = pipeline.provide({ ...typed('', 1), triggerKind: 'invoke', signal: firstAbort.signal });
    await settle();
    assert.equal(engine.calls.length, 1);
    firstAbort.abort(); // VS Code cancels the first request when the user types
    const second = pipeline.provide(typed('ma', 2));
    await clock.advance(1000);
    engine.last.respond('math.pi * r * r');
    assert.equal(await first, null);
    const s = await second;
    assert.equal(s?.insertText, 'th.pi * r * r');
    assert.equal(s?.source, 'inFlight');
    assert.equal(engine.calls.length, 1);
    assert.equal(engine.calls[0]!.signal.aborted, false, 'the generation was not aborted');
    assert.equal(pipeline.stats.snapshot().inFlightReuses, 1);
  });

  test('a new keystroke the running generation cannot serve aborts it, and the engine sees its signal fire', async () => {
    const { engine, pipeline, clock } = setup();
    void pipeline.provide({ ...typed('', 1), triggerKind: 'invoke' });
    await settle();
    const stale = engine.last;
    const elsewhere = new LinesDocument('file:///geo.py', 'python', [...GEO.slice(0, 6), '    return a * '], 2);
    const next = pipeline.provide({ doc: elsewhere, position: { line: 6, character: 15 } });
    await settle();
    assert.equal(stale.signal.aborted, true);
    assert.equal(pipeline.stats.snapshot().aborted, 1);
    await clock.advance(1000);
    assert.equal(engine.calls.length, 2);
    engine.last.respond('a');
    assert.equal((await next)?.insertText, 'a');
  });

  test('if what the user typed is not how the running completion goes on, a new generation follows it', async () => {
    const { engine, pipeline, clock } = setup();
    void pipeline.provide({ ...typed('', 1), triggerKind: 'invoke' });
    await settle();
    const second = pipeline.provide(typed('2', 2));
    await settle();
    engine.calls[0]!.respond('math.pi * r * r');
    await clock.advance(1000);
    assert.equal(engine.calls.length, 2);
    engine.last.respond(' * math.pi * r * r');
    assert.equal((await second)?.insertText, ' * math.pi * r * r');
  });

  test('a request that waited for a running generation it could not use asks the model at once: the wait was its pause', async () => {
    const { engine, pipeline, clock } = setup();
    void pipeline.provide({ ...typed('', 1), triggerKind: 'invoke' });
    await settle();
    const second = pipeline.provide(typed('2', 2));
    await clock.advance(1000);
    assert.equal(engine.calls.length, 1, 'it joins the running generation instead of debouncing');
    engine.calls[0]!.respond('math.pi * r * r');
    await settle();
    assert.equal(engine.calls.length, 2, 'its own generation starts with no time passing');
    engine.last.respond(' * r');
    assert.equal((await second)?.insertText, ' * r');
    assert.equal(pipeline.stats.snapshot().modelCalls, 2);
  });

  test('with token healing on, a request asks the engine to heal the cursor line; it is off by default', async () => {
    const off = setup();
    off.engine.reply = () => 'r';
    await off.pipeline.provide({ ...typed('ma'), triggerKind: 'invoke' });
    assert.equal(off.engine.last.params.healLastToken, false);
    const on = setup({ tokenHealing: true });
    on.engine.reply = () => 'r';
    await on.pipeline.provide({ ...typed('ma'), triggerKind: 'invoke' });
    assert.equal(on.engine.last.params.healLastToken, true);
    assert.ok(
      on.engine.last.prompt.endsWith('<|fim_middle|>    return ma'),
      'the prompt still ends with the typed text',
    );
  });

  test('an edit inside the window is a new context: the model is asked again', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => 'math.pi * r * r';
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    const { doc, position } = typed('');
    const edited = new LinesDocument(
      doc.uri,
      doc.languageId,
      ['import numpy as np', ...GEO.slice(1, 3), '    return ', ...GEO.slice(4)],
      9,
    );
    await pipeline.provide({ doc: edited, position, triggerKind: 'invoke' });
    assert.equal(engine.calls.length, 2);
  });

  test('automatic requests are skipped when much code sits right of the cursor', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => 'x';
    const doc = new LinesDocument('file:///a.ts', 'typescript', ['const v = compute(alpha, beta);']);
    assert.equal(await pipeline.provide({ doc, position: { line: 0, character: 10 } }), null);
    assert.equal(engine.calls.length, 0);
    await pipeline.provide({ doc, position: { line: 0, character: 10 }, triggerKind: 'invoke' });
    assert.equal(engine.calls.length, 1);
  });

  test('a model without FIM tokens gets a clear message and requests answer nothing', async () => {
    const { engine, pipeline } = setup();
    assert.throws(
      () => pipeline.setModel({ id: 'chat', name: 'Llama 3.2 Instruct', contextSize: 4096, fim: null }),
      NoFimSupportError,
    );
    assert.match(
      pipeline.problem ?? '',
      /no fill-in-the-middle tokens; pick a code completion model such as Qwen2\.5-Coder base/,
    );
    assert.equal(await pipeline.provide({ ...typed(''), triggerKind: 'invoke' }), null);
    assert.equal(engine.calls.length, 0);
  });

  test('a prompt the engine finds too long makes the next prompts smaller instead of being cut by the engine', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => {
      throw Object.assign(new Error('The prompt has 5000 tokens but the context holds 4096.'), {
        code: 'promptTooLong',
      });
    };
    const big = new LinesDocument(
      'file:///big.py',
      'python',
      Array.from({ length: 3000 }, (_, i) => `value_${i} = compute(${i})`),
      1,
    );
    assert.equal(
      await pipeline.provide({ doc: big, position: { line: 2999, character: 8 }, triggerKind: 'invoke' }),
      null,
    );
    const first = engine.last.prompt.length;
    engine.reply = () => 'x';
    await pipeline.provide({ doc: big, position: { line: 2999, character: 9 }, triggerKind: 'invoke' });
    assert.ok(engine.last.prompt.length < first * 0.9, `${engine.last.prompt.length} vs ${first} characters`);
  });

  test('an engine that reports no FIM support turns into the user-facing problem', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => {
      throw Object.assign(new Error('Model X has no fill-in-the-middle tokens, so it cannot complete code.'), {
        code: 'noFim',
      });
    };
    assert.equal(await pipeline.provide({ ...typed(''), triggerKind: 'invoke' }), null);
    assert.match(pipeline.problem ?? '', /no fill-in-the-middle tokens/);
  });

  test('token accounting from the engine is added up for the status bar and the benchmark', async () => {
    const { engine, pipeline } = setup();
    engine.reply = () => 'math.pi * r * r';
    engine.evaluated = () => 3;
    await pipeline.provide({ ...typed(''), triggerKind: 'invoke' });
    const stats = pipeline.stats.snapshot();
    assert.equal(stats.modelCalls, 1);
    assert.equal(stats.evaluatedTokens, 3);
    assert.ok(stats.promptTokens > 20);
    assert.equal(stats.reusedTokens, stats.promptTokens - 3);
    assert.equal(stats.requests, 1);
    assert.ok(stats.overheadMs.last > 0);
  });
});
