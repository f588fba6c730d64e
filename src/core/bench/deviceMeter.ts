// How long the device (Alembic's engine process, or llama-server) takes, on the replay's simulated
// clock. Two timings:
//   wall       while real work runs, simulated time runs with the wall clock: what this machine
//              takes is what the typist waits, and keys that fall due meanwhile arrive meanwhile;
//   projected  (--sim-hw) while real work runs, simulated time stands still; then the work takes
//              the time a user's hardware would need for the tokens it really evaluated and
//              generated, on one device that serves one call at a time (a call waits for the one
//              before it). A call aborted during its projected time frees the device at once.
// Either way the meter keeps the device's busy intervals in simulated time, for the busy share.
import type { VirtualClock } from './virtualClock';

/** Tokens one call really evaluated and generated (what a projection is computed from). */
export interface DeviceWork {
  evaluated: number;
  generated: number;
}

export type DeviceTiming =
  | { kind: 'wall' }
  | {
      kind: 'projected';
      /** Simulated duration of a call's work. */
      durationMs: (work: DeviceWork) => number;
      /** Shown in the report, e.g. "sim-hw gpu (6000 / 150 tok/s)". */
      label: string;
    };

export const WALL_TIMING: DeviceTiming = { kind: 'wall' };

export class DeviceMeter {
  /** Simulated [start, end) intervals during which the device worked. */
  private readonly intervals: Array<[number, number]> = [];
  private running = 0;
  private runningSince = 0;
  private idle: Array<() => void> = [];
  /** Projected timing: when the device finishes the last call queued on it. */
  private freeAt = 0;

  constructor(
    readonly clock: VirtualClock,
    readonly timing: DeviceTiming = WALL_TIMING,
  ) {}

  /** True while real work is in flight (whoever drives the clock must wait for it). */
  get busy(): boolean {
    return this.running > 0;
  }

  /** True when simulated time runs with the wall clock during real work. */
  get wallTime(): boolean {
    return this.timing.kind === 'wall';
  }

  /** Resolves when no real work is in flight. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /**
   * Runs `job` as device work. With projected timing, once it returns, the call takes its projected
   * time (after the calls queued before it); `signal` aborting meanwhile ends it, and `finished` is
   * then false. `work` says what the job's result cost; undefined = nothing to project (an error).
   * `milestones` (projected timing) are moments within the call, such as a streamed answer's text
   * after its k-th token: each is delivered at the projected time of the work done by then, unless
   * the call was aborted before.
   */
  async run<T>(
    job: () => Promise<T>,
    work: (result: T) => DeviceWork | undefined,
    signal?: AbortSignal,
    milestones: (result: T) => ReadonlyArray<{ work: DeviceWork; deliver: () => void }> = () => [],
  ): Promise<{ result: T; finished: boolean }> {
    const result = await this.real(job);
    if (this.timing.kind === 'wall') return { result, finished: true };
    const cost = work(result);
    if (!cost) return { result, finished: true };
    const now = this.clock.now();
    const start = Math.max(now, this.freeAt);
    const end = start + Math.max(0, this.timing.durationMs(cost));
    this.freeAt = end;
    void this.deliverInTurn(milestones(result), start, end, signal);
    const finished = await this.clock.sleep(end - now, signal);
    if (finished) this.addBusy(start, end);
    else {
      const stopped = this.clock.now();
      if (this.freeAt === end) this.freeAt = Math.max(start, stopped);
      if (stopped > start) this.addBusy(start, stopped);
    }
    return { result, finished };
  }

  /** Delivers a call's milestones at their projected times, one sleep at a time (a call may have
   * hundreds), until the call is aborted. */
  private async deliverInTurn(
    milestones: ReadonlyArray<{ work: DeviceWork; deliver: () => void }>,
    start: number,
    end: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (this.timing.kind !== 'projected') return;
    for (const m of milestones) {
      const at = Math.min(end, start + Math.max(0, this.timing.durationMs(m.work)));
      if (!(await this.clock.sleep(at - this.clock.now(), signal))) return;
      m.deliver();
    }
  }

  /** Simulated milliseconds the device worked within [from, to). */
  busyWithin(from: number, to: number): number {
    let total = 0;
    let covered = from; // intervals may overlap: count each moment once
    for (const [start, end] of [...this.intervals].sort((x, y) => x[0] - y[0])) {
      const a = Math.max(start, covered);
      const b = Math.min(end, to);
      if (b > a) total += b - a;
      covered = Math.max(covered, Math.min(end, to));
    }
    return total;
  }

  /** Real work: marked before the first await, so whoever drives the clock sees it at once. */
  private async real<T>(job: () => Promise<T>): Promise<T> {
    if (this.running++ === 0) {
      this.runningSince = this.clock.now();
      if (this.wallTime) this.clock.beginRealTime();
    }
    try {
      return await job();
    } finally {
      if (--this.running === 0) {
        if (this.wallTime) {
          this.clock.endRealTime();
          this.addBusy(this.runningSince, this.clock.now());
        }
        this.idle.splice(0).forEach((resolve) => resolve());
      }
    }
  }

  private addBusy(start: number, end: number): void {
    if (end > start) this.intervals.push([start, end]);
  }
}
