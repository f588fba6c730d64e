// Owns node-llama-cpp inside the engine process: the Llama instance (backend detection), the
// loaded model files (modelSlot.ts: a context per role) and the thread count (threadTuner.ts).
// A load checks every new file before anything already loaded is touched: the bounded GGUF
// pre-check, then the memory estimate (a model that cannot fit is refused with what to change),
// so a refused file leaves the current models serving.
//
// llama.cpp reports why it refused a model only through its logger; node-llama-cpp then throws a
// generic "Failed to load model". The runtime keeps the recent log lines and puts them in the error.
import type { Llama } from 'node-llama-cpp';
import { freemem } from 'node:os';
import { basename } from 'node:path';
import type {
  Backend,
  EngineLogLevel,
  GpuInfo,
  LoadedModelInfo,
  LoadParams,
  ModelRole,
  ThreadsInfo,
} from '../../core/engine/protocol';
import { checkMemoryFit, modelShapeFromHeader, type ModelShape } from '../../core/engine/memoryEstimate';
import { PromptPace } from '../../core/engine/promptPace';
import { inspectGguf, type GgufSummary } from '../../core/gguf/ggufCheck';
import { readGgufHeader } from '../../core/gguf/ggufReader';
import type { Logger } from '../../core/util/logger';
import { EngineError } from './engineError';
import { contextPlans, disposeSlot, loadSlot, type ModelSlot, type RoleBinding } from './modelSlot';
import { ThreadTuner } from './threadTuner';

type NodeLlamaCpp = typeof import('node-llama-cpp');

export interface RuntimeOptions {
  gpu: 'auto' | false | 'cuda' | 'vulkan' | 'metal';
  log: Logger;
  /** For tests: the RAM the memory estimate may assume (ALEMBIC_ENGINE_RAM_BYTES), capped by what is free. */
  ramLimitBytes?: number;
  /** For tests only (ALEMBIC_ENGINE_PRECHECK=off): a file the pre-check refuses still goes to
   * llama.cpp, so a test can make llama.cpp abort at load whatever the pre-check learns to catch. */
  skipPrecheck?: boolean;
}

const RECENT_LOG_LINES = 40;

export class LlamaRuntime {
  private lib?: NodeLlamaCpp;
  private llama?: Llama;
  private tuner?: ThreadTuner;
  private readonly recentLog: string[] = [];
  private readonly slots = new Map<string, ModelSlot>();
  private lastParams: LoadParams = {};
  /** Prompt speed measured on the engine's own work; sizes the evaluation chunks. */
  readonly pace = new PromptPace();

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
    this.tuner = new ThreadTuner(this.llama, this.pace);
  }

  get library(): NodeLlamaCpp {
    if (!this.lib) throw new EngineError('internal', 'The engine is not initialized.');
    return this.lib;
  }

  get threads(): ThreadsInfo | undefined {
    return this.tuner?.current;
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

  /** Loads what `params` asks for and unloads what it no longer needs. `onProgress` hears of each
   * file (with 0) before llama.cpp opens it. */
  async load(
    params: LoadParams,
    onProgress: (role: ModelRole, path: string, progress: number) => void,
  ): Promise<Partial<Record<ModelRole, LoadedModelInfo>>> {
    await this.init();
    const llama = this.requireLlama();
    const wanted = new Map<string, ModelRole[]>();
    if (params.completionModel) wanted.set(params.completionModel, ['completion']);
    if (params.chatModel) wanted.set(params.chatModel, [...(wanted.get(params.chatModel) ?? []), 'chat']);
    if (params.nextEditModel)
      wanted.set(params.nextEditModel, [...(wanted.get(params.nextEditModel) ?? []), 'nextEdit']);

    const settingsChanged = JSON.stringify(withoutPaths(params)) !== JSON.stringify(withoutPaths(this.lastParams));
    const toLoad = [...wanted].filter(([path, roles]) => {
      const slot = this.slots.get(path);
      return !slot || settingsChanged || !sameRoles(roles, Object.keys(slot.roles) as ModelRole[]);
    });
    const leaving = [...this.slots.keys()].filter((path) => !wanted.has(path) || toLoad.some(([p]) => p === path));

    // Every new file is checked before anything is unloaded: a refused file leaves the current models serving.
    const checked = new Map<string, { summary: GgufSummary; shape: ModelShape; bytes: number }>();
    for (const [path, roles] of toLoad) {
      try {
        const summary = await precheck(path, roles);
        const header = await readGgufHeader(path);
        checked.set(path, { summary, shape: modelShapeFromHeader(header, summary.name), bytes: 0 });
      } catch (e) {
        if (!this.options.skipPrecheck) throw e;
        this.options.log.warn(`Pre-check switched off (a test): loading ${basename(path)} although ${String(e)}`);
        checked.set(path, uncheckedFile(path));
      }
    }
    await this.checkMemory(params, toLoad, checked, leaving);

    for (const path of leaving) await this.disposeSlot(path);
    this.lastParams = params;
    const setting = params.threads && params.threads > 0 ? params.threads : 0;
    this.tuner!.prepare(setting);
    const onGpu = llama.gpu !== false && params.gpuLayers !== 0;
    for (const [path, roles] of toLoad) {
      const { summary, shape, bytes } = checked.get(path)!;
      const loader = {
        lib: this.library,
        llama,
        explain: (p: string, e: unknown, what?: string) => this.loadError(p, e, what),
        onProgress: (role: ModelRole, progress: number) => onProgress(role, path, progress),
        threadsIdeal: this.tuner!.ideal(setting),
        onGpu,
        log: this.options.log,
      };
      this.recentLog.length = 0;
      this.slots.set(path, await loadSlot(loader, path, roles, params, summary, shape, bytes));
    }
    if (toLoad.length > 0) {
      const binding = this.binding('completion') ?? this.binding('chat');
      const slot = this.slotFor('completion') ?? this.slotFor('chat');
      if (binding && slot) await this.tuner!.tune(setting, binding.sequence, slot.model, 'load');
    }
    return this.models();
  }

  /** Re-measures the thread count (the prompt speed moved far from the measured figure). */
  async retune(because: string, signal: AbortSignal): Promise<ThreadsInfo | undefined> {
    const binding = this.binding('completion');
    const slot = this.slotFor('completion');
    const setting = this.lastParams.threads ?? 0;
    if (!binding || !slot || !this.tuner || setting > 0) return this.threads;
    const before = this.threads?.count;
    const info = await this.tuner.tune(0, binding.sequence, slot.model, because, signal);
    if (info.count !== before) this.options.log.info(`Threads: ${before} → ${info.count} (${because}).`);
    return info;
  }

  private async checkMemory(
    params: LoadParams,
    toLoad: [string, ModelRole[]][],
    checked: Map<string, { summary: GgufSummary; shape: ModelShape; bytes: number }>,
    leaving: string[],
  ): Promise<void> {
    if (toLoad.length === 0) return;
    const llama = this.requireLlama();
    const onGpu = llama.gpu !== false && params.gpuLayers !== 0;
    const vram = onGpu ? (await llama.getVramState()).free : 0;
    const freed = leaving.reduce((sum, path) => sum + (this.slots.get(path)?.estimatedBytes ?? 0), 0);
    const free = freemem() + freed;
    let ram = this.options.ramLimitBytes ? Math.min(this.options.ramLimitBytes, free) : free;
    for (const [path, roles] of toLoad) {
      const entry = checked.get(path)!;
      const plans = contextPlans(roles, params, entry.summary.contextLength ?? 4096);
      const verdict = checkMemoryFit(entry.shape, plans, { ramBytes: ram, vramBytes: vram, onGpu });
      if (!verdict.fits) throw new EngineError('insufficientMemory', verdict.message);
      entry.bytes = verdict.need.totalBytes;
      ram -= verdict.need.totalBytes;
    }
  }

  models(): Partial<Record<ModelRole, LoadedModelInfo>> {
    const out: Partial<Record<ModelRole, LoadedModelInfo>> = {};
    for (const slot of this.slots.values())
      for (const [role, binding] of Object.entries(slot.roles)) out[role as ModelRole] = binding.info;
    return out;
  }

  slotFor(role: ModelRole): ModelSlot | undefined {
    for (const slot of this.slots.values()) if (slot.roles[role]) return slot;
    return undefined;
  }

  binding(role: ModelRole): RoleBinding | undefined {
    return this.slotFor(role)?.roles[role];
  }

  async unload(role?: ModelRole): Promise<ModelRole[]> {
    const unloaded: ModelRole[] = [];
    for (const [path, slot] of [...this.slots]) {
      const roles = Object.keys(slot.roles) as ModelRole[];
      if (role && !roles.includes(role)) continue;
      unloaded.push(...roles);
      await this.disposeSlot(path);
    }
    if (!role) this.lastParams = {};
    return unloaded;
  }

  private async disposeSlot(path: string): Promise<void> {
    const slot = this.slots.get(path);
    this.slots.delete(path);
    if (slot) await disposeSlot(slot);
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

/** What stands in for the pre-check's findings when it is switched off: nothing is known. */
function uncheckedFile(path: string): { summary: GgufSummary; shape: ModelShape; bytes: number } {
  const name = basename(path).replace(/\.gguf$/i, '');
  const summary = { name, architecture: 'unknown', contextLength: null, chatTemplate: null, fim: null } as GgufSummary;
  const shape: ModelShape = {
    name,
    architecture: 'unknown',
    weightBytes: 0,
    parameterCount: 0,
    blockCount: 0,
    headCount: 0,
    headCountKv: 0,
    keyLength: 0,
    valueLength: 0,
    feedForwardLength: 0,
    embeddingLength: 0,
    vocabSize: 0,
  };
  return { summary, shape, bytes: 0 };
}

function withoutPaths(p: LoadParams): Omit<LoadParams, 'completionModel' | 'chatModel' | 'nextEditModel'> {
  const { completionModel: _c, chatModel: _m, nextEditModel: _n, ...rest } = p;
  return rest;
}

function sameRoles(a: ModelRole[], b: ModelRole[]): boolean {
  return a.length === b.length && a.every((r) => b.includes(r));
}
