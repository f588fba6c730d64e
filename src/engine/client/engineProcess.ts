// One engine child process seen from its parent: fork, the ready handshake, typed requests over
// IPC with their streamed pieces, and the caps that keep a wedged engine from hanging its users:
//   - every request has a cap (a generation: its own timeout plus a grace; a load: loadTimeoutMs;
//     anything else: a minute);
//   - the engine's main thread sends a heartbeat every second; when a request is pending and
//     nothing at all has come for stallTimeoutMs, the main thread is blocked (a chat template that
//     never finishes rendering did that).
// Past either, the process is killed, and the exit carries the cause, naming the request, the model
// and what the engine's watchdog reported it was doing. The client decides what a death means.
import { fork, type ChildProcess } from 'node:child_process';
import {
  ENGINE_WATCHDOG_PREFIX,
  type StreamChunk,
  type EngineRequestKind,
  type EngineRequests,
  type FromEngine,
  type ModelRole,
  type ToEngine,
} from '../../core/engine/protocol';
import type { Logger } from '../../core/util/logger';
import { EngineClientError } from './engineClientError';
import { abortableRequest } from './engineLink';

export interface EngineProcessOptions {
  enginePath: string;
  execPath?: string;
  gpu?: string;
  /** Extra environment for the engine (tests use it for the engine's test switches). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  loadTimeoutMs?: number;
  stallTimeoutMs?: number;
  /** Hears the engine's own lines (at their level), its stderr and why it was stopped. */
  log: Logger;
}

export interface RequestOptions {
  signal?: AbortSignal;
  onChunk?: (chunk: StreamChunk) => void;
  onProgress?: (role: ModelRole, path: string, progress: number) => void;
  /** What the request works on, for a message if it has to be given up ("Qwen (qwen.gguf)"). */
  subject?: () => string;
}

/** Why the process ended, when the client killed it. */
export interface KillCause {
  kind: EngineRequestKind;
  message: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  killedFor?: KillCause;
}

interface Pending {
  kind: EngineRequestKind;
  deadline: number;
  capMs: number;
  subject?: () => string;
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  onChunk?: (chunk: StreamChunk) => void;
  onProgress?: (role: ModelRole, path: string, progress: number) => void;
}

/** Extra time a generation gets past its own timeout: the engine checks it between tokens. */
const CAP_GRACE_MS = 30_000;
const OTHER_CAP_MS = 60_000;
const CHECK_EVERY_MS = 500;

export class EngineProcess {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lastHeard = Date.now();
  private watchdogLine?: string;
  private killedFor?: KillCause;
  private checker?: NodeJS.Timeout;
  private exitListener?: (exit: ProcessExit, pending: { kind: EngineRequestKind; reject: Pending['reject'] }[]) => void;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: EngineProcessOptions,
  ) {}

  /** Forks the engine and resolves once it is ready for requests. */
  static async start(options: EngineProcessOptions): Promise<EngineProcess> {
    const child = fork(options.enginePath, [], {
      execPath: options.execPath ?? process.execPath,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ALEMBIC_ENGINE_GPU: options.gpu ?? 'auto', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const engine = new EngineProcess(child, options);
    child.stdout?.on('data', (d: Buffer) => options.log.debug(`engine stdout: ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => engine.onStderr(d.toString()));
    child.on('message', (m: FromEngine) => engine.onMessage(m));
    child.on('exit', (code, signal) => engine.onExit(code, signal));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new EngineClientError('internal', 'The engine process did not start in time.'));
      }, options.startTimeoutMs ?? 120_000);
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
    return engine;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get connected(): boolean {
    return this.child.connected;
  }

  /** Kinds of the requests in flight. */
  pendingKinds(): EngineRequestKind[] {
    return [...this.pending.values()].map((p) => p.kind);
  }

  /** Called once when the process has exited, with the requests it took along. */
  onDidExit(
    listener: (exit: ProcessExit, pending: { kind: EngineRequestKind; reject: Pending['reject'] }[]) => void,
  ): void {
    this.exitListener = listener;
  }

  request<K extends EngineRequestKind>(
    kind: K,
    params: EngineRequests[K]['params'],
    options: RequestOptions = {},
  ): Promise<EngineRequests[K]['result']> {
    const id = this.nextId++;
    const capMs = this.capFor(kind, params);
    return abortableRequest<EngineRequests[K]['result']>(
      options.signal,
      () => this.post({ type: 'abort', id }),
      (resolve, reject) => {
        if (this.pending.size === 0) this.lastHeard = Date.now(); // stall time counts from now
        this.pending.set(id, {
          kind,
          capMs,
          deadline: Date.now() + capMs,
          subject: options.subject,
          resolve: resolve as (v: never) => void,
          reject,
          onChunk: options.onChunk,
          onProgress: options.onProgress,
        });
        this.post({ type: 'request', id, kind, params } as ToEngine);
        this.armChecker();
      },
    );
  }

  /** Ends the process: SIGTERM, then SIGKILL after 2 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  private capFor<K extends EngineRequestKind>(kind: K, params: EngineRequests[K]['params']): number {
    if (kind === 'load') return this.options.loadTimeoutMs ?? 600_000;
    const timeoutMs = (params as { timeoutMs?: number }).timeoutMs;
    if (kind === 'complete' || kind === 'prefill' || kind === 'chat')
      return timeoutMs && timeoutMs > 0 ? timeoutMs + CAP_GRACE_MS : Number.POSITIVE_INFINITY;
    return OTHER_CAP_MS;
  }

  private armChecker(): void {
    if (this.checker) return;
    this.checker = setInterval(() => this.checkCaps(), CHECK_EVERY_MS);
    this.checker.unref();
  }

  private checkCaps(): void {
    if (this.pending.size === 0 || this.killedFor) {
      clearInterval(this.checker);
      this.checker = undefined;
      return;
    }
    const now = Date.now();
    const stallMs = this.options.stallTimeoutMs ?? 30_000;
    const oldest = [...this.pending.values()][0]!;
    if (now - this.lastHeard >= stallMs) {
      const doing = this.watchdogDetail() ?? 'its main thread is blocked';
      this.kill({
        kind: oldest.kind,
        message:
          `The engine stopped responding for ${seconds(now - this.lastHeard)} during the ${oldest.kind} ` +
          `request${about(oldest)}: ${doing}. Alembic stopped it.`,
      });
      return;
    }
    const late = [...this.pending.values()].find((p) => now >= p.deadline);
    if (late) {
      const doing = this.watchdogDetail();
      this.kill({
        kind: late.kind,
        message: `The ${late.kind} request${about(late)} passed its cap of ${seconds(late.capMs)}${doing ? ` (${doing})` : ''}. Alembic stopped the engine.`,
      });
    }
  }

  private kill(cause: KillCause): void {
    this.killedFor = cause;
    this.options.log.error(cause.message);
    this.child.kill('SIGKILL');
  }

  /** What the watchdog last said the blocked main thread was doing. */
  private watchdogDetail(): string | undefined {
    const line = this.watchdogLine;
    if (!line) return undefined;
    const m = /blocked for \d+ s while (.*?)(?:; the engine exits)?\.$/.exec(line);
    return m ? `its main thread is blocked (${m[1]})` : undefined;
  }

  private onStderr(text: string): void {
    for (const line of text.split('\n')) {
      const trimmed = line.trimEnd();
      if (!trimmed) continue;
      if (trimmed.startsWith(ENGINE_WATCHDOG_PREFIX)) {
        this.watchdogLine = trimmed.slice(ENGINE_WATCHDOG_PREFIX.length).trim();
        this.options.log.warn(`engine watchdog: ${this.watchdogLine}`);
      } else {
        this.options.log.warn(`engine stderr: ${trimmed}`);
      }
    }
  }

  private post(message: ToEngine): void {
    if (this.child.connected) this.child.send(message);
  }

  private onMessage(message: FromEngine): void {
    this.lastHeard = Date.now();
    switch (message?.type) {
      case 'log':
        this.options.log[message.level](message.message);
        return;
      case 'chunk':
        this.pending.get(message.id)?.onChunk?.(message);
        return;
      case 'progress':
        this.pending.get(message.id)?.onProgress?.(message.role, message.path, message.progress);
        return;
      case 'response': {
        const entry = this.pending.get(message.id);
        if (!entry) return;
        this.pending.delete(message.id);
        if (message.ok) entry.resolve(message.result as never);
        else entry.reject(EngineClientError.fromPayload(message.error));
        return;
      }
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    clearInterval(this.checker);
    const taken = [...this.pending.values()].map((p) => ({ kind: p.kind, reject: p.reject }));
    this.pending.clear();
    this.exitListener?.({ code, signal, killedFor: this.killedFor }, taken);
  }
}

function about(p: Pending): string {
  const subject = p.subject?.();
  return subject ? ` on ${subject}` : '';
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
