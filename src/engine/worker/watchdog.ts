// The engine's watchdog: a worker thread that keeps running when the engine's main thread cannot
// (a chat template that never finishes rendering blocks it in synchronous JavaScript, where no
// timer, IPC 'disconnect' event or cap can fire). It
//   - kills the process when the parent is gone (the parent pid changed or no longer exists), so a
//     killed editor never leaves an engine spinning at full CPU with a model in memory;
//   - reports a blocked main thread on stderr (written with a direct fd write: a worker's
//     process.stderr goes through the blocked main thread), naming what the main thread was doing,
//     so the client that gives up on the engine can say why;
//   - kills the process when the main thread stays blocked for `stallKillMs`: nothing can recover
//     it, and the client restarts the engine on the next request.
// The main thread beats a shared counter; the activity label travels in shared memory too.
import { Worker } from 'node:worker_threads';
import { ENGINE_WATCHDOG_PREFIX } from '../../core/engine/protocol';

export interface WatchdogOptions {
  parentPid: number;
  /** Report a blocked main thread after this long, then every few seconds. */
  stallReportMs: number;
  /** Kill the process after the main thread was blocked this long (0 = never). */
  stallKillMs: number;
}

export interface Watchdog {
  /** What the main thread is about to do, for the report if it blocks ("rendering the chat template of x.gguf"). */
  setActivity(label: string): void;
  stop(): void;
}

const ACTIVITY_BYTES = 512;

// Plain JavaScript run with `eval: true`: the watchdog imports nothing from the bundle.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { parentPid, stallReportMs, stallKillMs, beat, activity, prefix } = workerData;
const beats = new Int32Array(beat);
const text = new Uint8Array(activity);
const lengths = new Int32Array(beat, 4, 1);
let lastBeat = Atomics.load(beats, 0);
let lastChange = Date.now();
let lastReport = 0;
const say = (line) => { try { writeSync(2, prefix + ' ' + line + '\\n'); } catch {} };
const doing = () => {
  const n = Math.min(Atomics.load(lengths, 0), text.length);
  return Buffer.from(text.slice(0, n)).toString('utf8') || 'handling a request';
};
function parentGone() {
  if (process.ppid !== parentPid) return true;
  try { process.kill(parentPid, 0); return false; } catch (e) { return e.code === 'ESRCH'; }
}
setInterval(() => {
  const now = Date.now();
  if (parentGone()) {
    say('the parent process ' + parentPid + ' is gone; the engine exits.');
    process.kill(process.pid, 'SIGKILL');
  }
  const b = Atomics.load(beats, 0);
  if (b !== lastBeat) { lastBeat = b; lastChange = now; return; }
  const stalled = now - lastChange;
  if (stalled >= stallReportMs && now - lastReport >= Math.max(stallReportMs, 5000)) {
    lastReport = now;
    say('the main thread has been blocked for ' + Math.round(stalled / 1000) + ' s while ' + doing() + '.');
  }
  if (stallKillMs > 0 && stalled >= stallKillMs) {
    say('the main thread was blocked for ' + Math.round(stalled / 1000) + ' s while ' + doing() + '; the engine exits.');
    process.kill(process.pid, 'SIGKILL');
  }
}, 250);
`;

export function startWatchdog(options: WatchdogOptions): Watchdog {
  const beat = new SharedArrayBuffer(8);
  const activity = new SharedArrayBuffer(ACTIVITY_BYTES);
  const beats = new Int32Array(beat, 0, 1);
  const length = new Int32Array(beat, 4, 1);
  const text = new Uint8Array(activity);
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { ...options, beat, activity, prefix: ENGINE_WATCHDOG_PREFIX },
  });
  worker.unref(); // the watchdog never keeps the engine alive
  const heart = setInterval(() => Atomics.add(beats, 0, 1), 100);
  heart.unref();
  return {
    setActivity(label: string) {
      const bytes = Buffer.from(label, 'utf8').subarray(0, ACTIVITY_BYTES);
      text.set(bytes);
      Atomics.store(length, 0, bytes.length);
    },
    stop() {
      clearInterval(heart);
      void worker.terminate();
    },
  };
}
