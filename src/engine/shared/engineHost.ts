// The shared engine's host: one process per user and machine that owns the engine process
// (engineProcess.ts forks dist/engine.js, as a window does on its own) and serves every window and
// tool that connects to its socket with the engine's own protocol.
//   - Authentication: the first frame carries the token of the 0600 file; anything else is refused.
//   - Isolation: each connection's request ids are its own; chunks, progress and answers go only
//     to the connection that asked.
//   - One model copy: a `load` of the configuration that is loaded answers at once, without a
//     load; a connection whose configuration differs gets it loaded before its next request.
//   - Fairness: completions and chat answers each go through their own lane, one request at a
//     time, taking connections in turn (round-robin). The engine evaluates a completion at a
//     higher priority than a chat answer, in chunks of ~40 ms, so a long chat in one window holds
//     another window's completion back by at most one chunk; the completion lane never waits
//     for the chat lane.
//   - Lifetime: the host exits when the engine process dies (every client sees its connection
//     close and one starts a new host), after `idleExitMs` without clients, and when a newer
//     Alembic connects (it stops listening at once, so the newer one starts its own host, and
//     exits once no request is in flight: never mid-request).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type {
  EngineErrorPayload,
  EngineRequest,
  EngineRequestKind,
  EngineRequests,
  LoadParams,
  LoadResult,
  ModelRole,
} from '../../core/engine/protocol';
import {
  compareVersions,
  encodeFrame,
  FrameReader,
  type FromSharedEngine,
  type SharedHello,
  type ToSharedEngine,
} from '../../core/engine/sharedProtocol';
import { createLogger, type Logger, type LogLevel } from '../../core/util/logger';
import { EngineClientError } from '../client/engineClientError';
import { EngineProcess, type EngineProcessOptions } from '../client/engineProcess';
import { abortedResult } from '../client/abortedResult';
import { Lane, type LaneName } from './fairLanes';
import type { SharedPaths } from './rendezvous';

export interface EngineHostOptions {
  paths: SharedPaths;
  version: string;
  idleExitMs: number;
  engine: Omit<EngineProcessOptions, 'log'>;
  log: Logger;
  /** Called once the host has shut down (the entry point exits the process). */
  onShutdown(): void;
}

interface Connection {
  socket: Socket;
  hello?: SharedHello;
  /** The configuration this connection last asked for, as JSON. */
  configKey?: string;
  config?: LoadParams;
  /** Its requests that have not been answered, by its own ids. */
  open: Map<number, { controller: AbortController; queued?: Job }>;
}

interface Job {
  conn: Connection;
  request: EngineRequest;
  controller: AbortController;
}

export class EngineHost {
  private server?: Server;
  private engine?: EngineProcess;
  private starting?: Promise<EngineProcess>;
  private readonly token = randomBytes(32).toString('hex');
  private readonly connections = new Set<Connection>();
  private readonly lanes: Record<LaneName, Lane<Job>> = { complete: new Lane(), chat: new Lane() };
  private loadedKey?: string;
  private lastLoad?: LoadResult;
  private loadChain: Promise<unknown> = Promise.resolve();
  private modelLoads = 0;
  private engineStarts = 0;
  private inFlight = 0;
  private idleTimer?: NodeJS.Timeout;
  private retiring = false;
  private closed = false;

  constructor(private readonly options: EngineHostOptions) {}

  /** Starts the engine process, writes a fresh token and listens (so every welcome names the engine). */
  async start(): Promise<void> {
    const { paths } = this.options;
    await this.ensureEngine();
    rmSync(paths.token, { force: true });
    writeFileSync(paths.token, this.token, { mode: 0o600, flag: 'wx' });
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(paths.socket, () => resolve());
    });
    if (process.platform !== 'win32') chmodSync(paths.socket, 0o600);
    this.server = server;
    this.armIdleExit();
    this.options.log.info(`listening on ${paths.socket} (version ${this.options.version}, pid ${process.pid})`);
  }

  async shutdown(reason: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.log.info(`shutting down: ${reason}`);
    clearTimeout(this.idleTimer);
    this.stopListening();
    // Ending (not destroying) the connections lets the last answers and notices reach their clients.
    await Promise.all(
      [...this.connections].map(
        (conn) =>
          new Promise<void>((resolve) => {
            if (conn.socket.destroyed) return resolve();
            conn.socket.once('close', () => resolve());
            conn.socket.end();
            setTimeout(() => conn.socket.destroy(), 1000).unref();
          }),
      ),
    );
    await this.engine?.stop();
    this.options.onShutdown();
  }

  private stopListening(): void {
    if (!this.server) return;
    this.server.close();
    this.server = undefined;
    // The socket file goes with the listener (net.Server removes it); the token stays until the next host.
  }

  private ensureEngine(): Promise<EngineProcess> {
    if (this.engine) return Promise.resolve(this.engine);
    this.starting ??= EngineProcess.start({
      ...this.options.engine,
      log: createLogger((level, message) => this.engineLog(level, message)),
    })
      .then((engine) => {
        this.engineStarts++;
        this.engine = engine;
        engine.onDidExit((exit) => {
          this.broadcast({
            type: 'engineExit',
            code: exit.code,
            signal: exit.signal,
            ...(exit.killedFor ? { killedFor: exit.killedFor } : {}),
          });
          void this.shutdown(`the engine process ended (${exit.signal ?? `exit code ${exit.code}`})`);
        });
        return engine;
      })
      .finally(() => (this.starting = undefined));
    return this.starting;
  }

  private engineLog(level: LogLevel, message: string): void {
    this.options.log[level](message);
    // Engine-wide lines only (no prompt text is logged at these levels): every client shows them.
    if (level !== 'debug' && level !== 'trace') this.broadcast({ type: 'log', level, message });
  }

  private accept(socket: Socket): void {
    const conn: Connection = { socket, open: new Map() };
    this.connections.add(conn);
    clearTimeout(this.idleTimer);
    const reader = new FrameReader<ToSharedEngine>(
      (frame) => this.onFrame(conn, frame),
      (message) => this.refuse(conn, 'protocol', `Bad frame: ${message}.`),
    );
    const helloTimer = setTimeout(() => {
      if (!conn.hello) this.refuse(conn, 'protocol', 'No greeting within 5 s.');
    }, 5000);
    socket.on('data', (d) => reader.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.drop(conn);
    });
  }

  private onFrame(conn: Connection, frame: ToSharedEngine): void {
    if (!conn.hello) {
      if (frame.type !== 'hello') return this.refuse(conn, 'protocol', 'The first frame must be a greeting.');
      return this.greet(conn, frame);
    }
    switch (frame.type) {
      case 'request':
        return this.onRequest(conn, frame);
      case 'abort':
        return this.onAbort(conn, frame.id);
      case 'hostStatus':
        return this.send(conn, {
          type: 'hostStatus',
          id: frame.id,
          version: this.options.version,
          hostPid: process.pid,
          enginePid: this.engine?.pid,
          clients: [...this.connections].flatMap((c) =>
            c.hello ? [{ pid: c.hello.pid, label: c.hello.label, version: c.hello.version }] : [],
          ),
          modelLoads: this.modelLoads,
          engineStarts: this.engineStarts,
        });
    }
  }

  private greet(conn: Connection, hello: SharedHello): void {
    const given = Buffer.from(String(hello.token ?? ''));
    const expected = Buffer.from(this.token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return this.refuse(conn, 'token', 'Wrong token for the shared engine.');
    if (compareVersions(String(hello.version), this.options.version) > 0) {
      this.refuse(conn, 'outdated', `This engine is Alembic ${this.options.version}; ${hello.version} replaces it.`);
      return this.retire(String(hello.version));
    }
    conn.hello = hello;
    this.send(conn, {
      type: 'welcome',
      version: this.options.version,
      hostPid: process.pid,
      enginePid: this.engine?.pid,
    });
  }

  private refuse(conn: Connection, reason: 'token' | 'outdated' | 'protocol', message: string): void {
    this.send(conn, { type: 'refused', reason, message });
    conn.socket.end();
  }

  /** A newer Alembic connected: stop listening now, exit once nothing is in flight. */
  private retire(newer: string): void {
    if (this.retiring) return;
    this.retiring = true;
    this.options.log.info(`Alembic ${newer} connected: this host stops listening and exits when idle`);
    this.stopListening();
    this.exitIfRetiredAndIdle();
  }

  private exitIfRetiredAndIdle(): void {
    if (this.retiring && this.inFlight === 0) void this.shutdown('replaced by a newer Alembic');
  }

  private onRequest(conn: Connection, request: EngineRequest): void {
    if (typeof request.id !== 'number' || conn.open.has(request.id)) return;
    const controller = new AbortController();
    const job: Job = { conn, request, controller };
    const lane = laneOf(request.kind);
    conn.open.set(request.id, { controller, queued: lane ? job : undefined });
    if (lane) {
      this.lanes[lane].push(job);
      this.pump(lane);
    } else {
      void this.run(job);
    }
  }

  private onAbort(conn: Connection, id: number): void {
    const open = conn.open.get(id);
    if (!open) return;
    const lane = laneOf(open.queued?.request.kind);
    if (open.queued && lane && this.lanes[lane].remove(open.queued)) {
      // Never reached the engine: answered as the engine answers an aborted generation.
      const kind = open.queued.request.kind as 'complete' | 'chat';
      conn.open.delete(id);
      this.send(conn, { type: 'response', id, kind, ok: true, result: abortedResult(kind) } as FromSharedEngine);
      return;
    }
    open.controller.abort();
  }

  private pump(name: LaneName): void {
    const lane = this.lanes[name];
    if (lane.running) return;
    const job = lane.next();
    if (!job) return;
    lane.running = true;
    const open = job.conn.open.get(job.request.id);
    if (open) open.queued = undefined;
    void this.run(job).finally(() => {
      lane.running = false;
      this.pump(name);
    });
  }

  private async run({ conn, request, controller }: Job): Promise<void> {
    this.inFlight++;
    try {
      const result = await this.execute(conn, request, controller.signal);
      this.send(conn, { type: 'response', id: request.id, kind: request.kind, ok: true, result } as FromSharedEngine);
    } catch (e) {
      const error: EngineErrorPayload =
        e instanceof EngineClientError
          ? {
              code: e.code,
              message: e.message,
              promptTokens: e.details.promptTokens,
              contextSize: e.details.contextSize,
            }
          : { code: 'internal', message: e instanceof Error ? e.message : String(e) };
      this.send(conn, { type: 'response', id: request.id, kind: request.kind, ok: false, error } as FromSharedEngine);
    } finally {
      conn.open.delete(request.id);
      this.inFlight--;
      this.exitIfRetiredAndIdle();
    }
  }

  private async execute(
    conn: Connection,
    request: EngineRequest,
    signal: AbortSignal,
  ): Promise<EngineRequests[EngineRequestKind]['result']> {
    const engine = await this.ensureEngine();
    const id = request.id;
    switch (request.kind) {
      case 'load':
        if (!request.params.completionModel && !request.params.chatModel) {
          // No model of its own (alembic serve without --model): whatever the windows loaded.
          conn.config = conn.configKey = undefined;
          if (this.lastLoad && this.loadedKey) return this.lastLoad;
          throw new EngineClientError(
            'noModel',
            'The shared engine has no model loaded yet: open a window with a model, or give one (--model).',
          );
        }
        conn.config = request.params;
        conn.configKey = JSON.stringify(request.params);
        return this.loadFor(conn, (role, path, progress) =>
          this.send(conn, { type: 'progress', id, role, path, progress }),
        );
      case 'unload':
        // Another window may be using the model: it stays until the last one lets go.
        if ([...this.connections].some((c) => c !== conn && c.hello)) return { unloaded: [] };
        this.loadedKey = undefined;
        return engine.request('unload', request.params);
      case 'status':
        return engine.request('status', request.params);
      default:
        if (conn.configKey && conn.configKey !== this.loadedKey) await this.loadFor(conn);
        return engine.request(request.kind, request.params as never, {
          signal,
          onChunk: (chunk) => this.send(conn, { ...chunk, id }),
        });
    }
  }

  /** Loads the connection's configuration unless it is what the engine has loaded (loads run one at a time). */
  private loadFor(
    conn: Connection,
    onProgress?: (role: ModelRole, path: string, progress: number) => void,
  ): Promise<LoadResult> {
    const run = this.loadChain.then(async () => {
      if (conn.configKey === this.loadedKey && this.lastLoad) return this.lastLoad;
      const engine = await this.ensureEngine();
      this.loadedKey = undefined;
      const result = await engine.request('load', conn.config ?? {}, { onProgress });
      this.modelLoads++;
      this.loadedKey = conn.configKey;
      this.lastLoad = result;
      return result;
    });
    this.loadChain = run.catch(() => undefined);
    return run;
  }

  private drop(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    for (const open of conn.open.values()) open.controller.abort();
    for (const lane of Object.values(this.lanes)) lane.drop(conn);
    this.armIdleExit();
  }

  private armIdleExit(): void {
    if (this.closed || this.connections.size > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      () => void this.shutdown(`no client for ${Math.round(this.options.idleExitMs / 1000)} s`),
      this.options.idleExitMs,
    );
  }

  private send(conn: Connection, frame: FromSharedEngine): void {
    if (!conn.socket.destroyed && conn.socket.writable) conn.socket.write(encodeFrame(frame));
  }

  private broadcast(frame: FromSharedEngine): void {
    for (const conn of this.connections) if (conn.hello) this.send(conn, frame);
  }
}

function laneOf(kind: EngineRequestKind | undefined): LaneName | undefined {
  return kind === 'complete' ? 'complete' : kind === 'chat' ? 'chat' : undefined;
}
