// `alembic bench replay`: measures completion efficiency by replaying a person typing real files
// through a completion strategy on the real engine (src/core/bench has the typist, the strategies
// and the simulated clock). Each strategy gets a freshly started engine, so none inherits
// another's KV cache.
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { languageIdFor } from '../core/bench/languages';
import { MeteredEngine } from '../core/bench/meteredEngine';
import { replay } from '../core/bench/replay';
import { buildReport, formatReports, type BenchReport } from '../core/bench/report';
import { createStrategy, STRATEGY_NAMES, type StrategyName } from '../core/bench/strategies';
import { splitLines, type TypistFile } from '../core/bench/typist';
import { VirtualClock } from '../core/bench/virtualClock';
import { CliExit, flag, num, parseArgs, UsageError, type ParsedArgs } from './args';
import { localCompletion, readInput } from './completeCommand';
import { ENGINE_HELP, ENGINE_OPTIONS } from './engineOptions';
import { openServerCompletion, SERVER_HELP, SERVER_OPTIONS, usesServer } from './serverOptions';
import { BENCH_TEAM_HELP, benchTeamCommand } from './benchTeamCommand';

export const DEFAULT_BENCH_CHARS = 400;

export const BENCH_HELP = `usage: alembic bench replay --model <file.gguf> --file <path> [--file <path>…] [options]
  Replays a person typing each file (a seeded rhythm with pauses, auto-indent, auto-closed
  brackets, Tab on suggestions that match) through a completion strategy and the real engine, in
  simulated time where the engine's real durations count, and reports model calls, prompt tokens
  sent and evaluated, reuse, pipeline overhead and latency.
  --strategy <name>       alembic (default), naive, sliding, or all; repeat it to compare
                            alembic  the extension's completion pipeline
                            naive    the full prompt on every keystroke, nothing reused
                            sliding  llama.vscode's request (256 lines above, 64 below) per
                                     keystroke, reusing the engine's KV cache like cache_prompt
  --from-line <n>         first line typed in each file, 1-based (default 1)
  --chars <n>             characters typed per file, rounded up to whole lines (default ${DEFAULT_BENCH_CHARS})
  --seed <n>              seed of the typing rhythm (default 1)
  --json                  print the report as JSON (an array with several strategies)
${ENGINE_HELP}
${SERVER_HELP}

${BENCH_TEAM_HELP}`;

export async function benchCommand(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === 'team') return benchTeamCommand(rest);
  if (kind !== 'replay')
    throw new UsageError(
      kind ? `unknown benchmark "${kind}"; there are: replay, team` : 'which benchmark? there are: replay, team',
    );
  const args = parseArgs(rest, {
    ...ENGINE_OPTIONS,
    ...SERVER_OPTIONS,
    file: { type: 'string', multiple: true },
    strategy: { type: 'string', multiple: true },
    'from-line': { type: 'number' },
    chars: { type: 'number' },
    seed: { type: 'number' },
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
  const files = readFiles(args, fromLine);

  const reports: BenchReport[] = [];
  for (const name of strategies) {
    const report = await runStrategy(name, args, files, { fromLine, chars, seed });
    process.stderr.write(
      `${name}: ${report.keystrokes} keystrokes, ${report.modelCalls} model calls, replayed in ${(report.wallMs / 1000).toFixed(1)} s\n`,
    );
    reports.push(report);
  }
  if (flag(args, 'json'))
    process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`);
  else process.stdout.write(`${formatReports(reports)}\n`);
  return reports.some((r) => r.errors > 0 || !r.intact) ? 1 : 0;
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

function readFiles(args: ParsedArgs, fromLine: number): TypistFile[] {
  const paths = (args.options.file as string[] | undefined) ?? [];
  if (paths.length === 0) throw new UsageError('at least one --file is required');
  return paths.map((path) => {
    const text = readInput(path);
    const lineCount = splitLines(text).length;
    if (fromLine > lineCount) throw new CliExit(2, `--from-line ${fromLine} is outside ${path} (lines 1–${lineCount})`);
    const absolute = resolve(path);
    return {
      uri: pathToFileURL(absolute).href,
      languageId: languageIdFor(path),
      relativePath: relative(process.cwd(), absolute),
      text,
    };
  });
}

async function runStrategy(
  name: StrategyName,
  args: ParsedArgs,
  files: TypistFile[],
  o: { fromLine: number; chars: number; seed: number },
): Promise<BenchReport> {
  const started = performance.now();
  const target = usesServer(args)
    ? await openServerCompletion(args, { freshSlots: true })
    : await localCompletion(args);
  const loadMs = Math.round(performance.now() - started);
  const serverBefore = await target.serverEvaluated?.();
  const clock = new VirtualClock();
  const metered = new MeteredEngine(target.engine, { clock });
  const strategy = createStrategy(name, {
    engine: metered,
    model: target.model,
    clock,
    bustToken: target.endToken,
  });
  try {
    const run = await replay({
      files,
      fromLine: o.fromLine - 1,
      chars: o.chars,
      seed: o.seed,
      strategy,
      engine: metered,
      clock,
    });
    const serverAfter = await target.serverEvaluated?.();
    if (serverBefore !== undefined && serverAfter !== undefined)
      process.stderr.write(
        `${name}: the server counted ${serverAfter - serverBefore} prompt tokens evaluated (its /metrics), the replay ${metered.totals.evaluatedTokens}\n`,
      );
    return buildReport(strategy, run, metered.totals, {
      model: target.name,
      modelPath: target.modelPath,
      backend: target.backend,
      contextSize: target.contextSize,
      seed: o.seed,
      chars: o.chars,
      fromLine: o.fromLine,
      loadMs,
    });
  } finally {
    strategy.dispose();
    await target.dispose();
  }
}
