import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRandom } from '../../src/core/bench/random';
import { percentile, ratio, summarize } from '../../src/core/util/statistics';

describe('benchmark statistics', () => {
  test('percentiles are nearest-rank: the smallest sample with at least p% of them at or below it', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    assert.equal(percentile(samples, 50), 50);
    assert.equal(percentile(samples, 99), 99);
    assert.equal(percentile(samples, 100), 100);
    assert.equal(percentile(samples, 1), 1);
    assert.equal(percentile([3, 1, 2], 50), 2);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), 0);
  });

  test('a p99 is the slow tail: one slow sample in a hundred is its p99, not its p50', () => {
    const samples = [...Array.from({ length: 99 }, () => 1), 40];
    assert.equal(percentile(samples, 50), 1);
    assert.equal(percentile(samples, 99), 1);
    assert.equal(percentile([...samples, 40], 99), 40);
  });

  test('does not reorder the samples it is given', () => {
    const samples = [5, 1, 4];
    percentile(samples, 50);
    summarize(samples);
    assert.deepEqual(samples, [5, 1, 4]);
  });

  test('summaries give count, p50, p99, max and mean rounded to hundredths', () => {
    assert.deepEqual(summarize([1, 2, 3, 4.123]), { count: 4, p50: 2, p99: 4.12, max: 4.12, mean: 2.53 });
    assert.deepEqual(summarize([]), { count: 0, p50: 0, p99: 0, max: 0, mean: 0 });
  });

  test('ratios are rounded to thousandths and 0 when there is nothing to divide by', () => {
    assert.equal(ratio(1, 3), 0.333);
    assert.equal(ratio(5, 0), 0);
  });

  test('the seeded generator repeats itself for a seed and stays in its range', () => {
    const a = createRandom(9);
    const b = createRandom(9);
    const xs = Array.from({ length: 1000 }, () => a.next());
    assert.deepEqual(
      Array.from({ length: 1000 }, () => b.next()),
      xs,
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
    assert.notEqual(createRandom(10).next(), xs[0]);
  });
});
