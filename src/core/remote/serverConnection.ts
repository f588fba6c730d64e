// One feature's link to its server: the backend, and a health check that runs at start, after a
// request fails in a way that says the server (or the way to it) is in trouble, and again with a
// growing pause while the server stays unhealthy, so a restarted server is picked up on its own.
// While unhealthy, requests fail at once with the last error (a request per keystroke must not
// hammer a server that is down); `check()` is the user's Retry.
import type { CompletionEngine } from '../completion/engineContract';
import type {
  ChatParams,
  ChatResult,
  CompleteParams,
  CompleteResult,
  PrefillParams,
  PrefillResult,
} from '../engine/protocol';
import { Emitter } from '../util/emitter';
import type { Logger } from '../util/logger';
import type { ChatOptions, ServerBackend, ServerModelFacts } from './serverBackend';
import { isConnectionFailure, ServerError } from './serverError';

export type ConnectionPhase = 'checking' | 'ready' | 'error';

export interface ConnectionState {
  phase: ConnectionPhase;
  /** The model's facts from the last successful check. */
  facts?: ServerModelFacts;
  /** Why the server is unusable (phase 'error'). */
  error?: ServerError;
}

export interface ConnectionOptions {
  /** Pauses between re-checks while unhealthy (the last one repeats). */
  recheckDelaysMs?: readonly number[];
  /** Hears failed requests and recoveries (default: nothing). */
  log?: Logger;
}

const RECHECK_DELAYS_MS = [3000, 10_000, 30_000, 60_000];

export class ServerConnection implements CompletionEngine {
  private current: ConnectionState = { phase: 'checking' };
  private readonly changed = new Emitter<ConnectionState>();
  readonly onDidChange = this.changed.event;
  private checking?: Promise<ConnectionState>;
  private recheckTimer?: NodeJS.Timeout;
  private failures = 0;
  private disposed = false;
  readonly prefill?: (params: PrefillParams, signal: AbortSignal) => Promise<PrefillResult>;

  constructor(
    readonly backend: ServerBackend,
    readonly role: 'completion' | 'chat',
    private readonly options: ConnectionOptions = {},
  ) {
    const prefill = backend.prefill?.bind(backend);
    if (prefill) this.prefill = (params, signal) => this.guard(() => prefill(params, signal));
    void this.check(); // the health check at start
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Checks the server now (coalesced with a check already running). */
  check(): Promise<ConnectionState> {
    if (this.disposed) return Promise.resolve(this.current);
    clearTimeout(this.recheckTimer);
    this.checking ??= this.runCheck().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Resolves with the model's facts once the server is healthy; throws its error otherwise. */
  async ready(): Promise<ServerModelFacts> {
    const state = this.current.phase === 'ready' ? this.current : await (this.checking ?? this.check());
    if (state.phase === 'ready' && state.facts) return state.facts;
    throw state.error ?? new ServerError('unreachable', `${this.backend.endpoint.host} is not available.`);
  }

  complete(params: CompleteParams, signal: AbortSignal): Promise<CompleteResult> {
    return this.guard(() => this.backend.complete(params, signal));
  }

  chat(params: ChatParams, options?: ChatOptions): Promise<ChatResult> {
    return this.guard(() => this.backend.chat(params, options));
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.recheckTimer);
    this.changed.dispose();
    this.backend.dispose();
  }

  private async guard<T>(request: () => Promise<T>): Promise<T> {
    if (this.current.phase === 'error' && this.current.error) throw this.current.error;
    if (this.current.phase === 'checking') await this.ready();
    try {
      return await request();
    } catch (e) {
      if (isConnectionFailure(e)) {
        this.options.log?.warn(`${this.role} request to ${this.backend.endpoint.host} failed: ${(e as Error).message}`);
        void this.check();
      }
      throw e;
    }
  }

  private async runCheck(): Promise<ConnectionState> {
    if (this.current.phase !== 'checking') this.set({ ...this.current, phase: 'checking' });
    let next: ConnectionState;
    try {
      const facts = await this.backend.probe(this.role);
      next = { phase: 'ready', facts };
      if (this.failures > 0) this.options.log?.info(`${this.backend.endpoint.host} answers again`);
      this.failures = 0;
    } catch (e) {
      const error =
        e instanceof ServerError ? e : new ServerError('badResponse', e instanceof Error ? e.message : String(e));
      next = { phase: 'error', error, facts: this.current.facts };
      this.failures++;
      this.scheduleRecheck();
    }
    if (!this.disposed) this.set(next);
    return next;
  }

  private scheduleRecheck(): void {
    const delays = this.options.recheckDelaysMs ?? RECHECK_DELAYS_MS;
    const delay = delays[Math.min(this.failures - 1, delays.length - 1)]!;
    clearTimeout(this.recheckTimer);
    this.recheckTimer = setTimeout(() => void this.check(), delay);
    this.recheckTimer.unref?.();
  }

  private set(state: ConnectionState): void {
    this.current = state;
    this.changed.fire(state);
  }
}
