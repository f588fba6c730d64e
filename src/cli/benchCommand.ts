// `alembic bench replay`: measures completion efficiency by replaying a person typing real files
// through a completion strategy on a real device (src/core/bench has the typist, the strategies
// and the simulated clock; benchRun.ts runs one strategy). Each strategy gets a freshly started
// engine or llama-server, so none inherits another's KV cache.
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WALL_TIMING, type DeviceTiming } from '../core/bench/deviceMeter';
import { parseHardwareProfile, projectedTiming, SIM_HW_HELP } from '../core/bench/hardwareProfiles';
import { languageIdFor } from '../core/bench/languages';
import { formatReports, type BenchReport } from '../core/bench/report';
import { STRATEGY_NAMES, type StrategyName } from '../core/bench/strategies';
import { splitLines, type TypistFile } from '../core/bench/typist';
import { CliExit, flag, num, parseArgs, str, UsageError, type ParsedArgs } from './args';
import { resolveServer, runStrategy } from './benchRun';
import { readInput } from './completeCommand';
import { BENCH_WINDOWS_HELP, benchWindows } from './benchWindows';
import { BENCH_TEAM_HELP, benchTeamCommand } from './benchTeamCommand';
import { ENGINE_HELP, ENGINE_OPTIONS } from './engineOptions';
import { SERVER_HELP, SERVER_OPTIONS, usesServer } from './serverOptions';
import { NES_BENCH_HELP, nesBenchCommand } from './nesBench';

export const DEFAULT_BENCH_CHARS = 400;

export const BENCH_HELP = `usage: alembic bench replay --model <file.gguf> --file <path> [--file <path>…] [options]
  Replays a person typing each file (a seeded rhythm with pauses, auto-indent, auto-closed
  brackets, autosave 1 s after the last key, a switch to the next file and back, Tab on
  suggestions that match) through a completion strategy on a real device, in simulated time,
  and reports evaluated prompt tokens and model calls per keystroke, the device's busy share of
  the typing time, how often a suggestion shows at pauses and how soon, reuse and overhead.
  --strategy <name>       alembic (default), naive, sliding, llama.vscode, or all; repeat to compare
                            alembic       the extension's completion pipeline
                            naive         the full prompt on every keystroke, nothing reused
                            sliding       llama.vscode's window (256 lines above, 64 below) per
                                          keystroke on Alembic's engine, reusing its KV cache
                            llama.vscode  llama.vscode's own client against a real llama-server
                                          (built by npm run build-llama-server)
  --sim-hw <profile>      project latencies onto a user's hardware from the tokens each call really
                          evaluated and generated: ${SIM_HW_HELP};
                          default: this machine's wall clock
  --accept <mode>         exact (default: Tab only on a suggestion that is right) or oracle:<p>
                          (each model answer is, with probability p, the file's true continuation)
  --from-line <n>         first line typed in each file, 1-based (default 1)
  --chars <n>             characters typed per file, rounded up to whole lines (default ${DEFAULT_BENCH_CHARS})
  --seed <n>              seed of the typing rhythm (default 1)
  --llama-server <path>   the llama-server binary for llama.vscode (default: the one built by
                          npm run build-llama-server; or set ALEMBIC_LLAMA_SERVER)
  --server-url <url>      use a llama-server that is already running instead of starting one
  --server-context <n>    llama-server's --ctx-size (default 0: the model's own, as llama.vscode
                          recommends); for a test model standing in for a model with a longer
                          context, give that one (the server is told the model has it)
  --quiet-editor          only the typing's own edits and cursor moves reach the strategy (no
                          autosaves, file switches or scrolls)
  --partial-after-ms <n>  Alembic's completion.partialAfterMs: a suggestion still being written n ms
                          after its key shows its first words (default 400; 0: finished ones only)
  --json                  print the report as JSON (an array with several strategies)
${NES_BENCH_HELP}
${ENGINE_HELP}
${SERVER_HELP}
  (with --endpoint, alembic, naive and sliding run on that server; llama.vscode still starts its own)

${BENCH_TEAM_HELP}

${BENCH_WINDOWS_HELP}`;

export async function benchCommand(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === 'team') return benchTeamCommand(rest);
  if (kind === 'replay' && rest.includes('--nes')) return nesBenchCommand(rest.filter((a) => a !== '--nes'));
  if (kind === 'windows') return benchWindows(rest);
  if (kind !== 'replay')
    throw new UsageError(
      kind
        ? `unknown benchmark "${kind}"; there are: replay, team, windows`
        : 'which benchmark? there are: replay, team, windows',
    );
  const args = parseArgs(rest, {
    ...ENGINE_OPTIONS,
    ...SERVER_OPTIONS,
    file: { type: 'string', multiple: true },
    strategy: { type: 'string', multiple: true },
    'from-line': { type: 'number' },
    chars: { type: 'number' },
    seed: { type: 'number' },
    'sim-hw': { type: 'string' },
    accept: { type: 'string' },
    'llama-server': { type: 'string' },
    'server-url': { type: 'string' },
    'server-context': { type: 'number' },
    'quiet-editor': { type: 'boolean' },
    'partial-after-ms': { type: 'number' },
    json: { type: 'boolean' },
  });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const strategies = strategiesOf(args);
  const fromLine = num(args, 'from-line') ?? 1;
  const chars = num(args, 'chars') ?? DEFAULT_BENCH_CHARS;
  const seed = num(args, 'seed') ?? 1;
  if (!Number.isInteger(fromLine) || fromLine < 1) throw new UsageError('--from-line must be a line number from 1');
  if (!Number.isInteger(chars) || chars < 1) throw new UsageError('--chars must be a positive whole number');
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be a whole number');
  const serverContext = num(args, 'server-context');
  if (serverContext !== undefined && (!Number.isInteger(serverContext) || serverContext < 0))
    throw new UsageError("--server-context must be a whole number of tokens (0: the model's own)");
  // The engine strategies run on --endpoint's server without a model file; llama.vscode starts
  // its own llama-server and so needs one.
  if (!str(args, 'model') && (!usesServer(args) || strategies.includes('llama.vscode')))
    throw new UsageError('--model <file.gguf> is required');
  const partialAfterMs = num(args, 'partial-after-ms');
  if (partialAfterMs !== undefined && !(Number.isInteger(partialAfterMs) && partialAfterMs >= 0))
    throw new UsageError('--partial-after-ms must be a whole number of milliseconds (0: only finished suggestions)');
  const timing = timingOf(args);
  const oracle = oracleOf(args);
  const files = readFiles(args, fromLine);
  // Before any model loads: a missing llama-server is known at once.
  if (strategies.includes('llama.vscode')) resolveServer(args);

  const reports: BenchReport[] = [];
  for (const name of strategies) {
    const report = await runStrategy(name, args, {
      files,
      fromLine,
      chars,
      seed,
      timing,
      oracle,
      quietEditor: flag(args, 'quiet-editor'),
      settings: partialAfterMs === undefined ? undefined : { partialAfterMs },
    });
    process.stderr.write(
      `${name}: ${report.keystrokes} keystrokes, ${report.modelCalls} model calls, replayed in ${(report.wallMs / 1000).toFixed(1)} s\n`,
    );
    reports.push(report);
  }
  if (flag(args, 'json'))
    process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`);
  else process.stdout.write(`${formatReports(reports)}\n`);
  return reports.some((r) => r.errors > 0 || r.backgroundErrors > 0 || !r.intact) ? 1 : 0;
}

function strategiesOf(args: ParsedArgs): StrategyName[] {
  const given = (args.options.strategy as string[] | undefined) ?? ['alembic'];
  const names = given.flatMap((s) => String(s).split(',')).map((s) => s.trim());
  const out: StrategyName[] = [];
  for (const name of names) {
    if (name === 'all') out.push(...STRATEGY_NAMES);
    else if ((STRATEGY_NAMES as readonly string[]).includes(name)) out.push(name as StrategyName);
    else throw new UsageError(`--strategy must be one of ${STRATEGY_NAMES.join(', ')} or all, got "${name}"`);
  }
  return [...new Set(out)];
}

function timingOf(args: ParsedArgs): DeviceTiming {
  const spec = str(args, 'sim-hw');
  if (spec === undefined) return WALL_TIMING;
  try {
    return projectedTiming(parseHardwareProfile(spec));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function oracleOf(args: ParsedArgs): number | undefined {
  const spec = str(args, 'accept');
  if (spec === undefined || spec === 'exact') return undefined;
  const m = /^oracle:(\d*\.?\d+)$/.exec(spec);
  const p = m ? Number(m[1]) : NaN;
  if (!(p >= 0 && p <= 1))
    throw new UsageError(`--accept must be exact or oracle:<p> with p from 0 to 1, got "${spec}"`);
  return p;
}

function readFiles(args: ParsedArgs, fromLine: number): TypistFile[] {
  const paths = (args.options.file as string[] | undefined) ?? [];
  if (paths.length === 0) throw new UsageError('at least one --file is required');
  return paths.map((path) => {
    const text = readInput(path);
    const lineCount = splitLines(text).length;
    if (fromLine > lineCount) throw new CliExit(2, `--from-line ${fromLine} is outside ${path} (lines 1–${lineCount})`);
    const absolute = resolve(path);
    // Workspace-relative inside the current folder; outside it the model sees what the extension
    // shows for a file outside the workspace (the uri's last segments).
    const inside = relative(process.cwd(), absolute);
    return {
      uri: pathToFileURL(absolute).href,
      languageId: languageIdFor(path),
      ...(inside.startsWith('..') || isAbsolute(inside) ? {} : { relativePath: inside }),
      text,
    };
  });
}
