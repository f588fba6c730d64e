// A small seeded sample of the pre-check fuzzer (the long run is `npm run fuzz`): mutants of the
// test model that the pre-check accepts are loaded and used in the real engine process, and none
// may crash it. Bounded by the number of accepted mutants and by time, so it stays well under a
// minute on a busy 2-core machine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatFuzzReport, runFuzz } from '../helpers/ggufFuzz';
import { testModelPath } from '../helpers/testModel';

const SEED = 13;

test('no mutant of the test model that the pre-check accepts crashes the engine', { timeout: 120_000 }, async () => {
  const report = await runFuzz({
    base: readFileSync(testModelPath()),
    seed: SEED,
    targetAccepted: 30,
    timeBudgetMs: 40_000,
    workDir: join(tmpdir(), `alembic-fuzz-test-${process.pid}`),
    useTimeoutMs: 30_000,
  });
  const summary = formatFuzzReport(report, SEED);
  console.log(summary);
  assert.deepEqual(report.findings, [], summary);
  // The sample must have reached llama.cpp to mean anything.
  assert.ok(report.accepted >= 10, summary);
  assert.ok(report.mutants > report.accepted, summary);
});
