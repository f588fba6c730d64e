// The figures a replay reports as users feel them, computed from what the replay recorded:
// when each key was pressed and when its suggestion showed, when the typist did something else,
// and when the device was busy.
import { percentile } from '../util/statistics';

/** A pause of at least this long is one where a user looks for a suggestion. */
export const PAUSE_MS = 500;

/** One keystroke (Tab included) and, when one showed, when its suggestion appeared, and when
 * the whole of it did (later when it first showed as its first words). */
export interface KeyRecord {
  at: number;
  shownAt?: number;
  wholeAt?: number;
}

export interface PauseFigures {
  /** Pauses of at least PAUSE_MS after a key, before the typist's next action. */
  pauses: number;
  /** Those at which the key's suggestion showed before the pause ended. */
  covered: number;
  /** Key-to-ghost latencies at the covered pauses, simulated ms. */
  latencyMs: number[];
}

export function emptyPauses(): PauseFigures {
  return { pauses: 0, covered: 0, latencyMs: [] };
}

/**
 * The pauses in one file's typing: after each key but the last, the time until the next action
 * (`actions`: every key and anything else that ends a pause, such as switching to another file,
 * in time order). A pause is covered when the suggestion for the key that began it showed before
 * it ended; its latency is the time from that key to the suggestion.
 */
export function pauseFigures(
  keys: readonly KeyRecord[],
  actions: readonly number[],
  into = emptyPauses(),
): PauseFigures {
  let next = 0;
  for (const key of keys) {
    while (next < actions.length && actions[next]! <= key.at) next++;
    const end = actions[next];
    if (end === undefined) break; // the file's last key: the typist is done, not pausing
    if (end - key.at < PAUSE_MS) continue;
    into.pauses++;
    if (key.shownAt !== undefined && key.shownAt <= end) {
      into.covered++;
      into.latencyMs.push(key.shownAt - key.at);
    }
  }
  return into;
}

export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
}

export function latencyPercentiles(samples: readonly number[]): LatencyPercentiles {
  return {
    p50: Math.round(percentile(samples, 50)),
    p90: Math.round(percentile(samples, 90)),
    p99: Math.round(percentile(samples, 99)),
  };
}

/** Share of `part` in `whole`, rounded to 0.001 (0 when there is no whole). */
export function share(part: number, whole: number): number {
  return whole <= 0 ? 0 : Math.round((part / whole) * 1000) / 1000;
}

/** a / b rounded to 0.01 (per-keystroke figures). */
export function perKey(total: number, keys: number): number {
  return keys === 0 ? 0 : Math.round((total / keys) * 100) / 100;
}
