// Prompt chunks sized by measured time, and the thread count chosen by measurement.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PromptPace } from '../../src/core/engine/promptPace';
import {
  chooseThreads,
  keepMeasuring,
  MEASUREMENT,
  measurementChunk,
  needsRecalibration,
  threadCandidates,
} from '../../src/core/engine/threadChoice';

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

  test('the timed chunks are about 40 ms of work at the warm-up speed, so a slow model is measured as briefly as a fast one', () => {
    assert.equal(measurementChunk(22), MEASUREMENT.minChunk, 'a 1.5B model on a busy CPU: 4 tokens, not 32 (~1.5 s)');
    assert.equal(measurementChunk(500), 20);
    assert.equal(measurementChunk(8000), MEASUREMENT.maxChunk);
    assert.equal(measurementChunk(0), MEASUREMENT.minChunk);
    assert.equal(measurementChunk(Number.NaN), MEASUREMENT.minChunk);
  });

  test('a candidate is timed on at least one chunk, then while the next one still ends within the budget', () => {
    assert.equal(keepMeasuring(0, 0, 0), true);
    assert.equal(keepMeasuring(500, 500, 0), true, 'a first chunk however slow');
    assert.equal(keepMeasuring(180, 180, 1), false, 'a second 180 ms chunk would end at 360 ms');
    assert.equal(keepMeasuring(150, 40, 4), true);
    assert.equal(keepMeasuring(170, 40, 5), false);
  });
});
