// One strategy's replay for `alembic bench replay`: the device it runs on (a freshly started
// engine process, or a freshly started llama-server, so none inherits another's KV cache), the
// meter, the oracle, the strategy, the replay and its report.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DeviceMeter, type DeviceTiming } from '../core/bench/deviceMeter';
import { InfillClient } from '../core/bench/infillClient';
import { contextOverride, llamaServerBinary, startLlamaServer, type LlamaServer } from '../core/bench/llamaServer';
import { llamaVscodeServerFlags } from '../core/bench/llamaVscode/request';
import { LlamaVscodeStrategy } from '../core/bench/llamaVscode/llamaVscodeStrategy';
import { MeteredEngine } from '../core/bench/meteredEngine';
import { Oracle, OracleEngine } from '../core/bench/oracle';
import { replay } from '../core/bench/replay';
import { buildReport, type BenchMeta, type BenchReport } from '../core/bench/report';
import {
  createStrategy,
  type BenchStrategy,
  type EngineStrategyName,
  type StrategyName,
} from '../core/bench/strategies';
import type { TypistFile } from '../core/bench/typist';
import { VirtualClock } from '../core/bench/virtualClock';
import { inspectGguf } from '../core/gguf/ggufCheck';
import { CliExit, num, str, type ParsedArgs } from './args';
import type { CompletionSettings } from '../core/completion/completionSettings';
import { localCompletion } from './completeCommand';
import { openServerCompletion, usesServer } from './serverOptions';

export interface RunSettings {
  files: TypistFile[];
  fromLine: number;
  chars: number;
  seed: number;
  timing: DeviceTiming;
  /** Oracle probability, when --accept oracle:<p>. */
  oracle?: number;
  /** --quiet-editor: no saves, file switches or scrolls reach the strategy. */
  quietEditor?: boolean;
  /** Pipeline settings the options change (--partial-after-ms). */
  settings?: Partial<CompletionSettings>;
}

/** The build script of this checkout (from dist/cli.js, or from src/cli when run from source). */
export const BUILD_SCRIPT =
  [join(__dirname, '..', 'scripts'), join(__dirname, '..', '..', 'scripts')]
    .map((dir) => join(dir, 'build-llama-server.sh'))
    .find((path) => existsSync(path)) ?? join(__dirname, '..', 'scripts', 'build-llama-server.sh');

/** Where llama.vscode's server comes from: a running one (--server-url) or the built binary. */
export function resolveServer(args: ParsedArgs): { url: string } | { binary: string } {
  const url = str(args, 'server-url');
  if (url) {
    if (!/^https?:\/\/[^\s/]+/.test(url)) throw new CliExit(2, `--server-url must be an http(s) address, got "${url}"`);
    return { url: url.replace(/\/+$/, '') };
  }
  const given = str(args, 'llama-server');
  if (given !== undefined) {
    if (!existsSync(given)) throw new CliExit(2, `--llama-server ${given}: no such file`);
    return { binary: given };
  }
  const binary = llamaServerBinary(BUILD_SCRIPT);
  if (!binary)
    throw new CliExit(
      2,
      'the llama.vscode strategy needs a llama-server: run `npm run build-llama-server` (builds it once from ' +
        "node-llama-cpp's bundled llama.cpp, 15–35 min on 2 cores), or pass --llama-server <path> or --server-url <url>",
    );
  return { binary };
}

export async function runStrategy(name: StrategyName, args: ParsedArgs, o: RunSettings): Promise<BenchReport> {
  return name === 'llama.vscode' ? runLlamaVscode(args, o) : runOnEngine(name, args, o);
}

async function runOnEngine(name: EngineStrategyName, args: ParsedArgs, o: RunSettings): Promise<BenchReport> {
  const started = performance.now();
  // Alembic's engine, or with --endpoint a server backend (its KV caches emptied first).
  const target = usesServer(args)
    ? await openServerCompletion(args, { freshSlots: true })
    : await localCompletion(args);
  const loadMs = Math.round(performance.now() - started);
  const serverBefore = await target.serverEvaluated?.();
  const clock = new VirtualClock();
  const device = new DeviceMeter(clock, o.timing);
  const metered = new MeteredEngine(target.engine, device);
  const oracle = o.oracle === undefined ? undefined : new Oracle(o.oracle, o.seed);
  const fim = target.model.fim;
  const strategy = createStrategy(name, {
    engine: oracle && fim ? new OracleEngine(metered, oracle, fim) : metered,
    model: target.model,
    clock,
    bustToken: target.endToken,
    settings: o.settings,
  });
  try {
    const report = await replayWith(strategy, metered, device, clock, oracle, o, {
      model: target.name,
      modelPath: target.modelPath,
      backend: target.backend,
      contextSize: target.contextSize,
      loadMs,
    });
    const serverAfter = await target.serverEvaluated?.();
    if (serverBefore !== undefined && serverAfter !== undefined)
      process.stderr.write(
        `${name}: the server counted ${serverAfter - serverBefore} prompt tokens evaluated (its /metrics), the replay ${metered.totals.evaluatedTokens}\n`,
      );
    return report;
  } finally {
    strategy.dispose();
    await target.dispose();
  }
}

async function runLlamaVscode(args: ParsedArgs, o: RunSettings): Promise<BenchReport> {
  const model = str(args, 'model')!;
  const summary = await inspectGguf(model);
  if (!summary.fim)
    throw new CliExit(2, `${model} has no fill-in-the-middle tokens: llama-server cannot /infill with it`);
  const source = resolveServer(args);
  const started = performance.now();
  let server: LlamaServer | undefined;
  let description: string;
  if ('url' in source) {
    description = `the llama-server at ${source.url}`;
  } else {
    const context = num(args, 'server-context') ?? 0;
    const flags = [...llamaVscodeServerFlags(context), ...contextOverride(summary, context), ...gpuFlags(args)];
    try {
      server = await startLlamaServer({ binary: source.binary, model, flags, threads: num(args, 'threads') });
    } catch (e) {
      throw new CliExit(1, `llama-server did not start: ${e instanceof Error ? e.message : String(e)}`);
    }
    description = `llama-server ${serverVersion(source.binary)} ${flags.join(' ')}${num(args, 'threads') ? ` -t ${num(args, 'threads')}` : ''}`;
  }
  const url = server?.url ?? (source as { url: string }).url;
  try {
    const contextSize = await serverContextSize(url);
    const loadMs = Math.round(performance.now() - started);
    const clock = new VirtualClock();
    const device = new DeviceMeter(clock, o.timing);
    const client = new InfillClient(url, device);
    const oracle = o.oracle === undefined ? undefined : new Oracle(o.oracle, o.seed);
    const strategy = new LlamaVscodeStrategy({ client, clock, seed: o.seed, oracle });
    try {
      return await replayWith(strategy, client, device, clock, oracle, o, {
        model: summary.name,
        modelPath: model,
        backend: 'binary' in source && basename(dirname(source.binary)).endsWith('-cuda') ? 'cuda' : 'cpu',
        contextSize,
        loadMs,
        server: description,
      });
    } finally {
      strategy.dispose();
    }
  } finally {
    await server?.stop();
  }
}

async function replayWith(
  strategy: BenchStrategy,
  meter: MeteredEngine | InfillClient,
  device: DeviceMeter,
  clock: VirtualClock,
  oracle: Oracle | undefined,
  o: RunSettings,
  meta: Pick<BenchMeta, 'model' | 'modelPath' | 'backend' | 'contextSize' | 'loadMs' | 'server'>,
): Promise<BenchReport> {
  const run = await replay({
    files: o.files,
    fromLine: o.fromLine - 1,
    chars: o.chars,
    seed: o.seed,
    strategy,
    meter,
    device,
    clock,
    oracle,
    quietEditor: o.quietEditor,
  });
  return buildReport(
    strategy,
    run,
    meter.totals,
    {
      ...meta,
      seed: o.seed,
      chars: o.chars,
      fromLine: o.fromLine,
      timing: o.timing.kind === 'wall' ? 'wall' : o.timing.label,
      accept: o.oracle === undefined ? 'exact' : `oracle:${o.oracle}`,
    },
    oracle?.stats,
  );
}

/** The engine options' GPU choice, as llama-server flags. */
function gpuFlags(args: ParsedArgs): string[] {
  if (str(args, 'gpu') === 'off') return ['-ngl', '0'];
  const layers = num(args, 'gpu-layers');
  return layers === undefined ? [] : ['-ngl', String(layers)];
}

function serverVersion(binary: string): string {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const line = `${run.stdout ?? ''}${run.stderr ?? ''}`.split('\n').find((l) => l.startsWith('version:'));
  return line ? line.replace(/^version:\s*/, '') : '(unknown version)';
}

/** The server's context per slot, from /props. */
async function serverContextSize(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/props`, { signal: AbortSignal.timeout(10_000) });
    const props = (await response.json()) as { default_generation_settings?: { n_ctx?: unknown } };
    const n = props.default_generation_settings?.n_ctx;
    return typeof n === 'number' ? n : 0;
  } catch (e) {
    throw new CliExit(
      1,
      `llama-server at ${url} does not answer /props: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
