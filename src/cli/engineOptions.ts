// Engine options shared by the CLI commands that run a model, and the engine they start.
import { join } from 'node:path';
import type { LoadParams, LoadResult } from '../core/engine/protocol';
import { inspectGguf, isGgufCheckError, type GgufSummary } from '../core/gguf/ggufCheck';
import { displayText } from '../core/util/displayText';
import { AUTO_CONTEXT_LIMIT, type GpuSetting } from '../core/settings';
import { createLogger } from '../core/util/logger';
import { EngineClient, type EngineClientOptions } from '../engine/client/engineClient';
import { CliExit, num, str, UsageError, type OptionSpec, type ParsedArgs } from './args';

export const ENGINE_OPTIONS: Record<string, OptionSpec> = {
  model: { type: 'string' },
  gpu: { type: 'string' },
  'gpu-layers': { type: 'number' },
  'context-size': { type: 'number' },
  threads: { type: 'number' },
  verbose: { type: 'boolean' },
};

export const ENGINE_HELP = `engine options:
  --model <file.gguf>     the model to run (required without --endpoint)
  --gpu <auto|cuda|vulkan|metal|off>   compute backend (default auto)
  --gpu-layers <n>        layers on the GPU (default: fit to free memory)
  --context-size <n>      chat context in tokens (default: fit to memory, at most ${AUTO_CONTEXT_LIMIT});
                          completions use 4096, or this when smaller
  --threads <n>           CPU threads (default: the fastest of 1, 2, half and all cores, measured at load)
  --verbose               print the engine's log on stderr`;

const GPU_VALUES: GpuSetting[] = ['auto', 'cuda', 'vulkan', 'metal', 'off'];

/** Starts the engine process with the model for the given roles (`extra`: e.g. the shared engine). */
export function startEngine(
  args: ParsedArgs,
  roles: { completion?: boolean; chat?: boolean; nextEdit?: boolean },
  extra: Partial<EngineClientOptions> = {},
): EngineClient {
  const model = str(args, 'model');
  if (!model) throw new UsageError('--model <file.gguf> is required');
  const gpu = (str(args, 'gpu') ?? 'auto') as GpuSetting;
  if (!GPU_VALUES.includes(gpu)) throw new UsageError(`--gpu must be one of ${GPU_VALUES.join(', ')}`);
  const verbose = args.options.verbose === true;
  const client = new EngineClient({
    enginePath: join(__dirname, 'engine.js'),
    gpu,
    log: createLogger((level, line) => {
      if (verbose || level === 'error')
        process.stderr.write(`[engine ${level}] ${displayText(line, { maxChars: 500 })}\n`);
    }),
    ...extra,
  });
  const params: LoadParams = {
    completionModel: roles.completion ? model : undefined,
    chatModel: roles.chat ? model : undefined,
    nextEditModel: roles.nextEdit ? model : undefined,
    gpuLayers: num(args, 'gpu-layers') ?? 'auto',
    contextSize: num(args, 'context-size') ?? 'auto',
    maxContextSize: AUTO_CONTEXT_LIMIT,
    threads: num(args, 'threads') ?? 0,
  };
  client.configure(params);
  return client;
}

/** Checks the model file (a bounded read, no engine) and hands its summary to `accept` (which may
 * refuse it), then starts the engine with it for `roles` and loads it. A file that is not a usable
 * model, refused by the pre-check or by llama.cpp, exits 2 with the reason, whatever the command. */
export async function startLoadedEngine(
  args: ParsedArgs,
  roles: { completion?: boolean; chat?: boolean },
  accept: (summary: GgufSummary) => void = () => undefined,
): Promise<{ engine: EngineClient; loaded: LoadResult }> {
  const model = str(args, 'model');
  if (!model) throw new UsageError('--model <file.gguf> is required');
  try {
    accept(await inspectGguf(model));
  } catch (e) {
    if (isGgufCheckError(e)) throw new CliExit(2, `${model}: ${e.message}`);
    throw e;
  }
  const engine = startEngine(args, roles);
  try {
    return { engine, loaded: await engine.load() };
  } catch (e) {
    await engine.dispose();
    // The file is the problem (refused, too large for this machine, or it broke the engine): exit 2.
    const code = (e as { code?: unknown }).code;
    if (code === 'loadFailed' || code === 'precheckFailed' || code === 'insufficientMemory' || code === 'badModel')
      throw new CliExit(2, `${model}: ${(e as Error).message}`);
    throw e;
  }
}
