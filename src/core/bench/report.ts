// The benchmark's report: what a replay measured, as JSON fields and as a table for people.
// The primary figure is evaluated prompt tokens per keystroke (what the device really computed
// for the typist), then model calls per keystroke; latency is reported per keystroke and at the
// pauses where a user looks for a suggestion.
import type { EngineTotals } from './meteredEngine';
import { latencyPercentiles, perKey, share, type LatencyPercentiles, type PauseFigures } from './figures';
import type { OracleStats } from './oracle';
import type { EditorEventCounts, FileReplay, ReplayResult } from './replay';
import { percentile, ratio, summarize } from '../util/statistics';
import type { BenchStrategy, StrategyName } from './strategies';

export interface BenchMeta {
  model: string;
  modelPath: string;
  backend: string;
  contextSize: number;
  seed: number;
  chars: number;
  /** 1-based. */
  fromLine: number;
  /** Model loading time, ms. */
  loadMs: number;
  /** "wall" or the --sim-hw projection's label. */
  timing: string;
  /** "exact" (Tab only on a suggestion that is right) or "oracle:<p>". */
  accept: string;
  /** The server behind the strategy, when there is one (llama-server's version and flags). */
  server?: string;
}

export interface BenchReport extends Omit<BenchMeta, 'loadMs'> {
  strategy: StrategyName;
  files: FileReplay[];
  keystrokes: number;
  /** Provider calls: one per keystroke, Tab included (every document change at the cursor). */
  requests: number;
  /** Completion calls to the model (prefetches included). */
  modelCalls: number;
  /** Background prompt evaluations (no generation): Alembic's prefills, llama.vscode's ring updates. */
  prefills: number;
  cacheHits: number;
  typedAheadHits: number;
  inFlightReuses: number;
  prefetches: number;
  /** Model calls that ended aborted. */
  aborted: number;
  shown: number;
  acceptances: number;
  acceptedChars: number;
  /** Sum of the lengths of the prompts sent (device accounting). */
  promptTokens: number;
  /** Sum of the prompt tokens evaluated (device accounting; for naive, promptTokens by definition). */
  evaluatedTokens: number;
  /** What the device itself reports as evaluated (differs from evaluatedTokens only for naive). */
  engineEvaluatedTokens: number;
  reusedTokens: number;
  generatedTokens: number;
  /** Of evaluatedTokens, what prefills (Alembic) or ring updates (llama.vscode) evaluated. */
  prefillEvaluatedTokens: number;
  /** Prompt tokens one model call evaluated: the distribution over calls. */
  evaluatedPerCall: { p50: number; p90: number; max: number };
  /** Evaluated prompt tokens per keystroke: the primary figure. */
  evaluatedPerKey: number;
  /** Model calls per keystroke. */
  modelCallRatio: number;
  evaluatedRatio: number;
  /** Share of the typing time (first to last key of each file) during which the device worked. */
  busyShare: number;
  /** Pauses of 500 ms or more after a key, how many had the key's suggestion showing, and its latency there. */
  pauses: { count: number; covered: number; coverage: number; latencyMs: LatencyPercentiles };
  /** The same pauses, covered when the whole suggestion showed (not only its first words). */
  wholePauses: { count: number; covered: number; coverage: number; latencyMs: LatencyPercentiles };
  overheadMs: { p50: number; p99: number; max: number };
  /** Keystroke-to-suggestion latency of every suggestion shown. */
  latencyMs: { p50: number; p99: number; max: number };
  events: EditorEventCounts;
  /** Extra-context snippets (chunks) held at the end. */
  snippets: number;
  /** Suggestions first shown as their first words (the rest followed when written). */
  partialShows: number;
  oracle?: OracleStats;
  /** Typing time simulated, and the wall-clock time the replay took. */
  simulatedMs: number;
  typingMs: number;
  wallMs: number;
  engineMs: number;
  loadMs: number;
  errors: number;
  firstError?: string;
  /** Failed background requests (llama.vscode's fire-and-forget requests). */
  backgroundErrors: number;
  /** The typist's documents ended equal to the files. */
  intact: boolean;
  note: string;
}

export function buildReport(
  strategy: BenchStrategy,
  run: ReplayResult,
  totals: EngineTotals,
  meta: BenchMeta,
  oracle?: OracleStats,
): BenchReport {
  const counters = strategy.counters();
  const evaluatedTokens = strategy.evaluatesWholePrompt ? totals.promptTokens : totals.evaluatedTokens;
  const overhead = summarize(strategy.overheadMs);
  const latency = summarize(run.latencyMs);
  return {
    strategy: strategy.name,
    ...meta,
    files: run.files,
    keystrokes: run.keystrokes,
    requests: run.requests,
    modelCalls: totals.completeCalls,
    prefills: totals.prefills,
    cacheHits: counters.cacheHits,
    typedAheadHits: counters.typedAheadHits,
    inFlightReuses: counters.inFlightReuses,
    prefetches: counters.prefetches,
    aborted: totals.abortedCalls,
    shown: run.shown,
    acceptances: run.acceptances,
    acceptedChars: run.acceptedChars,
    promptTokens: totals.promptTokens,
    evaluatedTokens,
    engineEvaluatedTokens: totals.evaluatedTokens,
    reusedTokens: totals.reusedTokens,
    generatedTokens: totals.generatedTokens,
    prefillEvaluatedTokens: totals.prefillEvaluatedTokens,
    evaluatedPerCall: {
      p50: Math.round(percentile(totals.callEvaluated, 50)),
      p90: Math.round(percentile(totals.callEvaluated, 90)),
      max: Math.max(0, ...totals.callEvaluated),
    },
    evaluatedPerKey: perKey(evaluatedTokens, run.keystrokes),
    modelCallRatio: ratio(totals.completeCalls, run.keystrokes),
    evaluatedRatio: ratio(evaluatedTokens, totals.promptTokens),
    busyShare: share(run.busyMs, run.typingMs),
    pauses: pauseSummary(run.pauses),
    wholePauses: pauseSummary(run.wholePauses),
    overheadMs: { p50: overhead.p50, p99: overhead.p99, max: overhead.max },
    latencyMs: { p50: Math.round(latency.p50), p99: Math.round(latency.p99), max: Math.round(latency.max) },
    events: run.events,
    snippets: counters.snippets ?? 0,
    partialShows: counters.partialShows ?? 0,
    ...(oracle ? { oracle: { ...oracle } } : {}),
    simulatedMs: run.simulatedMs,
    typingMs: Math.round(run.typingMs),
    wallMs: run.wallMs,
    engineMs: Math.round(totals.engineMs),
    errors: run.errors,
    ...(run.firstError ? { firstError: run.firstError } : {}),
    backgroundErrors: counters.backgroundErrors ?? 0,
    intact: run.intact,
    note: strategy.note,
  };
}

const COLUMNS: Array<[string, (r: BenchReport) => string]> = [
  ['strategy', (r) => r.strategy],
  ['keys', (r) => String(r.keystrokes)],
  ['eval tok/key', (r) => r.evaluatedPerKey.toFixed(1)],
  ['calls/key', (r) => r.modelCallRatio.toFixed(2)],
  ['eval/prompt', (r) => percent(r.evaluatedRatio)],
  ['busy', (r) => percent(r.busyShare)],
  ['pauses shown', (r) => `${r.pauses.covered}/${r.pauses.count} ${percent(r.pauses.coverage)}`],
  ['pause p50/p90/p99', (r) => `${r.pauses.latencyMs.p50}/${r.pauses.latencyMs.p90}/${r.pauses.latencyMs.p99} ms`],
  ['key p50/p99', (r) => `${r.latencyMs.p50}/${r.latencyMs.p99} ms`],
  ['hits c/t/f', (r) => `${r.cacheHits}/${r.typedAheadHits}/${r.inFlightReuses}`],
  ['prefetch', (r) => String(r.prefetches)],
  ['aborted', (r) => String(r.aborted)],
  ['accepted', (r) => String(r.acceptances)],
  ['overhead p50/p99', (r) => `${r.overheadMs.p50}/${r.overheadMs.p99} ms`],
];

/** One row per report, aligned columns. */
export function formatTable(reports: readonly BenchReport[]): string {
  const rows = [COLUMNS.map(([h]) => h), ...reports.map((r) => COLUMNS.map(([, get]) => get(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/** Alembic next to each other strategy of the same run: the ratios the benchmark is for. */
export function formatComparisons(reports: readonly BenchReport[]): string {
  const alembic = reports.find((r) => r.strategy === 'alembic');
  if (!alembic) return '';
  return reports
    .filter((r) => r !== alembic)
    .map((r) => {
      const times = (a: number, b: number) => (b === 0 ? '—' : `${(a / b).toFixed(2)}×`);
      const evaluated = evaluatedPerKeyRatio(alembic, r);
      return (
        `alembic vs ${r.strategy}: evaluated tokens per key ${evaluated === undefined ? '—' : `${(evaluated * 100).toFixed(1)}%`} of its;` +
        ` model calls per key ${alembic.modelCallRatio.toFixed(2)} vs ${r.modelCallRatio.toFixed(2)};` +
        ` pauses shown ${percent(alembic.pauses.coverage)} vs ${percent(r.pauses.coverage)};` +
        ` pause latency p50 ${times(alembic.pauses.latencyMs.p50, r.pauses.latencyMs.p50)},` +
        ` p99 ${times(alembic.pauses.latencyMs.p99, r.pauses.latencyMs.p99)}`
      );
    })
    .join('\n');
}

/** Evaluated tokens per keystroke of `a` as a share of `b`'s (unrounded). */
export function evaluatedPerKeyRatio(a: BenchReport, b: BenchReport): number | undefined {
  if (a.keystrokes === 0 || b.keystrokes === 0 || b.evaluatedTokens === 0) return undefined;
  return a.evaluatedTokens / a.keystrokes / (b.evaluatedTokens / b.keystrokes);
}

/** The table with what was replayed above it and how long it took below. */
export function formatReports(reports: readonly BenchReport[]): string {
  const first = reports[0];
  if (!first) return '';
  const files = first.files
    .map((f) => `  ${f.path}: lines ${f.firstLine}–${f.lastLine}, ${f.typedChars} characters`)
    .join('\n');
  const servers = [...new Set(reports.flatMap((r) => (r.server ? [`  llama.vscode on ${r.server}`] : [])))];
  const head =
    `${first.model}, seed ${first.seed}; ` +
    `latency: ${first.timing === 'wall' ? 'wall clock of this machine' : first.timing}; accept: ${first.accept}\n` +
    [files, ...servers].join('\n');
  const foot = reports
    .map(
      (r) =>
        `${r.strategy} (${r.backend}, context ${r.contextSize}): ${Math.round(r.simulatedMs / 1000)} s ` +
        `of typing replayed in ${(r.wallMs / 1000).toFixed(1)} s (device ` +
        `${(r.engineMs / 1000).toFixed(1)} s)` +
        `; ${r.modelCalls} model calls, ${r.prefills} prefills, ${r.evaluatedTokens} of ${r.promptTokens} prompt tokens evaluated` +
        ` (${r.prefillEvaluatedTokens} by prefills; per call p50/p90/max ` +
        `${r.evaluatedPerCall.p50}/${r.evaluatedPerCall.p90}/${r.evaluatedPerCall.max}), ` +
        `${r.generatedTokens} generated` +
        `; ${r.events.save} saves, ${r.events.switch} editor switches, ${r.snippets} snippets held` +
        (r.partialShows
          ? `; ${r.partialShows} suggestions shown first as their first words, the whole suggestion at ` +
            `${r.wholePauses.covered}/${r.wholePauses.count} pauses ${percent(r.wholePauses.coverage)}, p50/p90/p99 ` +
            `${r.wholePauses.latencyMs.p50}/${r.wholePauses.latencyMs.p90}/${r.wholePauses.latencyMs.p99} ms`
          : '') +
        (r.oracle ? `; oracle replaced ${r.oracle.replaced} of ${r.oracle.draws} answers` : '') +
        `${r.errors ? `; ${r.errors} errors, first: ${r.firstError}` : ''}` +
        `${r.backgroundErrors ? `; ${r.backgroundErrors} background requests failed` : ''}` +
        `${r.intact ? '' : '; WARNING: the typed documents differ from the files'}`,
    )
    .join('\n');
  const comparisons = formatComparisons(reports);
  return (
    `${head}\n\n${formatTable(reports)}\n\n${comparisons ? `${comparisons}\n\n` : ''}${foot}\n` +
    '(eval tok/key: prompt tokens evaluated per keystroke; pauses shown: pauses of 500 ms or more with the suggestion showing; ' +
    'pause/key latency: from the key to the suggestion; hits c/t/f: cache, typed-ahead, in-flight reuse)'
  );
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function pauseSummary(p: PauseFigures): BenchReport['pauses'] {
  return {
    count: p.pauses,
    covered: p.covered,
    coverage: share(p.covered, p.pauses),
    latencyMs: latencyPercentiles(p.latencyMs),
  };
}
