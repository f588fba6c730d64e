// `alembic bench replay --nes`: the next-edit replay (src/core/bench/nesReplay.ts) on each scripted
// edit sequence, with and without input-lookup speculation side by side in one run (the machine is
// shared and noisy, so ratios from one run are what to compare). Each run starts a fresh engine, so
// neither inherits the other's KV cache.
import { NES_SCENARIOS, type NesScenario } from '../core/bench/nesScenarios';
import { replayNes, type NesReplayReport } from '../core/bench/nesReplay';
import { resolveNextEditFamily, type NextEditFormatSetting } from '../core/nes/nesModel';
import { inspectGguf, isGgufCheckError } from '../core/gguf/ggufCheck';
import { tableRow } from '../core/util/format';
import { percentile } from '../core/util/statistics';
import { CliExit, flag, num, parseArgs, requireStr, str, UsageError } from './args';
import { ENGINE_OPTIONS, startEngine } from './engineOptions';

export const NES_BENCH_HELP = `  --nes                   replay next-edit sequences instead of typing (the files are built in:
                          ${NES_SCENARIOS.map((s) => `${s.name}: ${s.description}`).join(';\n                          ')})
                          and report model calls, latency, evaluated tokens, whether each offered
                          edit was the expected one, and tokens/s with and without input lookup
  --scenario <name>       with --nes: one of ${NES_SCENARIOS.map((s) => s.name).join(', ')} (default all; repeat it)
  --lookup <on|off|both>  with --nes: input-lookup speculation (default both, side by side)
  --format <auto|sweep|zeta|instinct>   with --nes: the prompt format (default: from the model)`;

export async function nesBenchCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    ...ENGINE_OPTIONS,
    scenario: { type: 'string', multiple: true },
    lookup: { type: 'string' },
    format: { type: 'string' },
    timeout: { type: 'number' },
    json: { type: 'boolean' },
  });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const model = requireStr(args, 'model');
  const scenarios = scenariosOf((args.options.scenario as string[] | undefined) ?? []);
  const lookup = str(args, 'lookup') ?? 'both';
  if (!['on', 'off', 'both'].includes(lookup)) throw new UsageError('--lookup must be on, off or both');
  const modes = lookup === 'both' ? [true, false] : [lookup === 'on'];
  try {
    await inspectGguf(model);
  } catch (e) {
    if (isGgufCheckError(e)) throw new CliExit(2, `${model}: ${e.message}`);
    throw e;
  }
  const detected = await resolveNextEditFamily(model, (str(args, 'format') ?? 'auto') as NextEditFormatSetting);
  if (!detected.family)
    throw new CliExit(2, `${model} is not a next-edit model: ${detected.reason}. Give --format to say which it is.`);

  const reports: NesReplayReport[] = [];
  for (const scenario of scenarios) {
    for (const inputLookup of modes) {
      const engine = startEngine(args, { nextEdit: true });
      try {
        const loaded = await engine.load();
        const info = loaded.models.nextEdit;
        if (!info) throw new CliExit(1, 'the engine did not load the next-edit model');
        const report = await replayNes(scenario, engine, {
          family: detected.family,
          modelId: info.path,
          inputLookup,
          timeoutMs: num(args, 'timeout'),
        });
        process.stderr.write(
          `${scenario.name} (input lookup ${inputLookup ? 'on' : 'off'}): ${report.offeredExpected} of ` +
            `${report.expectedEdits} expected edits offered, ${report.modelCalls} model calls\n`,
        );
        reports.push(report);
      } finally {
        await engine.dispose();
      }
    }
  }
  if (flag(args, 'json')) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else process.stdout.write(`${formatNesReports(reports)}\n`);
  return reports.every((r) => r.completed && r.offeredUnexpected === 0) ? 0 : 1;
}

function scenariosOf(names: string[]): NesScenario[] {
  if (names.length === 0) return [...NES_SCENARIOS];
  return names.map((name) => {
    const scenario = NES_SCENARIOS.find((s) => s.name === name);
    if (!scenario)
      throw new UsageError(`unknown scenario "${name}"; known: ${NES_SCENARIOS.map((s) => s.name).join(', ')}`);
    return scenario;
  });
}

export function formatNesReports(reports: readonly NesReplayReport[]): string {
  const rows = reports.map((r) => {
    const lat = r.latencyMsOfModelAnswers;
    const latency = lat.length ? `${Math.round(percentile(lat, 50))} / ${Math.round(Math.max(...lat))} ms` : '—';
    const drafts = r.draftTokens ? `${r.acceptedDraftTokens} of ${r.draftTokens}` : '0';
    const wrong = r.offeredUnexpected ? ` (+${r.offeredUnexpected} wrong)` : '';
    return tableRow([
      r.scenario,
      r.inputLookup ? 'on' : 'off',
      `${r.offeredExpected} of ${r.expectedEdits}${wrong}`,
      r.completed ? 'yes' : 'no',
      r.modelCalls,
      r.steps.filter((s) => s.source === 'cache' || s.source === 'rest').length,
      r.promptTokens,
      r.evaluatedTokens,
      r.generatedTokens,
      drafts,
      r.tokensPerSecond.toFixed(1),
      latency,
    ]);
  });
  const lines = [
    tableRow([
      'scenario',
      'input lookup',
      'expected edits offered',
      'file completed',
      'model calls',
      'answered without the model',
      'prompt tokens',
      'evaluated',
      'generated',
      'draft tokens confirmed',
      'tokens/s',
      'latency p50 / max',
    ]),
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ];
  for (const name of new Set(reports.map((r) => r.scenario))) {
    const on = reports.find((r) => r.scenario === name && r.inputLookup);
    const off = reports.find((r) => r.scenario === name && !r.inputLookup);
    if (on && off && off.tokensPerSecond > 0)
      lines.push(
        `${name}: input lookup ${(on.tokensPerSecond / off.tokensPerSecond).toFixed(2)}× the tokens/s without it`,
      );
  }
  return lines.join('\n');
}
