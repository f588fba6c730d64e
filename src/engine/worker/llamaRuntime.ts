// Owns node-llama-cpp inside the engine process: the Llama instance (backend detection), the
// loaded models and their contexts. A file used for both roles is loaded once and gets one context
// with two sequences, so completion and chat share the weights and are batched together, with
// completions at a higher evaluation priority. Different files get a context each.
//
// llama.cpp reports why it refused a model only through its logger; node-llama-cpp then throws a
// generic "Failed to load model". The runtime keeps the recent log lines and puts them in the error.
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import { basename } from 'node:path';
import { statSync } from 'node:fs';
import type {
  Backend,
  EngineLogLevel,
  GpuInfo,
  LoadedModelInfo,
  LoadParams,
  ModelRole,
} from '../../core/engine/protocol';
import { EngineError } from './engineError';
import { inspectGguf, type GgufSummary } from '../../core/gguf/ggufCheck';
import type { Logger } from '../../core/util/logger';

type NodeLlamaCpp = typeof import('node-llama-cpp');

export interface ModelSlot {
  path: string;
  model: LlamaModel;
  context: LlamaContext;
  sequences: Partial<Record<ModelRole, LlamaContextSequence>>;
  info: LoadedModelInfo;
}

export interface RuntimeOptions {
  gpu: 'auto' | false | 'cuda' | 'vulkan' | 'metal';
  log: Logger;
}

const RECENT_LOG_LINES = 40;

export class LlamaRuntime {
  private lib?: NodeLlamaCpp;
  private llama?: Llama;
  private readonly recentLog: string[] = [];
  private readonly slots = new Map<string, ModelSlot>();
  private lastParams: LoadParams = {};

  constructor(private readonly options: RuntimeOptions) {}

  async init(): Promise<void> {
    if (this.llama) return;
    // ESM-only package: loaded with a dynamic import from this CommonJS bundle.
    this.lib = await import('node-llama-cpp');
    this.llama = await this.lib.getLlama({
      gpu: this.options.gpu,
      build: 'never',
      logLevel: this.lib.LlamaLogLevel.warn,
      logger: (level, message) => this.onLlamaLog(String(level), message),
    });
  }

  get library(): NodeLlamaCpp {
    if (!this.lib) throw new EngineError('internal', 'The engine is not initialized.');
    return this.lib;
  }

  private onLlamaLog(level: string, message: string): void {
    const line = message.trimEnd();
    if (!line) return;
    this.recentLog.push(line);
    if (this.recentLog.length > RECENT_LOG_LINES) this.recentLog.shift();
    const mapped: EngineLogLevel =
      level === 'error' || level === 'fatal' ? 'error' : level === 'warn' ? 'warn' : 'debug';
    this.options.log[mapped](`llama.cpp: ${line}`);
  }

  async gpuInfo(): Promise<GpuInfo> {
    const llama = this.requireLlama();
    const vram = await llama.getVramState();
    const backend: Backend = llama.gpu === false ? 'cpu' : llama.gpu;
    return {
      backend,
      deviceNames: backend === 'cpu' ? [] : await llama.getGpuDeviceNames(),
      vramTotalBytes: vram.total,
      vramFreeBytes: vram.free,
    };
  }

  /** Loads what `params` asks for and unloads what it no longer needs. */
  async load(
    params: LoadParams,
    onProgress: (role: ModelRole, progress: number) => void,
  ): Promise<Partial<Record<ModelRole, LoadedModelInfo>>> {
    await this.init();
    const wanted = new Map<string, ModelRole[]>();
    if (params.completionModel) wanted.set(params.completionModel, ['completion']);
    if (params.chatModel) wanted.set(params.chatModel, [...(wanted.get(params.chatModel) ?? []), 'chat']);

    const settingsChanged = JSON.stringify(withoutPaths(params)) !== JSON.stringify(withoutPaths(this.lastParams));
    const toLoad = [...wanted].filter(([path, roles]) => {
      const slot = this.slots.get(path);
      return !slot || settingsChanged || !sameRoles(roles, slot.info.roles);
    });
    // Pre-check every new file before anything is unloaded: a bad file leaves the current models serving.
    const summaries = new Map<string, GgufSummary>();
    for (const [path, roles] of toLoad) summaries.set(path, await precheck(path, roles));
    for (const path of [...this.slots.keys()]) {
      if (!wanted.has(path) || toLoad.some(([p]) => p === path)) await this.disposeSlot(path);
    }
    this.lastParams = params;
    for (const [path, roles] of toLoad) {
      const slot = await this.loadSlot(path, roles, params, summaries.get(path)!, (p) =>
        roles.forEach((r) => onProgress(r, p)),
      );
      this.slots.set(path, slot);
    }
    return this.models();
  }

  models(): Partial<Record<ModelRole, LoadedModelInfo>> {
    const out: Partial<Record<ModelRole, LoadedModelInfo>> = {};
    for (const slot of this.slots.values()) for (const role of slot.info.roles) out[role] = slot.info;
    return out;
  }

  slotFor(role: ModelRole): ModelSlot | undefined {
    for (const slot of this.slots.values()) if (slot.info.roles.includes(role)) return slot;
    return undefined;
  }

  async unload(role?: ModelRole): Promise<ModelRole[]> {
    const unloaded: ModelRole[] = [];
    for (const [path, slot] of [...this.slots]) {
      if (role && !slot.info.roles.includes(role)) continue;
      unloaded.push(...slot.info.roles);
      await this.disposeSlot(path);
    }
    if (!role) this.lastParams = {};
    return unloaded;
  }

  private async disposeSlot(path: string): Promise<void> {
    const slot = this.slots.get(path);
    this.slots.delete(path);
    if (!slot) return;
    await slot.context.dispose();
    await slot.model.dispose();
  }

  private async loadSlot(
    path: string,
    roles: ModelRole[],
    params: LoadParams,
    summary: GgufSummary,
    onProgress: (p: number) => void,
  ): Promise<ModelSlot> {
    const llama = this.requireLlama();
    const started = Date.now();
    this.recentLog.length = 0;
    let model: LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath: path,
        gpuLayers: params.gpuLayers ?? 'auto',
        onLoadProgress: onProgress,
      });
    } catch (e) {
      if (e instanceof this.library.InsufficientMemoryError && params.gpuLayers !== 0) {
        this.options.log.warn(`Not enough GPU memory for ${basename(path)}; loading it on the CPU instead.`);
        model = await llama
          .loadModel({ modelPath: path, gpuLayers: 0, onLoadProgress: onProgress })
          .catch((e2: unknown) => {
            throw this.loadError(path, e2);
          });
      } else {
        throw this.loadError(path, e);
      }
    }
    let context: LlamaContext;
    try {
      const size = params.contextSize;
      context = await model.createContext({
        sequences: roles.length,
        contextSize: typeof size === 'number' && size > 0 ? size : { min: 512, max: params.maxContextSize ?? 16384 },
        threads: params.threads && params.threads > 0 ? params.threads : undefined,
      });
    } catch (e) {
      await model.dispose();
      throw this.loadError(path, e, 'could not create a context for');
    }
    const sequences: Partial<Record<ModelRole, LlamaContextSequence>> = {};
    for (const role of roles) sequences[role] = context.getSequence();

    const infill = model.tokens.infill;
    const text = (t: unknown) => (t == null ? undefined : model.detokenize([t as never], true));
    const fimPrefix = text(infill.prefix),
      fimSuffix = text(infill.suffix),
      fimMiddle = text(infill.middle);
    const endTokens = [model.tokens.eos, model.tokens.eot].map(text).filter((t): t is string => !!t);
    const info: LoadedModelInfo = {
      path,
      name: summary.name,
      architecture: summary.architecture,
      roles,
      sizeBytes: statSync(path).size,
      gpuLayers: model.gpuLayers,
      totalLayers: model.fileInsights.totalLayers,
      contextSize: context.contextSize,
      trainContextSize: model.trainContextSize,
      fim:
        fimPrefix && fimSuffix && fimMiddle
          ? {
              prefix: fimPrefix,
              suffix: fimSuffix,
              middle: fimMiddle,
              pad: summary.fim?.pad,
              repoName: summary.fim?.repoName,
              fileSeparator: summary.fim?.fileSeparator,
            }
          : null,
      endTokens,
      hasChatTemplate: summary.chatTemplate !== null,
      chatWrapper: '',
      loadMs: Date.now() - started,
    };
    return { path, model, context, sequences, info };
  }

  private loadError(path: string, e: unknown, what = 'could not load'): EngineError {
    // llama.cpp's own words, most specific first: "error loading model: <reason>", else any error line.
    const reasons = this.recentLog
      .map((l) => /error loading model: (.*)$/i.exec(l)?.[1])
      .filter((r): r is string => !!r);
    if (reasons.length === 0)
      reasons.push(
        ...this.recentLog.filter((l) => /error|invalid|unknown|unsupported|not supported|missing/i.test(l)).slice(-3),
      );
    const detail = [...new Set(reasons)].join('; ') || (e instanceof Error ? e.message : String(e));
    return new EngineError('loadFailed', `llama.cpp ${what} ${basename(path)}: ${detail}`);
  }

  private requireLlama(): Llama {
    if (!this.llama) throw new EngineError('internal', 'The engine is not initialized.');
    return this.llama;
  }

  async dispose(): Promise<void> {
    await this.unload();
    await this.llama?.dispose();
  }
}

/** The bounded GGUF check runs before llama.cpp sees a file: a malformed file gets a clear
 * message instead of an abort() in native code. */
async function precheck(path: string, roles: ModelRole[]): Promise<GgufSummary> {
  try {
    return await inspectGguf(path);
  } catch (e) {
    // Name the file and its use: with separate completion and chat models the user must know which.
    const reason = e instanceof Error ? e.message : String(e);
    throw new EngineError(
      'precheckFailed',
      `Cannot use ${basename(path)} as the ${roles.join(' and ')} model: ${reason}`,
    );
  }
}

function withoutPaths(p: LoadParams): Omit<LoadParams, 'completionModel' | 'chatModel'> {
  const { completionModel: _c, chatModel: _m, ...rest } = p;
  return rest;
}

function sameRoles(a: ModelRole[], b: ModelRole[]): boolean {
  return a.length === b.length && a.every((r) => b.includes(r));
}
