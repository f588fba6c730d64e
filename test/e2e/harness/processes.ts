// Process bookkeeping for the harness: the memory the run's processes use, and the extension hosts
// a closed browser window leaves behind.
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';

interface Proc {
  pid: number;
  ppid: number;
  rssKb: number;
  args: string;
}

export function processTable(): Proc[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' });
  return out.split('\n').flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), rssKb: Number(m[3]), args: m[4]! }] : [];
  });
}

/** "node engine.js", "chromium renderer", "node bootstrap-fork extensionHost". */
function describe(args: string): string {
  const [exe = '', ...rest] = args.split(' ');
  const script = rest.find((a) => /\.m?js$|bootstrap-fork$/.test(a));
  const type = /--type=(\S+)/.exec(args)?.[1];
  return [basename(exe), script && basename(script), type].filter(Boolean).join(' ');
}

function descendants(table: Proc[], root: number): Proc[] {
  const children = new Map<number, Proc[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: Proc[] = [];
  const stack = [root];
  while (stack.length) {
    for (const child of children.get(stack.pop()!) ?? []) {
      out.push(child);
      stack.push(child.pid);
    }
  }
  return out;
}

export interface MemoryPeaks {
  /** MiB: code-server with its extension hosts and engines. */
  codeServer: number;
  /** MiB: Chromium. */
  browser: number;
  /** MiB: both, at the same moment. */
  total: number;
  /** The largest kinds of process at the moment of the total peak. */
  largest: string[];
}

/** Samples the resident memory of code-server's process tree (extension hosts and engines included)
 * and of everything else this process started (Chromium) every half second; `stop()` returns the peaks. */
export function watchMemory(codeServerPid: () => number | undefined): { stop(): MemoryPeaks } {
  const peak: MemoryPeaks = { codeServer: 0, browser: 0, total: 0, largest: [] };
  const mib = (kb: number) => Math.round(kb / 1024);
  const sample = () => {
    try {
      const table = processTable();
      const server = codeServerPid();
      const serverTree = server
        ? [table.find((p) => p.pid === server), ...descendants(table, server)].filter((p): p is Proc => Boolean(p))
        : [];
      const serverPids = new Set(serverTree.map((p) => p.pid));
      const others = descendants(table, process.pid).filter((p) => !serverPids.has(p.pid) && !p.args.startsWith('ps '));
      const sum = (ps: Proc[]) => mib(ps.reduce((total, p) => total + p.rssKb, 0));
      const cs = sum(serverTree);
      const browser = sum(others);
      peak.codeServer = Math.max(peak.codeServer, cs);
      peak.browser = Math.max(peak.browser, browser);
      if (cs + browser > peak.total) {
        peak.total = cs + browser;
        const groups = new Map<string, { n: number; kb: number }>();
        for (const p of [...serverTree, ...others]) {
          const g = groups.get(describe(p.args)) ?? { n: 0, kb: 0 };
          groups.set(describe(p.args), { n: g.n + 1, kb: g.kb + p.rssKb });
        }
        peak.largest = [...groups]
          .sort((a, b) => b[1].kb - a[1].kb)
          .slice(0, 5)
          .map(([name, g]) => `${name} ×${g.n} ${mib(g.kb)} MiB`);
      }
    } catch {
      /* ps failed once: skip the sample */
    }
  };
  sample();
  const timer = setInterval(sample, 500);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** Stops the extension hosts (and the engines they started) that code-server keeps for a closed
 * window: it holds them for hours in case the window reconnects, where desktop VS Code would stop
 * them with the window. */
export function stopOrphanedExtensionHosts(codeServerPid: number): number {
  const table = processTable();
  const hosts = descendants(table, codeServerPid).filter((p) => /--type=extensionHost/.test(p.args));
  for (const host of hosts) {
    for (const p of [...descendants(table, host.pid), host]) {
      try {
        process.kill(p.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  }
  return hosts.length;
}

/** The pids of the processes under `rootPid` whose command line matches `pattern`. */
export function processesUnder(rootPid: number, pattern: RegExp): number[] {
  return descendants(processTable(), rootPid)
    .filter((p) => pattern.test(p.args))
    .map((p) => p.pid);
}
