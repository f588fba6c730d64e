// The parent side of the engine: forks the engine process, sends typed requests, and keeps the
// engine alive for its users (the extension and the CLI).
//
// Design, in short:
//   - The client holds the *desired* model configuration. Every request first makes sure the
//     engine has it loaded, so a restarted or idle-unloaded engine reloads on demand.
//   - When the process dies unexpectedly, in-flight requests fail with code "crashed" and the next
//     request restarts it after a back-off. Three crashes within two minutes engage a brake: the
//     client halts and every request fails with "stopped" until restart() is called.
//   - After `idleUnloadMs` without requests the models are unloaded to free (V)RAM; the process stays.
//   - A model that fails to load leaves the previous one serving: the client reloads the last
//     configuration that worked and reports the failure.
import { fork, type ChildProcess } from 'node:child_process';
import type {
  ChatChunk,
  ChatParams,
  ChatResult,
  CompleteParams,
  CompleteResult,
  EngineErrorCode,
  EngineLogLevel,
  EngineRequestKind,
  EngineRequests,
  FromEngine,
  GpuInfo,
  LoadedModelInfo,
  LoadParams,
  LoadResult,
  ModelRole,
  PrefillParams,
  PrefillResult,
  ToEngine,
} from '../../core/engine/protocol';
import { Emitter } from '../../core/util/emitter';
import type { Logger } from '../../core/util/logger';

export type EnginePhase = 'stopped' | 'starting' | 'idle' | 'loading' | 'ready' | 'busy' | 'crashed' | 'halted';

export interface EngineState {
  phase: EnginePhase;
  models: Partial<Record<ModelRole, LoadedModelInfo>>;
  gpu?: GpuInfo;
  /** The last failure worth showing (a crash, a refused model). */
  error?: string;
  /** 0..1 while a model loads. */
  loadProgress?: number;
  pid?: number;
}

export class EngineClientError extends Error {
  constructor(
    readonly code: EngineErrorCode | 'aborted',
    message: string,
    /** For promptTooLong: the exact prompt length and the context size. */
    readonly details: { promptTokens?: number; contextSize?: number } = {},
  ) {
    super(message);
    this.name = 'EngineClientError';
  }
}

export interface EngineClientOptions {
  /** Path of the built engine entry (dist/engine.js). */
  enginePath: string;
  /** Node executable; in VS Code this is the Electron binary run as Node. */
  execPath?: string;
  gpu?: 'auto' | 'off' | 'cuda' | 'vulkan' | 'metal';
  idleUnloadMs?: number;
  restartDelaysMs?: number[];
  crashLimit?: number;
  crashWindowMs?: number;
  startTimeoutMs?: number;
  log?: Logger;
}

interface Pending {
  kind: EngineRequestKind;
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  onChunk?: (chunk: ChatChunk) => void;
  onProgress?: (role: ModelRole, progress: number) => void;
}

export class EngineClient {
  private child?: ChildProcess;
  private starting?: Promise<ChildProcess>;
  private loading?: Promise<LoadResult>;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private desired: LoadParams = {};
  private loadedKey?: string;
  private lastGoodParams?: LoadParams;
  private crashTimes: number[] = [];
  private expectedExit = false;
  private idleTimer?: NodeJS.Timeout;
  private idleUnloadAfterMs?: number;
  private disposed = false;
  private current: EngineState = { phase: 'stopped', models: {} };
  private readonly stateEmitter = new Emitter<EngineState>();
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(private readonly options: EngineClientOptions) {}

  get state(): EngineState {
    return this.current;
  }

  /** Sets the models to serve; they are (re)loaded on the next request or by load(). */
  configure(params: LoadParams): void {
    this.desired = { ...params };
    // Back to the configuration that is serving (after a refused model): the refusal is history.
    if (
      JSON.stringify(this.desired) === this.loadedKey &&
      this.current.error &&
      (this.current.phase === 'ready' || this.current.phase === 'busy')
    ) {
      this.setState({ error: undefined });
    }
  }

  get configuration(): LoadParams {
    return { ...this.desired };
  }

  /** Loads the configured models now (e.g. at activation or after a settings change). */
  async load(): Promise<LoadResult> {
    await this.ensureLoaded();
    return { models: this.current.models, gpu: this.current.gpu! };
  }

  complete(params: CompleteParams, signal?: AbortSignal): Promise<CompleteResult> {
    return this.withModels(() => this.send('complete', params, { signal }));
  }

  prefill(params: PrefillParams, signal?: AbortSignal): Promise<PrefillResult> {
    return this.withModels(() => this.send('prefill', params, { signal }));
  }

  chat(
    params: ChatParams,
    options: { signal?: AbortSignal; onChunk?: (chunk: ChatChunk) => void } = {},
  ): Promise<ChatResult> {
    return this.withModels(() => this.send('chat', params, options));
  }

  tokenize(role: ModelRole, text: string, special = false): Promise<number[]> {
    return this.withModels(() => this.send('tokenize', { role, text, special })).then((r) => r.tokens);
  }

  async status(): Promise<EngineRequests['status']['result']> {
    await this.ensureStarted();
    return this.send('status', {});
  }

  /** The running engine's status, or undefined when no process runs; never starts one (a view
   * that refreshes on state changes must not restart an engine that is being stopped). */
  async statusIfRunning(): Promise<EngineRequests['status']['result'] | undefined> {
    if (!this.child || this.starting) return undefined;
    return this.send('status', {}).catch(() => undefined);
  }

  /** Idle time after which the models are unloaded (0 = never). */
  get idleUnloadMs(): number {
    return this.idleUnloadAfterMs ?? this.options.idleUnloadMs ?? 0;
  }

  /** Changes the idle time without touching the process or the models: a countdown already
   * running starts again with the new time. */
  setIdleUnloadMs(ms: number): void {
    this.idleUnloadAfterMs = ms;
    this.clearIdleTimer();
    if (this.loadedKey) this.armIdleTimer();
  }

  /** Frees the models (they reload on the next request). */
  async unload(): Promise<void> {
    this.clearIdleTimer();
    if (!this.child) return;
    await this.send('unload', {});
    this.loadedKey = undefined;
    this.setState({ phase: 'idle', models: {}, loadProgress: undefined });
  }

  /** Restarts the process, clears the crash brake and reloads the configured models. */
  async restart(): Promise<void> {
    this.crashTimes = [];
    await this.stopProcess();
    this.setState({ phase: 'stopped', models: {}, error: undefined });
    if (this.desired.completionModel || this.desired.chatModel) await this.load();
    else await this.ensureStarted();
  }

  /** For tests and diagnostics: the engine process id. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearIdleTimer();
    await this.stopProcess();
    this.stateEmitter.dispose();
  }

  private async withModels<T>(job: () => Promise<T>): Promise<T> {
    await this.ensureLoaded();
    this.clearIdleTimer();
    try {
      return await job();
    } finally {
      this.armIdleTimer();
    }
  }

  private async ensureLoaded(): Promise<void> {
    await this.ensureStarted();
    const key = JSON.stringify(this.desired);
    if (this.loadedKey === key) return;
    if (!this.loading) {
      this.loading = this.loadDesired(key).finally(() => (this.loading = undefined));
    }
    await this.loading;
    if (this.loadedKey !== key) await this.ensureLoaded(); // the configuration changed while loading
  }

  private async loadDesired(key: string): Promise<LoadResult> {
    const params = this.desired;
    this.setState({ phase: 'loading', loadProgress: 0 });
    try {
      const result = await this.send('load', params, {
        onProgress: (_role, progress) => this.setState({ loadProgress: progress }),
      });
      this.loadedKey = key;
      this.lastGoodParams = params;
      this.setState({
        phase: 'ready',
        models: result.models,
        gpu: result.gpu,
        loadProgress: undefined,
        error: undefined,
      });
      return result;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      const fallback = this.lastGoodParams;
      if (fallback && JSON.stringify(fallback) !== key && this.child) {
        // Keep serving what worked before; the caller still learns that the new model failed.
        this.desired = fallback;
        const restored = await this.send('load', fallback).catch(() => undefined);
        if (restored) {
          this.loadedKey = JSON.stringify(fallback);
          this.setState({ phase: 'ready', models: restored.models, gpu: restored.gpu, loadProgress: undefined, error });
          throw e;
        }
      }
      this.loadedKey = undefined;
      this.setState({ phase: this.child ? 'idle' : this.current.phase, models: {}, loadProgress: undefined, error });
      throw e;
    }
  }

  private ensureStarted(): Promise<ChildProcess> {
    if (this.disposed) return Promise.reject(new EngineClientError('stopped', 'The engine is shut down.'));
    if (this.current.phase === 'halted') {
      return Promise.reject(
        new EngineClientError(
          'stopped',
          this.current.error ?? 'The engine stopped after repeated crashes. Restart it to try again.',
        ),
      );
    }
    if (this.child) return Promise.resolve(this.child);
    if (!this.starting) this.starting = this.startProcess().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startProcess(): Promise<ChildProcess> {
    // Yield first: ensureStarted() must record this start before any state listener can run and
    // send a request (which would otherwise start a second process, and so on).
    await Promise.resolve();
    const delays = this.options.restartDelaysMs ?? [250, 1000, 4000];
    const lastCrash = this.crashTimes[this.crashTimes.length - 1];
    if (lastCrash !== undefined) {
      const wait = delays[Math.min(this.crashTimes.length - 1, delays.length - 1)]! - (Date.now() - lastCrash);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    this.setState({ phase: 'starting', models: {} });
    this.loadedKey = undefined;
    const child = fork(this.options.enginePath, [], {
      execPath: this.options.execPath ?? process.execPath,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ALEMBIC_ENGINE_GPU: this.options.gpu ?? 'auto' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.on('data', (d: Buffer) => this.log('debug', `engine stdout: ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => this.log('warn', `engine stderr: ${d.toString().trimEnd()}`));
    child.on('message', (m: FromEngine) => this.onMessage(m));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    this.expectedExit = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new EngineClientError('internal', 'The engine process did not start in time.')),
        this.options.startTimeoutMs ?? 120_000,
      );
      const onReady = (m: FromEngine) => {
        if (m?.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onReady);
        resolve();
      };
      child.on('message', onReady);
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new EngineClientError('crashed', 'The engine process exited while starting.'));
      });
    });
    this.child = child;
    this.setState({ phase: 'idle', pid: child.pid });
    return child;
  }

  private send<K extends EngineRequestKind>(
    kind: K,
    params: EngineRequests[K]['params'],
    options: {
      signal?: AbortSignal;
      onChunk?: (c: ChatChunk) => void;
      onProgress?: (role: ModelRole, p: number) => void;
    } = {},
  ): Promise<EngineRequests[K]['result']> {
    const child = this.child;
    if (!child) return Promise.reject(new EngineClientError('crashed', 'The engine is not running.'));
    if (options.signal?.aborted) return Promise.reject(new EngineClientError('aborted', 'The request was cancelled.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.post({ type: 'abort', id });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => options.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        kind,
        resolve: ((value: EngineRequests[K]['result']) => {
          settle();
          resolve(value);
        }) as (v: never) => void,
        reject: (error) => {
          settle();
          reject(error);
        },
        onChunk: options.onChunk,
        onProgress: options.onProgress,
      });
      this.post({ type: 'request', id, kind, params } as ToEngine);
      this.updateBusy();
    });
  }

  private post(message: ToEngine): void {
    if (this.child?.connected) this.child.send(message);
  }

  private onMessage(message: FromEngine): void {
    switch (message?.type) {
      case 'log':
        this.log(message.level, message.message);
        return;
      case 'chunk':
        this.pending.get(message.id)?.onChunk?.(message);
        return;
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.role, message.progress);
        return;
      case 'response': {
        const entry = this.pending.get(message.id);
        if (!entry) return;
        this.pending.delete(message.id);
        if (message.ok) entry.resolve(message.result as never);
        else
          entry.reject(
            new EngineClientError(message.error.code, message.error.message, {
              promptTokens: message.error.promptTokens,
              contextSize: message.error.contextSize,
            }),
          );
        this.updateBusy();
        return;
      }
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child && this.child !== child) return;
    this.child = undefined;
    this.loadedKey = undefined;
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    const failed = [...this.pending.values()];
    this.pending.clear();
    if (this.expectedExit || this.disposed) {
      failed.forEach((p) => p.reject(new EngineClientError('stopped', 'The engine was stopped.')));
      return;
    }
    const now = Date.now();
    const window = this.options.crashWindowMs ?? 120_000;
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < window), now];
    const halted = this.crashTimes.length >= (this.options.crashLimit ?? 3);
    const message = halted
      ? `The engine crashed ${this.crashTimes.length} times in ${Math.round(window / 60000)} minutes (last: ${how}) and was stopped. Use "Alembic: Restart Engine" to try again.`
      : `The engine process stopped unexpectedly (${how}). It restarts on the next request.`;
    this.log('error', message);
    failed.forEach((p) => p.reject(new EngineClientError('crashed', `${message} The ${p.kind} request was lost.`)));
    this.setState({ phase: halted ? 'halted' : 'crashed', models: {}, error: message, pid: undefined });
  }

  private async stopProcess(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectedExit = true;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  private updateBusy(): void {
    const busy = [...this.pending.values()].some((p) => p.kind === 'complete' || p.kind === 'chat');
    if (this.current.phase === 'ready' && busy) this.setState({ phase: 'busy' });
    else if (this.current.phase === 'busy' && !busy) this.setState({ phase: 'ready' });
  }

  private armIdleTimer(): void {
    const ms = this.idleUnloadMs;
    if (ms <= 0 || this.pending.size > 0) return;
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.log('info', `Unloading the model after ${Math.round(ms / 60000)} idle minutes to free memory.`);
      this.unload().catch(() => undefined);
    }, ms);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private setState(patch: Partial<EngineState>): void {
    this.current = { ...this.current, ...patch };
    this.stateEmitter.fire(this.current);
  }

  private log(level: EngineLogLevel, message: string): void {
    this.options.log?.[level](message);
  }
}
