// Entry point of the engine process: a Node child of the extension host (or of the CLI) that owns
// node-llama-cpp. llama.cpp aborts the whole process on some native errors (GGML_ASSERT, CUDA out of
// memory); in this process that kills only the engine, and the client restarts it.
// It talks to its parent over the IPC channel (see src/core/engine/protocol.ts) and exits as soon
// as the parent goes away, so a crashed editor never leaves a model in memory: through the IPC
// 'disconnect' event, and through a watchdog thread that works even while the main thread is
// blocked (watchdog.ts). The same file also runs the engine's worker threads (templateCheck.ts).
// Environment: ALEMBIC_ENGINE_GPU = auto | off | cuda | vulkan | metal (default auto); for tests:
// ALEMBIC_ENGINE_RAM_BYTES (the RAM the memory estimate assumes), ALEMBIC_ENGINE_PRECHECK=off,
// ALEMBIC_ENGINE_STALL_KILL_MS (the watchdog's cap on a blocked main thread, default 120 s),
// ALEMBIC_ENGINE_RETUNE_INTERVAL_MS (the shortest time between two thread measurements, default 30 s).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { EngineRequest, FromEngine, ToEngine } from '../../core/engine/protocol';
import { createLogger } from '../../core/util/logger';
import { ChatRunner } from './chatRunner';
import { CompletionRunner } from './completionRunner';
import { EngineError } from './engineError';
import { createHandlers, dispatch, type RequestContext } from './handlers';
import { LlamaRuntime } from './llamaRuntime';
import { NextEditRunner } from './nextEditRunner';
import { runTemplateCheck, TEMPLATE_CHECK_ROLE, type TemplateCheckInput } from './templateCheck';
import { startWatchdog } from './watchdog';

const HEARTBEAT_MS = 1000;

function startEngine(): void {
  if (!process.send) {
    console.error(
      'The Alembic engine runs as a child process of the extension or the CLI; it cannot be started on its own.',
    );
    process.exit(2);
  }
  const send = (message: FromEngine) => {
    if (process.connected) process.send?.(message);
  };
  const log = createLogger((level, message) => send({ type: 'log', level, message }));
  const watchdog = startWatchdog({
    parentPid: process.ppid,
    stallReportMs: 2000,
    stallKillMs: Number(process.env.ALEMBIC_ENGINE_STALL_KILL_MS) || 120_000,
  });

  const gpuSetting = process.env.ALEMBIC_ENGINE_GPU ?? 'auto';
  const runtime = new LlamaRuntime({
    gpu:
      gpuSetting === 'off'
        ? false
        : gpuSetting === 'cuda' || gpuSetting === 'vulkan' || gpuSetting === 'metal'
          ? gpuSetting
          : 'auto',
    log,
    ramLimitBytes: Number(process.env.ALEMBIC_ENGINE_RAM_BYTES) || undefined,
    skipPrecheck: process.env.ALEMBIC_ENGINE_PRECHECK === 'off',
  });
  const chats = new ChatRunner(runtime, (label) => watchdog.setActivity(label));
  const completions = new CompletionRunner(runtime, {
    contended: () => chats.busy,
    retuneIntervalMs: Number(process.env.ALEMBIC_ENGINE_RETUNE_INTERVAL_MS) || undefined,
  });
  const nextEdits = new NextEditRunner(runtime);
  const running = new Map<number, AbortController>();
  const handlers = createHandlers({
    runtime,
    completions,
    chats,
    nextEdits,
    running: () => [...running.keys()],
    startedAt: Date.now(),
  });

  const onMessage = (message: ToEngine): void => {
    if (!message || typeof message !== 'object') return;
    if (message.type === 'abort') {
      running.get(message.id)?.abort();
      return;
    }
    if (message.type !== 'request' || typeof message.id !== 'number') return;
    const request: EngineRequest = message;
    const controller = new AbortController();
    running.set(request.id, controller);
    const context: RequestContext = {
      id: request.id,
      signal: controller.signal,
      emitChunk: (chunk) => send({ type: 'chunk', id: request.id, ...chunk }),
      emitProgress: (role, path, progress) => send({ type: 'progress', id: request.id, role, path, progress }),
    };
    watchdog.setActivity(`handling a ${request.kind} request`);
    dispatch(handlers, request, context)
      .then((result) => send({ type: 'response', id: request.id, kind: request.kind, ok: true, result } as FromEngine))
      .catch((e: unknown) => {
        const error = EngineError.toPayload(e);
        if (error.code === 'internal')
          log.error(`${request.kind} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        send({ type: 'response', id: request.id, kind: request.kind, ok: false, error } as FromEngine);
      })
      .finally(() => running.delete(request.id));
  };

  // 'disconnect' fires when the parent closes the IPC channel or dies; the watchdog covers a
  // parent that was SIGKILLed while this thread was blocked.
  process.on('disconnect', () => process.exit(0));
  process.on('message', onMessage);
  process.on('uncaughtException', (e) => log.error(`uncaught: ${e.stack ?? e.message}`));
  process.on('unhandledRejection', (e) =>
    log.error(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  );
  setInterval(() => send({ type: 'heartbeat' }), HEARTBEAT_MS).unref();
  runtime
    .init()
    .then(() => send({ type: 'ready', pid: process.pid }))
    .catch((e: unknown) => {
      log.error(`node-llama-cpp could not start: ${e instanceof Error ? e.message : String(e)}`);
      send({ type: 'ready', pid: process.pid }); // requests will report the failure
    });
}

if (isMainThread) {
  startEngine();
} else if ((workerData as { role?: string } | undefined)?.role === TEMPLATE_CHECK_ROLE) {
  void runTemplateCheck(workerData as TemplateCheckInput, (m) => parentPort?.postMessage(m));
}
