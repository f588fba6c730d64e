// Prompt chunks sized by measured time, and the thread count chosen by measurement.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PromptPace } from '../../src/core/engine/promptPace';
import { chooseThreads, needsRecalibration, threadCandidates } from '../../src/core/engine/threadChoice';

describe('prompt chunks sized by time', () => {
  test('a chunk is about 40 ms of work at the measured speed', () => {
    const pace = new PromptPace();
    pace.calibrated(300); // a slow CPU: 128 tokens would be ~430 ms
    assert.equal(pace.chunkTokens(), 12);
    pace.calibrated(5000); // a GPU
    assert.equal(pace.chunkTokens(), 200);
  });

  test('before any measurement the chunk is small, and the sizes stay within their bounds', () => {
    const pace = new PromptPace();
    assert.equal(pace.chunkTokens(), 32);
    pace.calibrated(50);
    assert.equal(pace.chunkTokens(), 8);
    pace.calibrated(1e6);
    assert.equal(pace.chunkTokens(), 512);
  });

  test('observed chunks move the speed, and tiny chunks are ignored', () => {
    const pace = new PromptPace();
    pace.observe(100, 100); // 1000 tok/s
    assert.equal(pace.tokensPerSecond, 1000);
    pace.observe(2, 1000); // overhead, not speed
    assert.equal(pace.tokensPerSecond, 1000);
    for (let i = 0; i < 20; i++) pace.observe(40, 100); // 400 tok/s
    assert.ok(Math.abs(pace.tokensPerSecond! - 400) < 5, `${pace.tokensPerSecond}`);
    assert.equal(pace.chunkTokens(), 16);
  });

  test('a drift from the calibrated speed is reported only after enough chunks', () => {
    const pace = new PromptPace({ driftSamples: 3 });
    pace.calibrated(1000);
    pace.observe(10, 100); // 100 tok/s
    pace.observe(10, 100);
    assert.equal(pace.drift(), undefined);
    pace.observe(10, 100);
    const drift = pace.drift()!;
    assert.ok(drift < 0.5, `${drift}`);
    assert.equal(needsRecalibration(drift), true);
    assert.equal(needsRecalibration(0.8), false);
    assert.equal(needsRecalibration(2.5), true, 'the cores came back');
  });
});

describe('threads chosen by measurement', () => {
  test('the candidates are one, two, half and all of the cores', () => {
    assert.deepEqual(threadCandidates(1), [1]);
    assert.deepEqual(threadCandidates(2), [1, 2]);
    assert.deepEqual(threadCandidates(4), [1, 2, 4]);
    assert.deepEqual(threadCandidates(16), [1, 2, 8, 16]);
  });

  test('the fastest count wins, and a near tie goes to fewer threads', () => {
    // A busy 2-core machine: two threads spin against the other programs.
    assert.equal(
      chooseThreads([
        { threads: 1, tokensPerSecond: 280 },
        { threads: 2, tokensPerSecond: 40 },
      ])?.threads,
      1,
    );
    assert.equal(
      chooseThreads([
        { threads: 1, tokensPerSecond: 100 },
        { threads: 2, tokensPerSecond: 190 },
        { threads: 4, tokensPerSecond: 200 },
      ])?.threads,
      2,
    );
    assert.equal(chooseThreads([]), undefined);
  });
});
