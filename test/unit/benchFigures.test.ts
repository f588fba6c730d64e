import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { settle } from '../../src/core/completion/clock';
import { DeviceMeter } from '../../src/core/bench/deviceMeter';
import { MeteredEngine } from '../../src/core/bench/meteredEngine';
import type { TokenAccounting } from '../../src/core/engine/protocol';
import { pauseFigures, latencyPercentiles } from '../../src/core/bench/figures';
import {
  HARDWARE_PROFILES,
  parseHardwareProfile,
  projectedMs,
  projectedTiming,
} from '../../src/core/bench/hardwareProfiles';
import { VirtualClock } from '../../src/core/bench/virtualClock';

/** Runs the clock's sleeps in order until none is left (nothing real is in flight here). */
async function runClock(clock: VirtualClock): Promise<void> {
  for (;;) {
    await settle();
    if (!clock.jumpToNext()) return;
  }
}

function accounting(evaluatedTokens: number, generatedTokens: number): TokenAccounting {
  return {
    promptTokens: evaluatedTokens,
    evaluatedTokens,
    reusedTokens: 0,
    generatedTokens,
    timeToFirstTokenMs: 1,
    tokensPerSecond: 100,
    totalMs: 10,
  };
}

describe('pause coverage', () => {
  test('counts pauses of 500 ms or more before the next action, covered when the suggestion showed before it ended', () => {
    const keys = [
      { at: 0, shownAt: 50 }, // next key at 100: no pause
      { at: 100 }, // 800 ms pause, nothing shown
      { at: 900, shownAt: 1300 }, // 1100 ms pause (until the switch at 2000), shown after 400 ms
      { at: 3000, shownAt: 3900 }, // 600 ms pause (until a switch at 3600), the suggestion came after it
      { at: 4000, shownAt: 4100 }, // the last key: the typist is done, not pausing
    ];
    const actions = [0, 100, 900, 2000, 3000, 3600, 4000];
    const figures = pauseFigures(keys, actions);
    assert.equal(figures.pauses, 3);
    assert.equal(figures.covered, 1);
    assert.deepEqual(figures.latencyMs, [400]);
  });

  test('latency percentiles are nearest-rank over the covered pauses', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(latencyPercentiles(samples), { p50: 50, p90: 90, p99: 99 });
    assert.deepEqual(latencyPercentiles([]), { p50: 0, p90: 0, p99: 0 });
  });
});

describe('--sim-hw profiles', () => {
  test('gpu and laptop-cpu are a 1.5B Q8 model at 6000/150 and 300/25 tokens per second, and any speeds can be given', () => {
    assert.equal(HARDWARE_PROFILES.gpu!.promptTokensPerSecond, 6000);
    assert.equal(HARDWARE_PROFILES.gpu!.generatedTokensPerSecond, 150);
    assert.equal(parseHardwareProfile('laptop-cpu').promptTokensPerSecond, 300);
    assert.equal(parseHardwareProfile('laptop-cpu').generatedTokensPerSecond, 25);
    const custom = parseHardwareProfile('custom:8000/200');
    assert.deepEqual(
      [custom.name, custom.promptTokensPerSecond, custom.generatedTokensPerSecond],
      ['custom', 8000, 200],
    );
    for (const bad of ['tpu', 'custom:0/10', 'custom:100', 'custom:a/b'])
      assert.throws(() => parseHardwareProfile(bad), RangeError, bad);
  });

  test('a call takes its evaluated tokens at the prompt speed plus its generated tokens at the generation speed', () => {
    assert.equal(projectedMs(HARDWARE_PROFILES.gpu!, { evaluated: 600, generated: 15 }), 200);
    assert.equal(projectedMs(HARDWARE_PROFILES['laptop-cpu']!, { evaluated: 300, generated: 25 }), 2000);
  });
});

describe('the device meter', () => {
  const work = () => ({ evaluated: 600, generated: 15 }); // 200 ms on the gpu profile

  test('projected: time stands still during the real work, then the call takes its projected time', async () => {
    const clock = new VirtualClock();
    const device = new DeviceMeter(clock, projectedTiming(HARDWARE_PROFILES.gpu!));
    let release!: () => void;
    const real = new Promise<void>((r) => (release = r));
    const call = device.run(() => real.then(() => 'done'), work);
    assert.equal(device.busy, true);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(clock.now(), 0, 'no simulated time passes while the real work runs');
    release();
    await settle();
    assert.equal(device.busy, false);
    await runClock(clock);
    assert.deepEqual(await call, { result: 'done', finished: true });
    assert.equal(clock.now(), 200);
    assert.equal(device.busyWithin(0, 1000), 200);
  });

  test('projected: one call at a time, and a call aborted during its projection frees the device at once', async () => {
    const clock = new VirtualClock();
    const device = new DeviceMeter(clock, projectedTiming(HARDWARE_PROFILES.gpu!));
    const ends: number[] = [];
    const a = device.run(async () => 'a', work).then((r) => ends.push(clock.now()) && r);
    const b = device.run(async () => 'b', work).then((r) => ends.push(clock.now()) && r);
    await runClock(clock);
    await Promise.all([a, b]);
    assert.deepEqual(ends, [200, 400], 'the second waits for the first');

    const stop = new AbortController();
    const c = device.run(async () => 'c', work, stop.signal);
    await settle();
    void clock.sleep(50).then(() => stop.abort());
    const d = device.run(async () => 'd', work);
    await runClock(clock);
    assert.equal((await c).finished, false);
    assert.equal((await d).finished, true);
    assert.equal(device.busyWithin(400, 2000), 50 + 200, 'c worked 50 ms, d its 200 ms');
  });

  test('projected: a streamed answer reaches the strategy token by token at the projected times, and not after an abort', async () => {
    const clock = new VirtualClock();
    const device = new DeviceMeter(clock, projectedTiming(HARDWARE_PROFILES['laptop-cpu']!));
    const heard: Array<[string, number]> = [];
    const meter = new MeteredEngine(
      {
        async complete(_params, _signal, onPartial) {
          for (const text of ['a', 'ab', 'abc']) onPartial?.({ text, generatedTokens: text.length });
          return { text: 'abcd', stopReason: 'eos', replayed: false, accounting: accounting(30, 4) };
        },
      },
      device,
    );
    const params = { segments: [{ text: 'x' }], maxTokens: 8, timeoutMs: 1000 };
    const call = meter.complete(params, new AbortController().signal, (p) => heard.push([p.text, clock.now()]));
    await runClock(clock);
    assert.equal((await call).text, 'abcd');
    // 30 tokens at 300 per second, then 40 ms per generated token.
    assert.deepEqual(heard, [
      ['a', 140],
      ['ab', 180],
      ['abc', 220],
    ]);
    assert.equal(clock.now(), 260);

    const stop = new AbortController();
    heard.length = 0;
    const stopped = meter.complete(params, stop.signal, (p) => heard.push([p.text, clock.now()]));
    void clock.sleep(150).then(() => stop.abort()); // 150 ms into the second call's projection
    await runClock(clock);
    assert.equal((await stopped).stopReason, 'abort');
    assert.deepEqual(heard, [['a', 400]], 'what the aborted call would have written later never arrives');
  });

  test('wall: simulated time runs with the wall clock while the real work runs', async () => {
    const clock = new VirtualClock();
    const device = new DeviceMeter(clock);
    const { finished } = await device.run(
      () => new Promise((r) => setTimeout(r, 30)),
      () => undefined,
    );
    assert.equal(finished, true);
    assert.ok(clock.now() >= 25, `${clock.now()} ms`);
    assert.ok(device.busyWithin(0, clock.now()) >= 25);
  });
});
