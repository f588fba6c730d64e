import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeviceMeter } from '../../src/core/bench/deviceMeter';
import { HARDWARE_PROFILES, projectedTiming } from '../../src/core/bench/hardwareProfiles';
import { MeteredEngine } from '../../src/core/bench/meteredEngine';
import { replay, type ReplayResult } from '../../src/core/bench/replay';
import { buildReport, formatReports, type BenchReport } from '../../src/core/bench/report';
import { createStrategy, type EngineStrategyName } from '../../src/core/bench/strategies';
import type { TypistFile } from '../../src/core/bench/typist';
import { VirtualClock } from '../../src/core/bench/virtualClock';
import type { CompletionSettings } from '../../src/core/completion/completionSettings';
import { QWEN_MODEL } from '../helpers/completionFixtures';
import { FakeCompletionEngine } from '../helpers/fakeCompletionEngine';

/** 300 lines of small functions, then a block typed in the middle of it. */
const LINES = Array.from({ length: 60 }, (_, i) => [
  `export function scale${i}(value: number): number {`,
  `  const factor = ${i % 9} + 1;`,
  `  return value * factor;`,
  '}',
  '',
]).flat();
const FILE: TypistFile = {
  uri: 'file:///repo/src/scale.ts',
  languageId: 'typescript',
  relativePath: 'src/scale.ts',
  text: LINES.join('\n'),
};

/** Answers the rest of the current line of the original file: every suggestion is right. */
function oracle(prompt: string): string {
  // Alembic's layout puts the cursor line after the middle token; the baselines end the prefix with it.
  const middleStart = prompt.slice(prompt.indexOf('<|fim_middle|>') + '<|fim_middle|>'.length);
  const before = prompt.slice(prompt.indexOf('<|fim_prefix|>'), prompt.indexOf('<|fim_suffix|>'));
  const linePrefix = middleStart || before.slice(before.lastIndexOf('\n') + 1).replace('<|fim_prefix|>', '');
  const line = LINES.find((l) => linePrefix.trim() && l.startsWith(linePrefix) && l.length > linePrefix.length);
  return line ? line.slice(linePrefix.length) : '';
}

async function run(
  name: EngineStrategyName,
  answer: (prompt: string) => string,
  engineMs: number | 'gpu' | 'laptop-cpu' = 40,
  seed = 5,
  options: { streams?: boolean; settings?: Partial<CompletionSettings> } = {},
): Promise<{ run: ReplayResult; report: BenchReport }> {
  const fake = new FakeCompletionEngine();
  fake.reply = answer;
  fake.streamsReplies = options.streams ?? false;
  const clock = new VirtualClock();
  // Each call takes `engineMs` of simulated time: deterministic, unlike a real engine.
  // Or the tokens each call evaluated and generated, at a hardware profile's speeds.
  const device = new DeviceMeter(
    clock,
    typeof engineMs === 'number'
      ? { kind: 'projected', durationMs: () => engineMs, label: 'scripted' }
      : projectedTiming(HARDWARE_PROFILES[engineMs]!),
  );
  const engine = new MeteredEngine(fake, device);
  const strategy = createStrategy(name, {
    engine,
    model: QWEN_MODEL,
    clock,
    bustToken: '<|endoftext|>',
    settings: options.settings,
  });
  try {
    const result = await replay({
      files: [FILE],
      fromLine: 100,
      chars: 400,
      seed,
      strategy,
      meter: engine,
      device,
      clock,
    });
    const meta = {
      model: 'fake',
      modelPath: '/fake.gguf',
      backend: 'cpu',
      contextSize: QWEN_MODEL.contextSize,
      seed,
      chars: 400,
      fromLine: 101,
      loadMs: 0,
      timing: 'scripted',
      accept: 'exact',
    };
    return { run: result, report: buildReport(strategy, result, engine.totals, meta) };
  } finally {
    strategy.dispose();
  }
}

describe('the replay benchmark', () => {
  test('types the region to its end, a request per keystroke, and leaves the file as it was', async () => {
    const { run: r, report } = await run('alembic', () => 'unrelated(42);');
    assert.equal(r.intact, true);
    assert.equal(r.requests, r.keystrokes);
    assert.equal(r.acceptances, 0, 'a wrong suggestion is never taken');
    assert.equal(r.files[0]!.firstLine, 101);
    assert.ok(r.files[0]!.typedChars >= 400);
    assert.ok(r.simulatedMs > r.keystrokes * 80, 'typing takes simulated time');
    assert.equal(report.errors, 0);
  });

  test('the same seed replays the same session: same keystrokes, calls and tokens', async () => {
    const a = (await run('alembic', oracle)).report;
    const b = (await run('alembic', oracle)).report;
    const pick = (x: BenchReport) => [
      x.keystrokes,
      x.modelCalls,
      x.promptTokens,
      x.evaluatedTokens,
      x.acceptances,
      x.cacheHits,
      x.typedAheadHits,
      x.latencyMs.p50,
    ];
    assert.deepEqual(pick(a), pick(b));
    const c = (await run('alembic', oracle, 40, 6)).report;
    assert.notDeepEqual(pick(c), pick(a), 'another seed, another session');
  });

  test('takes a suggestion with Tab when it is what comes next, so fewer keys are pressed', async () => {
    const { run: taking } = await run('alembic', oracle);
    const { run: typing } = await run('alembic', () => 'unrelated(42);');
    assert.ok(taking.acceptances > 0);
    assert.ok(taking.acceptedChars > 0);
    assert.ok(
      taking.keystrokes < typing.keystrokes,
      `${taking.keystrokes} keys with Tab, ${typing.keystrokes} without`,
    );
    assert.equal(taking.intact, true);
  });

  test('naive counts every prompt in full and calls the model on every keystroke; alembic sends less and evaluates less', async () => {
    const naive = (await run('naive', () => 'unrelated(42);')).report;
    const alembic = (await run('alembic', () => 'unrelated(42);', 'laptop-cpu')).report;
    assert.equal(naive.evaluatedTokens, naive.promptTokens);
    assert.equal(naive.evaluatedRatio, 1);
    assert.equal(naive.modelCalls, naive.requests);
    assert.ok(
      // On a device too slow for a call per key it waits for the pause: well under a call per key.
      // (The README's target, 0.3, is measured with bench replay on the Qwen model; this answer is
      // 4 tokens, short enough on a warm window for some keys to call at once.)
      alembic.modelCalls <= alembic.keystrokes / 3,
      `${alembic.modelCalls} calls for ${alembic.keystrokes} keys`,
    );
    assert.ok(alembic.evaluatedTokens < alembic.promptTokens);
    assert.ok(alembic.overheadMs.p99 >= alembic.overheadMs.p50);
  });

  test('on a device fast enough for a call within a typing interval, alembic calls at once and still evaluates little', async () => {
    const slow = (await run('alembic', () => 'unrelated(42);', 'laptop-cpu')).report;
    const fast = (await run('alembic', () => 'unrelated(42);', 'gpu')).report;
    assert.ok(
      fast.modelCalls > slow.modelCalls * 2,
      `${fast.modelCalls} calls at gpu, ${slow.modelCalls} at laptop-cpu`,
    );
    assert.ok(fast.evaluatedTokens < fast.promptTokens * 0.2, `${fast.evaluatedTokens} of ${fast.promptTokens}`);
  });

  test('on a laptop CPU a streamed answer shows its first words at more pauses and sooner, and the whole one is measured apart', async () => {
    const long = () => 'unrelated(first, second, third);'; // 32 tokens: 1.3 s at 25 tokens per second
    const { report } = await run('alembic', long, 'laptop-cpu', 5, { streams: true });
    assert.ok(report.partialShows > 0, 'first words shown');
    assert.ok(
      report.pauses.covered > report.wholePauses.covered,
      `${report.pauses.covered} vs ${report.wholePauses.covered} pauses`,
    );
    assert.ok(
      report.pauses.latencyMs.p50 < report.wholePauses.latencyMs.p50,
      `p50 ${report.pauses.latencyMs.p50} vs ${report.wholePauses.latencyMs.p50} ms`,
    );
    const off = (await run('alembic', long, 'laptop-cpu', 5, { streams: true, settings: { partialAfterMs: 0 } }))
      .report;
    assert.equal(off.partialShows, 0);
    assert.deepEqual(off.pauses, off.wholePauses, 'without first words, a suggestion shows whole');
    assert.deepEqual(
      off.wholePauses,
      report.wholePauses,
      'the whole suggestions come when they did without first words',
    );
  });

  test('keystrokes that arrive during a slow generation abort it', async () => {
    const slow = (await run('sliding', () => 'unrelated(42);', 3000)).report;
    assert.ok(slow.aborted > slow.modelCalls / 2, `${slow.aborted} of ${slow.modelCalls} aborted`);
    assert.ok(slow.shown < slow.requests / 2);
  });

  test('latency runs from the keystroke to the suggestion, engine time included', async () => {
    const { report } = await run('sliding', () => 'unrelated(42);', 40);
    assert.ok(report.shown > 0);
    assert.ok(report.latencyMs.p50 >= 40, `p50 ${report.latencyMs.p50}`);
  });

  test('the human report has a row per strategy with the figures the JSON has', async () => {
    const reports = [(await run('alembic', oracle)).report, (await run('naive', oracle)).report];
    const text = formatReports(reports);
    const rows = text.split('\n').filter((l) => /^(alembic|naive)\s+\d/.test(l));
    assert.equal(rows.length, 2);
    assert.ok(rows[0]!.includes(` ${reports[0]!.evaluatedPerKey.toFixed(1)} `), rows[0]);
    assert.ok(rows[1]!.includes('100.0%'), 'naive evaluates its whole prompt');
    assert.match(text, /^alembic vs naive: evaluated tokens per key [\d.]+% of its; model calls per key/m);
    assert.ok(text.includes('src/scale.ts: lines 101–'), text.split('\n').slice(0, 3).join('\n'));
  });
});

describe('the simulated clock', () => {
  test('jumps straight to the next sleep while nothing runs', async () => {
    const clock = new VirtualClock();
    const woke: number[] = [];
    void clock.sleep(5000).then(() => woke.push(clock.now()));
    void clock.sleep(100).then(() => woke.push(clock.now()));
    const tick = () => new Promise((r) => setImmediate(r));
    assert.equal(clock.jumpToNext(), true);
    await tick();
    assert.equal(clock.jumpToNext(), true);
    await tick();
    assert.deepEqual(woke, [100, 5000]);
    assert.equal(clock.jumpToNext(), false);
  });

  test('runs with the wall clock while the engine works', async () => {
    const clock = new VirtualClock();
    clock.beginRealTime();
    const start = clock.now();
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(clock.now() - start >= 25);
    clock.endRealTime();
    const frozen = clock.now();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(clock.now(), frozen);
  });
});

describe('the editor around the typing', () => {
  const SECOND: TypistFile = {
    uri: 'file:///repo/src/shapes.ts',
    languageId: 'typescript',
    relativePath: 'src/shapes.ts',
    text: Array.from({ length: 120 }, (_, i) => `export const side${i} = ${i % 6};`).join('\n'),
  };

  test("autosave, a switch to the other file and back, and a scroll there reach Alembic's extra context", async () => {
    const fake = new FakeCompletionEngine();
    fake.reply = () => 'unrelated(42);';
    const clock = new VirtualClock();
    const device = new DeviceMeter(clock, { kind: 'projected', durationMs: () => 40, label: 'scripted' });
    const engine = new MeteredEngine(fake, device);
    const strategy = createStrategy('alembic', { engine, model: QWEN_MODEL, clock });
    try {
      const r = await replay({
        files: [FILE, SECOND],
        fromLine: 60,
        chars: 300,
        seed: 4,
        strategy,
        meter: engine,
        device,
        clock,
      });
      assert.equal(r.intact, true);
      assert.equal(r.events.switch, 4, 'to the other file and back, once per file');
      assert.equal(r.events.scroll, 6);
      assert.equal(r.events.edit, r.keystrokes, 'every key is an edit');
      assert.ok(r.events.save > 0 && r.events.save < r.keystrokes / 4, `${r.events.save} saves`);
      assert.ok(strategy.counters().snippets! > 0, 'snippets held');
      const withOther = fake.calls.filter((c) => c.prompt.includes('<|file_sep|>src/shapes.ts\nexport const side'));
      assert.ok(withOther.length > 0, 'a prompt carries a snippet of the other file');
      assert.ok(fake.prefills.length > 0, 'the changed ring was evaluated ahead');
      assert.ok(r.typingMs > 0 && r.busyMs > 0 && r.busyMs < r.typingMs);
      assert.ok(r.pauses.pauses > 0 && r.pauses.covered <= r.pauses.pauses);
    } finally {
      strategy.dispose();
    }
  });
});
