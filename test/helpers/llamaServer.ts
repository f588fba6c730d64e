// The server tier's shared helper: a real llama-server (the one scripts/build-llama-server.sh
// builds from node-llama-cpp's bundled llama.cpp, built on first use and cached per machine) on
// 127.0.0.1 on a free port with a given model and flags, ready once /health answers, and stopped
// after the test, also when the test fails. 1 thread, like every test here.
import { join } from 'node:path';
import { llamaServerBinary, startLlamaServer, type LlamaServer } from '../../src/core/bench/llamaServer';
import { REPO_ROOT } from './testModel';

export type { LlamaServer } from '../../src/core/bench/llamaServer';

const BUILD_SCRIPT = join(REPO_ROOT, 'scripts', 'build-llama-server.sh');

let binary: string | undefined;

/** The llama-server binary, built first when this machine has none (15–35 minutes, once). */
export function llamaServerPath(): string {
  binary ??= llamaServerBinary(BUILD_SCRIPT, { build: true })!;
  return binary;
}

export interface TestServerOptions {
  model: string;
  flags?: readonly string[];
  threads?: number;
}

/** Starts a server; the caller stops it (in an `after` hook for a file-wide one). */
export function startTestServer(options: TestServerOptions): Promise<LlamaServer> {
  return startLlamaServer({
    binary: llamaServerPath(),
    model: options.model,
    flags: options.flags,
    threads: options.threads ?? 1,
  });
}

/** Runs `body` with a server that is stopped when it returns or throws. */
export async function withTestServer<T>(
  options: TestServerOptions,
  body: (server: LlamaServer) => Promise<T>,
): Promise<T> {
  const server = await startTestServer(options);
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

/** llama-server's Prometheus counters (started with --metrics), by name without the prefix. */
export async function serverMetrics(server: LlamaServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^llamacpp:(\w+) ([\d.eE+-]+)$/.exec(line.trim());
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}
