// The soak's arithmetic (scripts/soak/memory.ts): growth per process between the first and the
// last measuring minute, and engine restarts counted as new engine pids under one extension host.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reportHosts, type HostSample } from '../../scripts/soak/memory';

const sample = (t: number, hostPid: number, hostMiB: number, enginePid: number, engineMiB: number): HostSample => ({
  t,
  hostPid,
  hostMiB,
  enginePid,
  engineMiB,
});

describe('the soak report', () => {
  test('gives each host the median memory of the first and last minute after the warm-up, and the peak', () => {
    const samples: HostSample[] = [];
    for (let t = 0; t <= 600; t += 5)
      samples.push(sample(t, 10, t < 60 ? 500 : 300 + t / 10, 11, 200 + (t > 300 ? 50 : 0)));
    const [host] = reportHosts(samples, 60, 600);
    assert.equal(host!.host.startMiB, 309); // t = 90 is the middle of 60..120
    assert.equal(host!.host.endMiB, 357); // t = 570
    assert.equal(host!.host.peakMiB, 500); // the warm-up counts for the peak only
    assert.equal(host!.engine.startMiB, 200);
    assert.equal(host!.engine.endMiB, 250);
    assert.equal(host!.engineRestarts, 0);
  });

  test('counts a new engine pid under the same host as a restart, and keeps hosts apart', () => {
    const samples = [
      sample(0, 10, 300, 11, 200),
      sample(5, 20, 300, 21, 200),
      sample(10, 10, 300, 0, 0),
      sample(15, 10, 300, 12, 190),
      sample(20, 20, 300, 21, 200),
    ];
    const hosts = reportHosts(samples, 0, 20);
    assert.deepEqual(
      hosts.map((h) => [h.hostPid, h.engineRestarts, h.enginePids]),
      [
        [10, 1, [11, 12]],
        [20, 0, [21]],
      ],
    );
  });
});
