// Simulated time for the replay, with real engine time inside it.
//
// The typist, the pipeline's debounce and its prefetch timers all sleep on this clock. While
// nothing runs, time jumps straight to the next sleep that is due (a 3-second pause costs
// nothing). While the engine works, simulated time runs at the pace of the wall clock: the
// engine's real duration is what the user would wait, so keystrokes that fall due during a slow
// generation do arrive during it and can abort or extend it, as they would in an editor.
// (ManualClock in the completion core only moves when told to, and cannot tell the benchmark
// when its next sleep is due; this clock can.)
import type { Clock } from '../completion/clock';

interface Sleep {
  at: number;
  order: number;
  /** Settles the sleep (and stops listening to its signal). */
  resolve: (fired: boolean) => void;
}

export class VirtualClock implements Clock {
  private base = 0;
  /** performance.now() when real-time mode began; undefined while time stands still. */
  private realSince?: number;
  private realDepth = 0;
  private sleeps: Sleep[] = [];
  private order = 0;

  now(): number {
    return this.realSince === undefined ? this.base : this.base + (performance.now() - this.realSince);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = () => {
        const i = this.sleeps.indexOf(sleep);
        if (i >= 0) this.sleeps.splice(i, 1);
        resolve(false);
      };
      const sleep: Sleep = {
        at: this.now() + ms,
        order: this.order++,
        resolve: (fired) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(fired);
        },
      };
      this.sleeps.push(sleep);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Work that takes real time began (calls nest): time now runs with the wall clock. */
  beginRealTime(): void {
    if (this.realDepth++ === 0) this.realSince = performance.now();
  }

  /** That work ended: time stands still again where it got to. */
  endRealTime(): void {
    if (this.realDepth === 0) return;
    if (--this.realDepth === 0) {
      this.base = this.now();
      this.realSince = undefined;
    }
  }

  get inRealTime(): boolean {
    return this.realDepth > 0;
  }

  /** When the earliest pending sleep is due, if any. */
  nextDueAt(): number | undefined {
    let best: Sleep | undefined;
    for (const s of this.sleeps) if (!best || s.at < best.at || (s.at === best.at && s.order < best.order)) best = s;
    return best?.at;
  }

  /** Wakes every sleep that is due by now, earliest first; returns how many. */
  fireDue(): number {
    const due = this.sleeps.filter((s) => s.at <= this.now()).sort((a, b) => a.at - b.at || a.order - b.order);
    this.sleeps = this.sleeps.filter((s) => !due.includes(s));
    for (const s of due) s.resolve(true);
    return due.length;
  }

  /** While time stands still: jumps to the next due sleep and wakes it (and any due at the same
   * moment). Returns false when nothing is pending. */
  jumpToNext(): boolean {
    if (this.inRealTime) throw new Error('time runs with the wall clock while the engine works');
    const at = this.nextDueAt();
    if (at === undefined) return false;
    this.base = Math.max(this.base, at);
    this.fireDue();
    return true;
  }

  get pending(): number {
    return this.sleeps.length;
  }
}
