// `alembic bench windows`: what N editor windows cost in engine processes, resident memory and GPU
// memory, with an engine of their own each (as before the shared engine) against the one shared
// engine, side by side in one run, plus one window alone as the baseline. Each window is an
// EngineClient that loads the model and answers one completion, as a window does when it opens.
// The shared run uses a runtime folder of its own, so it never attaches to the user's running engine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineClient } from '../engine/client/engineClient';
import { sharedPaths } from '../engine/shared/rendezvous';
import { flag, num, parseArgs, UsageError } from './args';
import { ENGINE_OPTIONS, startEngine } from './engineOptions';

export const BENCH_WINDOWS_HELP = `usage: alembic bench windows --model <file.gguf> [--n 3] [--json] [engine options]
  Opens N windows' engines (each loads the model and answers a completion): first one window
  alone, then N with an engine each, then N on the one shared engine, and reports the engine
  processes, their resident memory (RSS, summed) and the GPU memory they took.
  --n <count>             windows (default 3)
  --json                  print the figures as JSON
  (and the engine options above)`;

export interface WindowsRun {
  layout: 'one window' | 'separate' | 'shared';
  windows: number;
  engineProcesses: number;
  /** The engine processes' resident memory, summed: what holds the model. */
  residentBytes: number;
  /** The shared engine's host (a small Node process without the model); 0 with engines of their own. */
  hostResidentBytes: number;
  gpuBytes: number;
}

export async function benchWindows(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { ...ENGINE_OPTIONS, n: { type: 'number' }, json: { type: 'boolean' } });
  const n = num(args, 'n') ?? 3;
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new UsageError('--n must be a whole number from 1 to 16');
  const open = (count: number, shared?: { dir: string }) =>
    Array.from({ length: count }, (_, i) =>
      startEngine(
        args,
        { completion: true, chat: true },
        shared
          ? {
              shared: {
                paths: sharedPaths(shared.dir),
                hostPath: join(__dirname, 'engineHost.js'),
                version: 'bench',
                label: `bench window ${i + 1}`,
                idleExitMs: 1000,
              },
            }
          : {},
      ),
    );
  const runs: WindowsRun[] = [];
  runs.push(await measure('one window', open(1)));
  runs.push(await measure('separate', open(n)));
  const dir = mkdtempSync(join(tmpdir(), 'alb-'));
  try {
    runs.push(await measure('shared', open(n, { dir })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (flag(args, 'json')) process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
  else process.stdout.write(`${formatWindows(runs)}\n`);
  return 0;
}

async function measure(layout: WindowsRun['layout'], clients: EngineClient[]): Promise<WindowsRun> {
  try {
    const freeBefore = (await clients[0]!.status()).gpu.vramFreeBytes;
    // One after another, as windows open: each finds what the earlier ones started.
    for (const client of clients) {
      await client.load();
      await client.complete({
        segments: [{ text: 'function add(a, b) {\n  return ' }],
        maxTokens: 8,
        timeoutMs: 120_000,
      });
    }
    const pids = [...new Set(clients.map((c) => c.pid).filter((p): p is number => !!p))];
    const status = await clients[0]!.status();
    // A shared engine's parent is its host; an own engine's parent is this process.
    const hosts = [...new Set(pids.map(parentOf))].filter((p) => p > 0 && p !== process.pid);
    return {
      layout,
      windows: clients.length,
      engineProcesses: pids.length,
      residentBytes: pids.reduce((sum, pid) => sum + residentBytesOf(pid), 0),
      hostResidentBytes: hosts.reduce((sum, pid) => sum + residentBytesOf(pid), 0),
      gpuBytes: Math.max(0, freeBefore - status.gpu.vramFreeBytes),
    };
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
  }
}

/** A process's resident memory, from /proc (Linux); 0 where it cannot be read. */
function residentBytesOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number {
  try {
    return Number(
      readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ')[1],
    );
  } catch {
    return 0;
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export function formatWindows(runs: WindowsRun[]): string {
  const one = runs.find((r) => r.layout === 'one window');
  const lines = ['layout      windows  engine processes  resident memory  ×one window  GPU memory  host'];
  for (const r of runs) {
    const ratio = one && one.residentBytes > 0 ? `${(r.residentBytes / one.residentBytes).toFixed(2)}×` : '—';
    const cells = [
      r.layout.padEnd(12),
      String(r.windows).padStart(7),
      String(r.engineProcesses).padStart(18),
      mib(r.residentBytes).padStart(17),
      ratio.padStart(13),
      mib(r.gpuBytes).padStart(12),
      (r.hostResidentBytes ? mib(r.hostResidentBytes) : '—').padStart(9),
    ];
    lines.push(cells.join(''));
  }
  lines.push(
    "(resident memory: the engine processes, which hold the model; host: the shared engine's host process, which holds none)",
  );
  return lines.join('\n');
}
