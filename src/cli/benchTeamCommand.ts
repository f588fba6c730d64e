// `alembic bench team --endpoint <url> --users N --duration S --file <path>… [--json]`: N simulated
// editors type at once against one server (src/core/remote/teamLoad.ts). --users takes a list
// (1,4,16): the counts run one after another in one invocation, so the per-user p99 of each can
// be set against the single user's on the same machine in the same minute.
import { resolve, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { languageIdFor } from '../core/bench/languages';
import type { TypistFile } from '../core/bench/typist';
import { createServerBackend } from '../core/remote/createBackend';
import { LlamaServerBackend } from '../core/remote/llamaServerBackend';
import type { ServerBackend } from '../core/remote/serverBackend';
import { runTeamLoad, type TeamLoadResult } from '../core/remote/teamLoad';
import { tableRow } from '../core/util/format';
import { CliExit, flag, num, parseArgs, str, UsageError } from './args';
import { readInput } from './completeCommand';
import { openServer, serverConfig, serverExit, SERVER_OPTIONS } from './serverOptions';

export const BENCH_TEAM_HELP = `usage: alembic bench team --endpoint <url> --users <n[,n…]> --duration <s> --file <path>… [options]
  N simulated editors type the files at once, in real time, each through its own completion
  pipeline and connection (its own llama-server slot), against one server (start llama-server
  with --parallel N). Reports per-user pause latency p50/p99, prompt tokens evaluated per
  keystroke, the share of time the server had work, and fairness (spread of per-user p99).
  --users <n[,n…]>        simulated users; a list runs each count in turn (default 1,4)
  --duration <s>          seconds of typing per count (default 30)
  --file <path>           a file to type (repeat; users share them, in different places)
  --chars <n>             characters per typed region (default 400)
  --pause-ms <ms>         a gap before the next key this long counts as a pause (default 600)
  --seed <n>              seed of the typing rhythm (default 1)
  --json                  print the report as JSON
  and the server options: --endpoint, --backend, --model, --api-key-file, --fim-template`;

export interface TeamRun {
  users: number;
  result: TeamLoadResult;
  /** The server's own count of prompt tokens evaluated during the run (llama-server --metrics). */
  serverEvaluated?: number;
  /** Times a user's editor moved to another slot because another editor shared its slot. */
  slotMoves?: number;
}

export async function benchTeamCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    ...SERVER_OPTIONS,
    model: { type: 'string' },
    'context-size': { type: 'number' },
    users: { type: 'string' },
    duration: { type: 'number' },
    file: { type: 'string', multiple: true },
    chars: { type: 'number' },
    'pause-ms': { type: 'number' },
    seed: { type: 'number' },
    json: { type: 'boolean' },
  });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  if (!str(args, 'endpoint')) throw new UsageError('--endpoint <url> is required');
  const counts = (str(args, 'users') ?? '1,4').split(',').map((s) => Number(s.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 256))
    throw new UsageError('--users takes whole numbers from 1 to 256, e.g. 1,4,16');
  const durationS = num(args, 'duration') ?? 30;
  if (!(durationS > 0)) throw new UsageError('--duration must be a positive number of seconds');
  const files = readFiles((args.options.file as string[] | undefined) ?? []);
  const config = serverConfig(args);
  const { backend: probe, facts } = await openServer(args, 'completion');
  const model = probe.completionModel(facts);
  const runs: TeamRun[] = [];
  // The pipelines' timers do not keep Node alive (they must not keep a CLI waiting); the run must.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    for (const users of counts) {
      if (probe instanceof LlamaServerBackend) await probe.eraseSlots().catch(() => false);
      const before = probe instanceof LlamaServerBackend ? await probe.counters().catch(() => undefined) : undefined;
      const backends: ServerBackend[] = [];
      for (let i = 0; i < users; i++) backends.push(createServerBackend(config));
      try {
        // Each user's backend learns the model's tokens itself (as each editor would).
        await Promise.all(backends.map((b) => b.probe('completion'))).catch(serverExit);
        process.stderr.write(`${users} user(s): typing for ${durationS} s…\n`);
        const result = await runTeamLoad({
          users,
          durationMs: durationS * 1000,
          files,
          chars: num(args, 'chars') ?? 400,
          seed: num(args, 'seed') ?? 1,
          pauseMs: num(args, 'pause-ms') ?? 600,
          model,
          engineFor: (i) => backends[i]!,
        });
        const after = probe instanceof LlamaServerBackend ? await probe.counters().catch(() => undefined) : undefined;
        const slotMoves = backends.reduce((a, b) => a + (b instanceof LlamaServerBackend ? b.slotMoves : 0), 0);
        runs.push({
          users,
          result,
          ...(before && after && { serverEvaluated: after.evaluated - before.evaluated }),
          ...(probe instanceof LlamaServerBackend && { slotMoves }),
        });
      } finally {
        backends.forEach((b) => b.dispose());
      }
    }
  } finally {
    clearInterval(keepAlive);
    probe.dispose();
  }
  const header = `${facts.name} on ${probe.kind} at ${probe.endpoint.host}${facts.slots ? ` (${facts.slots} slots)` : ''}, ${durationS} s per run`;
  if (flag(args, 'json'))
    process.stdout.write(`${JSON.stringify({ server: header, model: facts.name, runs }, null, 2)}\n`);
  else process.stdout.write(`${formatTeamRuns(header, runs)}\n`);
  return runs.some((r) => r.result.users.some((u) => u.errors > 0)) ? 1 : 0;
}

function readFiles(paths: string[]): TypistFile[] {
  if (paths.length === 0) throw new UsageError('at least one --file is required');
  return paths.map((path) => {
    const text = readInput(path);
    if (text.trim().length === 0) throw new CliExit(2, `${path} is empty`);
    const absolute = resolve(path);
    return {
      uri: pathToFileURL(absolute).href,
      languageId: languageIdFor(path),
      relativePath: relative(process.cwd(), absolute),
      text,
    };
  });
}

/** The runs as a table, with each count's per-user p99 set against the single user's. */
export function formatTeamRuns(header: string, runs: TeamRun[]): string {
  const single = runs.find((r) => r.users === 1)?.result.fairness.p99Max;
  const ms = (n: number) => `${Math.round(n)}`;
  const rows = runs.map(({ users, result: r, serverEvaluated }) => {
    const perUser = `${ms(r.fairness.p99Min)}–${ms(r.fairness.p99Max)} ms (×${r.fairness.spread.toFixed(2)})`;
    const versus = single ? `×${(r.fairness.p99Max / single).toFixed(2)}` : '—';
    const byServer =
      serverEvaluated !== undefined ? ` (server ${(serverEvaluated / Math.max(1, r.keystrokes)).toFixed(1)})` : '';
    const evaluated = `${r.evaluatedPerKeystroke.toFixed(1)}${byServer}`;
    const modelCalls = r.users.reduce((a, u) => a + u.modelCalls, 0);
    const errors = r.users.reduce((a, u) => a + u.errors, 0);
    const pauses = `${ms(r.pauses.p50)} / ${ms(r.pauses.p99)} ms (${r.pauses.late} late of ${r.pauses.count})`;
    const busy = `${Math.round(r.busyShare * 100)}%`;
    return tableRow([users, r.keystrokes, modelCalls, evaluated, pauses, perUser, versus, busy, errors]);
  });
  return [
    header,
    '',
    tableRow([
      'users',
      'keys',
      'model calls',
      'evaluated tokens / key',
      'pause latency p50 / p99',
      'per-user p99 min–max (spread)',
      'worst p99 ÷ 1 user',
      'server busy',
      'errors',
    ]),
    '|---:|---:|---:|---:|---|---|---:|---:|---:|',
    ...rows,
  ].join('\n');
}
