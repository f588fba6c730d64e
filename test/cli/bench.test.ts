import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINE_STRATEGY_NAMES } from '../../src/core/bench/strategies';
import { engineArgs, runCli } from './runCli';

// A short replay of real code on the test model: the figures are checked for consistency, never
// for speed (the benchmark prints speed; tests do not time it).
const FILE = 'src/core/completion/promptAssembler.ts';
const replayArgs = (strategy: string) => [
  'bench',
  'replay',
  ...engineArgs(),
  '--file',
  FILE,
  '--from-line',
  '60',
  '--chars',
  '60',
  '--seed',
  '3',
  '--strategy',
  strategy,
  '--json',
];

const FIELDS = [
  'strategy',
  'model',
  'backend',
  'files',
  'keystrokes',
  'requests',
  'modelCalls',
  'cacheHits',
  'typedAheadHits',
  'inFlightReuses',
  'aborted',
  'prefetches',
  'acceptances',
  'promptTokens',
  'evaluatedTokens',
  'generatedTokens',
  'evaluatedRatio',
  'modelCallRatio',
  'evaluatedPerKey',
  'busyShare',
  'pauses',
  'events',
  'timing',
  'accept',
  'overheadMs',
  'latencyMs',
  'wallMs',
  'note',
];

describe('alembic bench replay', () => {
  for (const strategy of ENGINE_STRATEGY_NAMES) {
    test(`the ${strategy} strategy replays a file and reports consistent figures as JSON`, async () => {
      const run = await runCli(replayArgs(strategy), { timeoutMs: 300_000 });
      assert.equal(run.code, 0, run.stderr);
      const r = JSON.parse(run.stdout);
      for (const field of FIELDS) assert.ok(field in r, `field ${field}`);
      for (const stat of ['p50', 'p99']) {
        assert.equal(typeof r.overheadMs[stat], 'number');
        assert.equal(typeof r.latencyMs[stat], 'number');
      }
      assert.equal(r.strategy, strategy);
      assert.equal(r.model, 'Alembic Test Tiny');
      assert.equal(r.backend, 'cpu');
      assert.equal(r.errors, 0, r.firstError);
      assert.equal(r.intact, true, 'the typist ended on the original file');
      assert.equal(r.files.length, 1);
      assert.equal(r.files[0].firstLine, 60);
      assert.ok(r.files[0].typedChars >= 60);
      assert.equal(r.requests, r.keystrokes, 'a request per keystroke');
      assert.ok(r.modelCalls > 0 && r.requests >= r.modelCalls, `${r.modelCalls} calls for ${r.requests} requests`);
      assert.ok(r.promptTokens > 0);
      assert.ok(r.evaluatedTokens <= r.promptTokens);
      assert.ok(r.generatedTokens > 0);
      assert.ok(r.aborted <= r.modelCalls);
      assert.ok(r.acceptances <= r.keystrokes);
      assert.equal(r.evaluatedRatio, Math.round((r.evaluatedTokens / r.promptTokens) * 1000) / 1000);
      assert.equal(r.modelCallRatio, Math.round((r.modelCalls / r.keystrokes) * 1000) / 1000);
      assert.ok(r.overheadMs.p50 <= r.overheadMs.p99 && r.latencyMs.p50 <= r.latencyMs.p99);
      if (strategy === 'naive') {
        assert.equal(r.evaluatedTokens, r.promptTokens, 'no cache: every prompt token counts as evaluated');
        assert.equal(r.cacheHits + r.typedAheadHits + r.inFlightReuses + r.prefetches, 0);
      } else {
        assert.equal(r.evaluatedTokens, r.engineEvaluatedTokens);
        assert.ok(r.evaluatedTokens < r.promptTokens, 'the engine reused its KV cache');
      }
      if (strategy === 'sliding')
        assert.equal(r.cacheHits + r.typedAheadHits + r.inFlightReuses + r.prefetches, 0, 'no client-side reuse');
      if (strategy === 'alembic') assert.ok(r.modelCalls < r.requests, 'debounce, cache and reuse spare model calls');
      assert.match(run.stderr, new RegExp(`^${strategy}: \\d+ keystrokes`, 'm'));
    });
  }

  test('prints a table for people without --json', async () => {
    const run = await runCli(
      replayArgs('alembic').filter((a) => a !== '--json'),
      { timeoutMs: 300_000 },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^strategy\s+keys\s+eval tok\/key\s+calls\/key/m);
    assert.match(run.stdout, /^alembic\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+%/m);
    assert.match(run.stdout, /promptAssembler\.ts: lines 60–\d+/);
  });

  test('a start line outside a file exits 2 before any model is loaded', async () => {
    const run = await runCli(['bench', 'replay', ...engineArgs(), '--file', FILE, '--from-line', '5000']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--from-line 5000 is outside .*promptAssembler\.ts \(lines 1–\d+\)/);
  });
});
