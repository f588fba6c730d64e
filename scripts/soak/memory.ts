// The soak's process sampling: every few seconds, the resident memory of each VS Code window's
// extension host and of the Alembic engine it started, and which engine processes exist, so the
// report can give memory growth per process and count engine restarts (a new engine pid under the
// same extension host).
import { execFileSync } from 'node:child_process';

interface Proc {
  pid: number;
  ppid: number;
  rssKb: number;
  args: string;
}

export interface HostSample {
  /** Seconds since the soak began. */
  t: number;
  hostPid: number;
  hostMiB: number;
  /** The engine under this host (0 when none runs at that moment). */
  enginePid: number;
  engineMiB: number;
}

function processTable(): Proc[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' });
  return out.split('\n').flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), rssKb: Number(m[3]), args: m[4]! }] : [];
  });
}

function descendants(table: Proc[], root: number): Proc[] {
  const out: Proc[] = [];
  const stack = [root];
  while (stack.length) {
    const parent = stack.pop()!;
    for (const p of table) {
      if (p.ppid !== parent) continue;
      out.push(p);
      stack.push(p.pid);
    }
  }
  return out;
}

const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** One sample of every extension host under code-server and its engine. */
export function sampleHosts(codeServerPid: number, t: number): HostSample[] {
  const table = processTable();
  const hosts = descendants(table, codeServerPid).filter((p) => /--type=extensionHost/.test(p.args));
  return hosts.map((host) => {
    const engine = descendants(table, host.pid).find((p) => /\bdist\/engine\.js\b/.test(p.args));
    return {
      t,
      hostPid: host.pid,
      hostMiB: mib(host.rssKb),
      enginePid: engine?.pid ?? 0,
      engineMiB: engine ? mib(engine.rssKb) : 0,
    };
  });
}

export interface ProcessGrowth {
  /** Median of the samples in the first and in the last measuring minute, and the largest one. */
  startMiB: number;
  endMiB: number;
  peakMiB: number;
}

export interface HostReport {
  hostPid: number;
  host: ProcessGrowth;
  engine: ProcessGrowth;
  /** Engine processes seen under this host beyond the first. */
  engineRestarts: number;
  enginePids: number[];
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function growth(samples: HostSample[], pick: (s: HostSample) => number, from: number, to: number): ProcessGrowth {
  const values = samples.map(pick).filter((v) => v > 0);
  const window = (a: number, b: number) =>
    samples
      .filter((s) => s.t >= a && s.t <= b)
      .map(pick)
      .filter((v) => v > 0);
  return {
    startMiB: median(window(from, from + 60)),
    endMiB: median(window(to - 60, to)),
    peakMiB: values.length ? Math.max(...values) : 0,
  };
}

/** Growth per extension host from `from` (the end of the warm-up) to `to`, in seconds. */
export function reportHosts(samples: HostSample[], from: number, to: number): HostReport[] {
  const byHost = new Map<number, HostSample[]>();
  for (const s of samples) byHost.set(s.hostPid, [...(byHost.get(s.hostPid) ?? []), s]);
  return [...byHost].map(([hostPid, own]) => {
    const enginePids = [...new Set(own.map((s) => s.enginePid).filter((p) => p > 0))];
    return {
      hostPid,
      host: growth(own, (s) => s.hostMiB, from, to),
      engine: growth(own, (s) => s.engineMiB, from, to),
      engineRestarts: Math.max(0, enginePids.length - 1),
      enginePids,
    };
  });
}
