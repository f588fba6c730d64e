// The parent side of the engine: starts the engine process (engineProcess.ts), sends typed
// requests, and keeps the engine alive for its users (the extension and the CLI).
//
// Design, in short:
//   - The client holds the *desired* model configuration. Every request first makes sure the
//     engine has it loaded, so a restarted or idle-unloaded engine reloads on demand.
//   - When the process dies unexpectedly (or is killed for passing a cap, see engineProcess.ts),
//     in-flight requests fail with code "crashed" / "unresponsive" and the next request restarts it
//     after a back-off. Three deaths within two minutes engage a brake: the client halts and every
//     request fails with "stopped" until restart() is called.
//   - After `idleUnloadMs` without requests the models are unloaded to free (V)RAM; the process stays.
//   - A model that fails to load leaves the previous one serving: the client reloads the last
//     configuration that worked and reports the failure. A file that crashed the engine while it
//     loaded is remembered as bad (badModels.ts) and not loaded again until it changes.
//   - One abort rule: an aborted generation (complete, prefill, chat) resolves with stopReason
//     "abort" (a prefill with what it evaluated), whether the abort came before the request was
//     sent or while the engine ran it; it never rejects.
//   - "Busy" (a generation in flight) is its own cheap signal, apart from the lifecycle state.
import { basename } from 'node:path';
import type {
  ChatChunk,
  ChatParams,
  ChatResult,
  CompleteParams,
  CompleteResult,
  EngineRequestKind,
  EngineRequests,
  EngineStatus,
  GpuInfo,
  LoadedModelInfo,
  LoadParams,
  LoadResult,
  ModelRole,
  NextEditParams,
  NextEditResult,
  PrefillParams,
  PrefillResult,
  ThreadsInfo,
} from '../../core/engine/protocol';
import type { PartialAnswer } from '../../core/completion/engineContract';
import { Emitter } from '../../core/util/emitter';
import { silentLogger, type Logger } from '../../core/util/logger';
import { abortedResult, type Generation } from './abortedResult';
import { BadModelRegistry } from './badModels';
import { EngineClientError } from './engineClientError';
import type { EngineLink } from './engineLink';
import { EngineProcess, type ProcessExit, type RequestOptions } from './engineProcess';
import { SharedEngineLink, type SharedEngineOptions } from '../shared/sharedEngineLink';

export { EngineClientError, type EngineErrorDetails } from './engineClientError';

export type EnginePhase = 'stopped' | 'starting' | 'idle' | 'loading' | 'ready' | 'crashed' | 'halted';

export interface EngineState {
  phase: EnginePhase;
  models: Partial<Record<ModelRole, LoadedModelInfo>>;
  gpu?: GpuInfo;
  threads?: ThreadsInfo;
  /** The last failure worth showing (a crash, a refused model). */
  error?: string;
  /** 0..1 while a model loads. */
  loadProgress?: number;
  pid?: number;
}

export interface EngineClientOptions {
  /** Path of the built engine entry (dist/engine.js). */
  enginePath: string;
  /** Node executable; in VS Code this is the Electron binary run as Node. */
  execPath?: string;
  gpu?: 'auto' | 'off' | 'cuda' | 'vulkan' | 'metal';
  /** Extra environment for the engine process (the engine's test switches). */
  env?: Record<string, string>;
  idleUnloadMs?: number;
  restartDelaysMs?: number[];
  crashLimit?: number;
  crashWindowMs?: number;
  startTimeoutMs?: number;
  /** Cap on one load (default 10 minutes): past it the engine is killed. */
  loadTimeoutMs?: number;
  /** A pending request with no word from the engine for this long means its main thread is blocked (default 30 s). */
  stallTimeoutMs?: number;
  /** Where files that crashed the engine are remembered across sessions (none: this session only). */
  badModelsFile?: string;
  log?: Logger;
  /** Use the one engine every window and tool of this user shares (src/engine/shared) instead of
   * an own process: connect to it, or start it detached when none runs. */
  shared?: Omit<SharedEngineOptions, 'enginePath' | 'execPath' | 'gpu' | 'env' | 'log'>;
}

export class EngineClient {
  private engine?: EngineLink;
  private starting?: Promise<EngineLink>;
  private loading?: Promise<LoadResult>;
  private desired: LoadParams = {};
  private loadedKey?: string;
  private lastGoodParams?: LoadParams;
  /** The file the engine said it was opening, while a load runs. */
  private loadingPath?: string;
  private crashTimes: number[] = [];
  private expectedExit = false;
  private idleTimer?: NodeJS.Timeout;
  private idleUnloadAfterMs?: number;
  private disposed = false;
  private busyNow = false;
  private readonly badModels: BadModelRegistry;
  private readonly log: Logger;
  private current: EngineState = { phase: 'stopped', models: {} };
  private readonly stateEmitter = new Emitter<EngineState>();
  private readonly busyEmitter = new Emitter<boolean>();
  /** Lifecycle changes only: start, load, ready, crash, unload, errors. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** A generation started or all ended; fires once per flip, with nothing else to re-read. */
  readonly onDidChangeBusy = this.busyEmitter.event;

  constructor(private readonly options: EngineClientOptions) {
    this.log = options.log ?? silentLogger;
    this.badModels = new BadModelRegistry(options.badModelsFile);
  }

  get state(): EngineState {
    return this.current;
  }

  /** True while a completion, prefill or chat answer is in flight. */
  get busy(): boolean {
    return this.busyNow;
  }

  /** Sets the models to serve; they are (re)loaded on the next request or by load(). */
  configure(params: LoadParams): void {
    this.desired = { ...params };
    // Back to the configuration that is serving (after a refused model): the refusal is history.
    if (JSON.stringify(this.desired) === this.loadedKey && this.current.error && this.current.phase === 'ready') {
      this.setState({ error: undefined });
    }
  }

  get configuration(): LoadParams {
    return { ...this.desired };
  }

  /** Loads the configured models now (e.g. at activation or after a settings change). */
  async load(): Promise<LoadResult> {
    await this.ensureLoaded();
    return { models: this.current.models, gpu: this.current.gpu!, threads: this.current.threads };
  }

  /** With `onPartial`, the engine streams the answer and `onPartial` hears it so far after each token. */
  complete(
    params: CompleteParams,
    signal?: AbortSignal,
    onPartial?: (partial: PartialAnswer) => void,
  ): Promise<CompleteResult> {
    if (!onPartial) return this.generate('complete', params, { signal });
    return this.generate(
      'complete',
      { ...params, stream: true },
      {
        signal,
        onChunk: (c) => c.segment === 'partial' && onPartial({ text: c.text, generatedTokens: c.generatedTokens }),
      },
    );
  }

  prefill(params: PrefillParams, signal?: AbortSignal): Promise<PrefillResult> {
    return this.generate('prefill', params, { signal });
  }

  nextEdit(params: NextEditParams, signal?: AbortSignal): Promise<NextEditResult> {
    return this.withModels(() => this.send('nextEdit', params, { signal }));
  }

  chat(
    params: ChatParams,
    options: { signal?: AbortSignal; onChunk?: (chunk: ChatChunk) => void } = {},
  ): Promise<ChatResult> {
    const onChunk = options.onChunk;
    return this.generate('chat', params, {
      signal: options.signal,
      onChunk: onChunk && ((c) => c.segment !== 'partial' && onChunk(c)),
    });
  }

  tokenize(role: ModelRole, text: string, special = false): Promise<number[]> {
    return this.withModels(() => this.send('tokenize', { role, text, special })).then((r) => r.tokens);
  }

  async status(): Promise<EngineStatus> {
    await this.ensureStarted();
    return this.send('status', {});
  }

  /** The running engine's status, or undefined when no process runs; never starts one (a view
   * that refreshes on state changes must not restart an engine that is being stopped). */
  async statusIfRunning(): Promise<EngineStatus | undefined> {
    if (!this.engine || this.starting) return undefined;
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
    if (!this.engine) return;
    await this.send('unload', {});
    this.loadedKey = undefined;
    this.setState({ phase: 'idle', models: {}, loadProgress: undefined });
  }

  /** Restarts the process, clears the crash brake and the record of files that crashed it, and
   * reloads the configured models. */
  async restart(): Promise<void> {
    this.crashTimes = [];
    this.badModels.clear();
    await this.stopProcess();
    this.setState({ phase: 'stopped', models: {}, error: undefined });
    if (this.desired.completionModel || this.desired.chatModel || this.desired.nextEditModel) await this.load();
    else await this.ensureStarted();
  }

  /** For tests and diagnostics: the engine process id. */
  get pid(): number | undefined {
    return this.engine?.pid;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearIdleTimer();
    await this.stopProcess();
    this.stateEmitter.dispose();
    this.busyEmitter.dispose();
  }

  private async generate<K extends Generation>(
    kind: K,
    params: EngineRequests[K]['params'],
    options: Pick<RequestOptions, 'signal' | 'onChunk'>,
  ): Promise<EngineRequests[K]['result']> {
    if (options.signal?.aborted) return abortedResult(kind);
    return this.withModels(() =>
      // Aborted while the model loaded: nothing was sent, nothing is owed.
      options.signal?.aborted ? Promise.resolve(abortedResult(kind)) : this.send(kind, params, options),
    );
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
    const known = [params.completionModel, params.chatModel].map((p) => (p ? this.badModels.find(p) : undefined));
    const bad = known.find((b) => b !== undefined);
    if (bad) return this.fallBack(key, crashedBeforeError(bad.path, bad.reason));
    this.setState({ phase: 'loading', loadProgress: 0 });
    try {
      const result = await this.send('load', params, {
        onProgress: (_role, path, progress) => {
          this.loadingPath = path;
          this.setState({ loadProgress: progress });
        },
      });
      this.loadedKey = key;
      this.lastGoodParams = params;
      this.setState({
        phase: 'ready',
        models: result.models,
        gpu: result.gpu,
        threads: result.threads,
        loadProgress: undefined,
        error: undefined,
      });
      return result;
    } catch (e) {
      const culprit = this.loadingPath;
      const died = e instanceof EngineClientError && (e.code === 'crashed' || e.code === 'unresponsive');
      if (!died || !culprit) return this.fallBack(key, e);
      const reason = e.details.reason ?? e.message;
      this.badModels.remember(culprit, reason);
      return this.fallBack(key, crashedWhileLoading(culprit, reason, e));
    } finally {
      this.loadingPath = undefined;
    }
  }

  /** After a refused or crashing configuration: serve the last one that worked, and rethrow. */
  private async fallBack(key: string, e: unknown): Promise<never> {
    const error = e instanceof Error ? e.message : String(e);
    const fallback = this.lastGoodParams;
    if (fallback && JSON.stringify(fallback) !== key && this.current.phase !== 'halted') {
      this.desired = fallback;
      const restored = await this.ensureStarted()
        .then(() => this.send('load', fallback))
        .catch(() => undefined);
      if (restored) {
        this.loadedKey = JSON.stringify(fallback);
        this.setState({
          phase: 'ready',
          models: restored.models,
          gpu: restored.gpu,
          threads: restored.threads,
          loadProgress: undefined,
          error,
        });
        throw e;
      }
    }
    this.loadedKey = undefined;
    const phase = this.engine ? 'idle' : this.current.phase;
    this.setState({ phase, models: {}, loadProgress: undefined, error });
    throw e;
  }

  private ensureStarted(): Promise<EngineLink> {
    if (this.disposed) return Promise.reject(new EngineClientError('stopped', 'The engine is shut down.'));
    if (this.current.phase === 'halted') {
      return Promise.reject(
        new EngineClientError(
          'stopped',
          this.current.error ?? 'The engine stopped after repeated crashes. Restart it to try again.',
        ),
      );
    }
    if (this.engine) return Promise.resolve(this.engine);
    if (!this.starting) this.starting = this.startProcess().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startProcess(): Promise<EngineLink> {
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
    this.expectedExit = false;
    const engine: EngineLink = this.options.shared
      ? await SharedEngineLink.connect({
          ...this.options.shared,
          enginePath: this.options.enginePath,
          execPath: this.options.execPath,
          gpu: this.options.gpu,
          env: this.options.env,
          log: this.log,
        })
      : await EngineProcess.start({
          enginePath: this.options.enginePath,
          execPath: this.options.execPath,
          gpu: this.options.gpu,
          env: this.options.env,
          startTimeoutMs: this.options.startTimeoutMs,
          loadTimeoutMs: this.options.loadTimeoutMs,
          stallTimeoutMs: this.options.stallTimeoutMs,
          log: this.log,
        });
    engine.onDidExit((exit, pending) => this.onExit(engine, exit, pending));
    this.engine = engine;
    this.setState({ phase: 'idle', pid: engine.pid });
    return engine;
  }

  private send<K extends EngineRequestKind>(
    kind: K,
    params: EngineRequests[K]['params'],
    options: Omit<RequestOptions, 'subject'> = {},
  ): Promise<EngineRequests[K]['result']> {
    const engine = this.engine;
    if (!engine) return Promise.reject(new EngineClientError('crashed', 'The engine is not running.'));
    const request = engine.request(kind, params, { ...options, subject: () => this.subjectOf(kind) });
    this.updateBusy();
    return request.finally(() => this.updateBusy());
  }

  /** The model a request works on, for a message if it must be given up. */
  private subjectOf(kind: EngineRequestKind): string {
    if (kind === 'load') {
      const path = this.loadingPath ?? this.desired.completionModel ?? this.desired.chatModel;
      return path ? basename(path) : 'no model';
    }
    const role: ModelRole = kind === 'chat' ? 'chat' : 'completion';
    const model = this.current.models[role];
    return model ? `${model.name} (${basename(model.path)})` : `the ${role} model`;
  }

  private onExit(
    engine: EngineLink,
    exit: ProcessExit,
    pending: { kind: EngineRequestKind; reject: (e: Error) => void }[],
  ): void {
    if (this.engine !== engine) return;
    this.engine = undefined;
    this.loadedKey = undefined;
    this.updateBusy();
    if (this.expectedExit || this.disposed) {
      pending.forEach((p) => p.reject(new EngineClientError('stopped', 'The engine was stopped.')));
      return;
    }
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    const now = Date.now();
    const window = this.options.crashWindowMs ?? 120_000;
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < window), now];
    const halted = this.crashTimes.length >= (this.options.crashLimit ?? 3);
    const what = exit.killedFor ? exit.killedFor.message : `The engine process stopped unexpectedly (${how}).`;
    const message = halted
      ? `${what} The engine crashed ${this.crashTimes.length} times in ${Math.round(window / 60000)} minutes ` +
        'and was stopped. Use "Alembic: Restart Engine" to try again.'
      : `${what} It restarts on the next request.`;
    this.log.error(message);
    const code = exit.killedFor ? 'unresponsive' : 'crashed';
    const details = { exit: { code: exit.code, signal: exit.signal }, reason: what };
    pending.forEach((p) =>
      p.reject(new EngineClientError(code, `${message} The ${p.kind} request was lost.`, details)),
    );
    this.setState({ phase: halted ? 'halted' : 'crashed', models: {}, error: message, pid: undefined });
  }

  private async stopProcess(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    this.expectedExit = true;
    await engine.stop();
  }

  private updateBusy(): void {
    const busy = (this.engine?.pendingKinds() ?? []).some((k) => k === 'complete' || k === 'chat' || k === 'prefill');
    if (busy === this.busyNow) return;
    this.busyNow = busy;
    this.busyEmitter.fire(busy);
  }

  private armIdleTimer(): void {
    const ms = this.idleUnloadMs;
    if (ms <= 0 || (this.engine?.pendingKinds().length ?? 0) > 0) return;
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.log.info(`Unloading the model after ${Math.round(ms / 60000)} idle minutes to free memory.`);
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
}

const WHAT_TO_DO =
  'It may be damaged or made for another llama.cpp version: download it again or pick another model. ' +
  'Alembic will not load this file again until it changes, or until "Alembic: Restart Engine".';

function crashedWhileLoading(path: string, reason: string, e: EngineClientError): EngineClientError {
  return new EngineClientError('badModel', `Loading ${basename(path)} broke the engine: ${reason} ${WHAT_TO_DO}`, {
    ...e.details,
    file: path,
  });
}

function crashedBeforeError(path: string, reason: string): EngineClientError {
  return new EngineClientError(
    'badModel',
    `${basename(path)} crashed the engine when it was last loaded (${reason}). ${WHAT_TO_DO}`,
    { file: path },
  );
}
