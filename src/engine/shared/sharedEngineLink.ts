// A window's (or a tool's) connection to the shared engine: connects, or starts the host under the
// lock (rendezvous.ts), greets it with the token and version, then carries the engine protocol's
// requests, aborts, chunks and answers, as an EngineLink like an own engine process. When the
// connection closes (the engine crashed, the host was killed or replaced), every pending request
// is failed and the client treats it as a crash: its next request connects again, and the first
// client to find no host starts one.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { EngineRequestKind, EngineRequests } from '../../core/engine/protocol';
import {
  encodeFrame,
  FrameReader,
  type FromSharedEngine,
  type SharedEngineExit,
  type SharedHostStatus,
  type ToSharedEngine,
} from '../../core/engine/sharedProtocol';
import type { Logger } from '../../core/util/logger';
import { EngineClientError } from '../client/engineClientError';
import { abortableRequest, type EngineLink } from '../client/engineLink';
import type { ProcessExit, RequestOptions } from '../client/engineProcess';
import { connectOrStartHost, type HostLaunch, type SharedPaths } from './rendezvous';

export interface SharedEngineOptions extends HostLaunch {
  paths: SharedPaths;
  /** What this client is, for the host's status ("VS Code window", "alembic serve"). */
  label: string;
  log: Logger;
  timeoutMs?: number;
}

interface Pending {
  kind: EngineRequestKind | 'hostStatus';
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  options: RequestOptions;
}

type ExitListener = (exit: ProcessExit, pending: { kind: EngineRequestKind; reject: (e: Error) => void }[]) => void;

export class SharedEngineLink implements EngineLink {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitListener?: ExitListener;
  private engineExit?: SharedEngineExit;
  private closed = false;
  private enginePid?: number;
  hostPid?: number;
  hostVersion?: string;

  private constructor(
    private readonly socket: Socket,
    private readonly options: SharedEngineOptions,
  ) {}

  /** Connects (starting the host when none runs) and greets it. A host that retires for this
   * client's newer version closes at once; the next attempt starts this version's host. */
  static async connect(options: SharedEngineOptions): Promise<SharedEngineLink> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const socket = await connectOrStartHost(options.paths, options, Math.max(1000, deadline - Date.now()));
      const link = new SharedEngineLink(socket, options);
      const outcome = await link.greet();
      if (outcome === 'welcome') return link;
      if (Date.now() > deadline)
        throw new EngineClientError('internal', 'The shared engine kept refusing this Alembic version.');
      await new Promise((r) => setTimeout(r, 100)); // the older host stops listening; start ours
    }
  }

  get pid(): number | undefined {
    return this.enginePid;
  }

  pendingKinds(): EngineRequestKind[] {
    return [...this.pending.values()].flatMap((p) => (p.kind === 'hostStatus' ? [] : [p.kind]));
  }

  onDidExit(listener: ExitListener): void {
    this.exitListener = listener;
  }

  request<K extends EngineRequestKind>(
    kind: K,
    params: EngineRequests[K]['params'],
    options: RequestOptions = {},
  ): Promise<EngineRequests[K]['result']> {
    if (this.closed) return Promise.reject(new EngineClientError('crashed', 'The shared engine is gone.'));
    const id = this.nextId++;
    return abortableRequest<EngineRequests[K]['result']>(
      options.signal,
      () => this.write({ type: 'abort', id }),
      (resolve, reject) => {
        this.pending.set(id, { kind, options, resolve: resolve as (v: never) => void, reject });
        this.write({ type: 'request', id, kind, params } as ToSharedEngine);
      },
    );
  }

  /** The host's own figures: its clients, model loads, engine starts. */
  hostStatus(): Promise<SharedHostStatus> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { kind: 'hostStatus', options: {}, resolve: resolve as (v: never) => void, reject });
      this.write({ type: 'hostStatus', id });
    });
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    const closed = new Promise<void>((r) => this.socket.once('close', () => r()));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    await closed;
  }

  private greet(): Promise<'welcome' | 'outdated'> {
    let token: string;
    try {
      token = readFileSync(this.options.paths.token, 'utf8').trim();
    } catch (e) {
      this.socket.destroy();
      return Promise.reject(new EngineClientError('internal', `Cannot read the shared engine's token: ${String(e)}`));
    }
    return new Promise((resolve, reject) => {
      // Until the welcome, frames answer the greeting; after it, they go to their requests.
      let dispatch = (frame: FromSharedEngine) => {
        if (frame.type === 'welcome') {
          this.hostPid = frame.hostPid;
          this.hostVersion = frame.version;
          this.enginePid = frame.enginePid;
          dispatch = (f) => this.onFrame(f);
          this.socket.off('close', onEarlyClose);
          this.socket.once('close', () => this.onClose());
          resolve('welcome');
        } else if (frame.type === 'refused') {
          this.socket.destroy();
          if (frame.reason === 'outdated') resolve('outdated');
          else reject(new EngineClientError('internal', `The shared engine refused the connection: ${frame.message}`));
        }
      };
      const reader = new FrameReader<FromSharedEngine>(
        (frame) => dispatch(frame),
        (message) => {
          this.socket.destroy();
          reject(new EngineClientError('internal', `The shared engine answered with a bad frame: ${message}.`));
        },
      );
      const onEarlyClose = () => reject(new EngineClientError('crashed', 'The shared engine closed the connection.'));
      this.socket.on('data', (d) => reader.push(d));
      this.socket.once('close', onEarlyClose);
      this.socket.on('error', () => undefined);
      this.write({ type: 'hello', token, version: this.options.version, pid: process.pid, label: this.options.label });
    });
  }

  private onFrame(frame: FromSharedEngine): void {
    switch (frame.type) {
      case 'log':
        this.options.log[frame.level](`engine: ${frame.message}`);
        return;
      case 'chunk':
        (this.pending.get(frame.id)?.options.onChunk ?? noop)(frame);
        return;
      case 'progress':
        this.pending.get(frame.id)?.options.onProgress?.(frame.role, frame.path, frame.progress);
        return;
      case 'hostStatus':
      case 'response': {
        const entry = this.pending.get(frame.id);
        if (!entry) return;
        this.pending.delete(frame.id);
        if (frame.type === 'hostStatus' || frame.ok)
          entry.resolve((frame.type === 'hostStatus' ? frame : frame.result) as never);
        else entry.reject(EngineClientError.fromPayload(frame.error));
        return;
      }
      case 'engineExit':
        this.engineExit = frame;
        return;
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    const taken = [...this.pending.values()].flatMap((p) =>
      p.kind === 'hostStatus' ? [] : [{ kind: p.kind, reject: p.reject }],
    );
    for (const p of this.pending.values())
      if (p.kind === 'hostStatus') p.reject(new EngineClientError('crashed', 'The shared engine is gone.'));
    this.pending.clear();
    const exit = this.engineExit;
    this.exitListener?.(
      {
        code: exit?.code ?? null,
        signal: (exit?.signal ?? null) as NodeJS.Signals | null,
        killedFor: exit?.killedFor as ProcessExit['killedFor'],
      },
      taken,
    );
  }

  private write(frame: ToSharedEngine): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(encodeFrame(frame));
  }
}

const noop = () => undefined;
