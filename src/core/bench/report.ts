// The benchmark's report: what a replay measured, as JSON fields and as a table for people.
import type { EngineTotals } from './meteredEngine';
import type { FileReplay, ReplayResult } from './replay';
import { ratio, summarize } from '../util/statistics';
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
}

export interface BenchReport extends Omit<BenchMeta, 'loadMs'> {
  strategy: StrategyName;
  files: FileReplay[];
  keystrokes: number;
  /** Provider calls: one per keystroke, Tab included (every document change at the cursor). */
  requests: number;
  /** Completion calls to the engine (prefetches included). */
  modelCalls: number;
  /** Background prompt evaluations (no generation). */
  prefills: number;
  cacheHits: number;
  typedAheadHits: number;
  inFlightReuses: number;
  prefetches: number;
  /** Engine calls that ended aborted. */
  aborted: number;
  shown: number;
  acceptances: number;
  acceptedChars: number;
  /** Sum of the lengths of the prompts sent (engine accounting). */
  promptTokens: number;
  /** Sum of the prompt tokens evaluated (engine accounting; for naive, promptTokens by definition). */
  evaluatedTokens: number;
  /** What the engine itself reports as evaluated (differs from evaluatedTokens only for naive). */
  engineEvaluatedTokens: number;
  reusedTokens: number;
  generatedTokens: number;
  evaluatedRatio: number;
  modelCallRatio: number;
  overheadMs: { p50: number; p99: number; max: number };
  latencyMs: { p50: number; p99: number; max: number };
  /** Typing time simulated, and the wall-clock time the replay took. */
  simulatedMs: number;
  wallMs: number;
  engineMs: number;
  loadMs: number;
  errors: number;
  firstError?: string;
  /** The typist's documents ended equal to the files. */
  intact: boolean;
  note: string;
}

export function buildReport(
  strategy: BenchStrategy,
  run: ReplayResult,
  totals: EngineTotals,
  meta: BenchMeta,
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
    ...counters,
    aborted: totals.abortedCalls,
    shown: run.shown,
    acceptances: run.acceptances,
    acceptedChars: run.acceptedChars,
    promptTokens: totals.promptTokens,
    evaluatedTokens,
    engineEvaluatedTokens: totals.evaluatedTokens,
    reusedTokens: totals.reusedTokens,
    generatedTokens: totals.generatedTokens,
    evaluatedRatio: ratio(evaluatedTokens, totals.promptTokens),
    modelCallRatio: ratio(totals.completeCalls, run.keystrokes),
    overheadMs: { p50: overhead.p50, p99: overhead.p99, max: overhead.max },
    latencyMs: { p50: Math.round(latency.p50), p99: Math.round(latency.p99), max: Math.round(latency.max) },
    simulatedMs: run.simulatedMs,
    wallMs: run.wallMs,
    engineMs: Math.round(totals.engineMs),
    errors: run.errors,
    ...(run.firstError ? { firstError: run.firstError } : {}),
    intact: run.intact,
    note: strategy.note,
  };
}

const COLUMNS: Array<[string, (r: BenchReport) => string]> = [
  ['strategy', (r) => r.strategy],
  ['keys', (r) => String(r.keystrokes)],
  ['calls', (r) => String(r.modelCalls)],
  ['calls/keys', (r) => percent(r.modelCallRatio)],
  ['prompt tok', (r) => String(r.promptTokens)],
  ['evaluated', (r) => String(r.evaluatedTokens)],
  ['eval/prompt', (r) => percent(r.evaluatedRatio)],
  ['hits c/t/f', (r) => `${r.cacheHits}/${r.typedAheadHits}/${r.inFlightReuses}`],
  ['aborted', (r) => String(r.aborted)],
  ['accepted', (r) => String(r.acceptances)],
  ['overhead p50/p99', (r) => `${r.overheadMs.p50}/${r.overheadMs.p99} ms`],
  ['latency p50/p99', (r) => `${r.latencyMs.p50}/${r.latencyMs.p99} ms`],
];

/** One row per report, aligned columns. */
export function formatTable(reports: readonly BenchReport[]): string {
  const rows = [COLUMNS.map(([h]) => h), ...reports.map((r) => COLUMNS.map(([, get]) => get(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
    .join('\n');
}

/** The table with what was replayed above it and how long it took below. */
export function formatReports(reports: readonly BenchReport[]): string {
  const first = reports[0];
  if (!first) return '';
  const files = first.files
    .map((f) => `  ${f.path}: lines ${f.firstLine}–${f.lastLine}, ${f.typedChars} characters`)
    .join('\n');
  const head = `${first.model} on ${first.backend}, context ${first.contextSize}, seed ${first.seed}\n${files}`;
  const foot = reports
    .map(
      (r) =>
        `${r.strategy}: ${Math.round(r.simulatedMs / 1000)} s of typing replayed in ${(r.wallMs / 1000).toFixed(1)} s (engine ${(r.engineMs / 1000).toFixed(1)} s)` +
        `${r.errors ? `; ${r.errors} errors, first: ${r.firstError}` : ''}${r.intact ? '' : '; WARNING: the typed documents differ from the files'}`,
    )
    .join('\n');
  return `${head}\n\n${formatTable(reports)}\n\n${foot}\n(hits c/t/f: cache, typed-ahead, in-flight reuse)`;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
