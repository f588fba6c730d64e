// A real llama-server for the benchmark and the server tests: the binary that
// scripts/build-llama-server.sh builds from node-llama-cpp's own llama.cpp source (so it runs the
// same llama.cpp as Alembic's engine), started on 127.0.0.1 on a free port with a model and flags,
// ready once /health answers 200, and always stopped (SIGTERM, then SIGKILL; also when the parent
// exits).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Logger } from '../util/logger';

export interface LlamaServerOptions {
  binary: string;
  model: string;
  /** Flags after the model and address, e.g. llamaVscodeServerFlags(). */
  flags?: readonly string[];
  /** -t and -tb; the server's own choice when absent. */
  threads?: number;
  /** Fixed port; a free one when absent. */
  port?: number;
  /** How long loading may take before giving up (default 120 s). */
  readyTimeoutMs?: number;
  /** Hears every line the server logs, at debug level (default: nothing; logTail keeps the last ones). */
  log?: Logger;
}

export interface LlamaServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** The last lines the server logged (for error messages). */
  logTail(lines?: number): string;
  /** Stops the server and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const LOG_LINES = 200;

/** llama-server caps a slot's context at the model's training context: a test model standing in
 * for a model with a longer one is told it has that one (--override-kv). */
export function contextOverride(
  model: { architecture: string; contextLength: number | null },
  contextSize: number,
): string[] {
  if (contextSize <= 0 || (model.contextLength ?? 0) >= contextSize) return [];
  return ['--override-kv', `${model.architecture}.context_length=int:${contextSize}`];
}

/** A port nobody listens on now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServer> {
  if (!existsSync(options.binary)) throw new Error(`llama-server not found at ${options.binary}`);
  if (!existsSync(options.model)) throw new Error(`model not found: ${options.model}`);
  // A free port can be taken between the check and the bind: try a few.
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launch(options, port);
    } catch (e) {
      if (options.port !== undefined || attempt >= 2 || !(e instanceof PortTakenError)) throw e;
    }
  }
}

class PortTakenError extends Error {}

async function launch(options: LlamaServerOptions, port: number): Promise<LlamaServer> {
  const threads = options.threads ? ['-t', String(options.threads), '-tb', String(options.threads)] : [];
  const args = ['-m', options.model, '--host', HOST, '--port', String(port), ...threads, ...(options.flags ?? [])];
  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      log.push(line);
      if (log.length > LOG_LINES) log.shift();
      options.log?.debug(line);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
    child.on('error', () => resolve(-1));
  });
  // A backstop: a CLI or test that dies must not leave the server running.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const url = `http://${HOST}:${port}`;
  const server: LlamaServer = {
    url,
    port,
    pid: child.pid ?? -1,
    logTail: (n = 30) => log.slice(-n).join('\n'),
    stop: async () => {
      process.off('exit', killOnExit);
      await stopChild(child, exited);
    },
  };
  try {
    await waitForHealth(url, exited, options.readyTimeoutMs ?? 120_000);
    return server;
  } catch (e) {
    await server.stop();
    const tail = server.logTail();
    if (/couldn't bind|address already in use/i.test(tail)) throw new PortTakenError(`port ${port} is taken`);
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- llama-server's last lines ---\n${tail}`);
  }
}

async function waitForHealth(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (performance.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`llama-server exited (code ${exitCode}) before it was ready`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`llama-server was not ready after ${Math.round(timeoutMs / 1000)} s`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * The llama-server binary: `ALEMBIC_LLAMA_SERVER` when set, else the one the build script caches
 * (its --print-path). With `build`, runs the script to build it when it is missing (cached: once
 * per machine), its progress on stderr. Returns undefined when there is none and none is built.
 */
export function llamaServerBinary(script: string, options: { build?: boolean } = {}): string | undefined {
  const fromEnv = process.env.ALEMBIC_LLAMA_SERVER;
  if (fromEnv) return fromEnv;
  const printed = spawnSync('bash', [script, '--print-path'], { encoding: 'utf8' });
  const path = printed.status === 0 ? printed.stdout.trim().split('\n').pop() : undefined;
  if (path && existsSync(path)) return path;
  if (!options.build) return undefined;
  const built = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (built.status !== 0) throw new Error(`${script} failed (exit ${built.status})`);
  const binary = built.stdout.trim().split('\n').pop();
  if (!binary || !existsSync(binary)) throw new Error(`${script} printed no llama-server path`);
  return binary;
}
