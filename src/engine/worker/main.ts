// Entry point of the engine process: a Node child of the extension host (or of the CLI) that owns
// node-llama-cpp. llama.cpp aborts the whole process on some native errors (GGML_ASSERT, CUDA out of
// memory); in this process that kills only the engine, and the client restarts it.
// It talks to its parent over the IPC channel (see src/core/engine/protocol.ts) and exits as soon
// as the parent goes away, so a crashed editor never leaves a model in VRAM.
// Environment: ALEMBIC_ENGINE_GPU = auto | off | cuda | vulkan | metal (default auto).
import type { EngineRequest, FromEngine, LoadResult, ToEngine } from '../../core/engine/protocol';
import { createLogger } from '../../core/util/logger';
import { ChatRunner } from './chatRunner';
import { CompletionRunner } from './completionRunner';
import { EngineError } from './engineError';
import { LlamaRuntime } from './llamaRuntime';

const started = Date.now();
const send = (message: FromEngine) => {
  if (process.connected) process.send?.(message);
};
const log = createLogger((level, message) => send({ type: 'log', level, message }));

const gpuSetting = process.env.ALEMBIC_ENGINE_GPU ?? 'auto';
const runtime = new LlamaRuntime({
  gpu:
    gpuSetting === 'off'
      ? false
      : gpuSetting === 'cuda' || gpuSetting === 'vulkan' || gpuSetting === 'metal'
        ? gpuSetting
        : 'auto',
  log,
});
const completions = new CompletionRunner(runtime);
const chats = new ChatRunner(runtime);
const running = new Map<number, AbortController>();

async function handle(request: EngineRequest, signal: AbortSignal): Promise<unknown> {
  switch (request.kind) {
    case 'load': {
      completions.reset();
      chats.reset();
      const models = await runtime.load(request.params, (role, progress) =>
        send({ type: 'progress', id: request.id, role, progress }),
      );
      if (models.chat) models.chat.chatWrapper = chats.wrapperName();
      const result: LoadResult = { models, gpu: await runtime.gpuInfo() };
      return result;
    }
    case 'complete':
      return completions.complete(request.params, signal);
    case 'prefill':
      return completions.prefill(request.params, signal);
    case 'chat':
      return chats.run(request.params, signal, (chunk) => send({ type: 'chunk', id: request.id, ...chunk }));
    case 'tokenize': {
      const slot = runtime.slotFor(request.params.role);
      if (!slot) throw new EngineError('noModel', `No ${request.params.role} model is loaded.`);
      return { tokens: slot.model.tokenize(request.params.text, request.params.special ?? false) };
    }
    case 'status': {
      await runtime.init();
      return {
        gpu: await runtime.gpuInfo(),
        models: runtime.models(),
        running: [...running.keys()].filter((id) => id !== request.id),
        pid: process.pid,
        uptimeMs: Date.now() - started,
        rssBytes: process.memoryUsage.rss(),
      };
    }
    case 'unload': {
      completions.reset();
      chats.reset();
      return { unloaded: await runtime.unload(request.params.role) };
    }
    default:
      throw new EngineError('badRequest', `Unknown request kind ${(request as { kind: string }).kind}.`);
  }
}

function onMessage(message: ToEngine): void {
  if (!message || typeof message !== 'object') return;
  if (message.type === 'abort') {
    running.get(message.id)?.abort();
    return;
  }
  if (message.type !== 'request' || typeof message.id !== 'number') return;
  const controller = new AbortController();
  running.set(message.id, controller);
  handle(message, controller.signal)
    .then((result) => send({ type: 'response', id: message.id, kind: message.kind, ok: true, result } as FromEngine))
    .catch((e: unknown) => {
      const error = EngineError.toPayload(e);
      if (error.code === 'internal')
        log.error(`${message.kind} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      send({ type: 'response', id: message.id, kind: message.kind, ok: false, error } as FromEngine);
    })
    .finally(() => running.delete(message.id));
}

function exitWithParent(): void {
  // 'disconnect' fires when the parent closes the IPC channel or dies; the ppid check also
  // catches a parent that was SIGKILLed before the channel noticed.
  process.on('disconnect', () => process.exit(0));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 2000).unref();
}

if (!process.send) {
  console.error(
    'The Alembic engine runs as a child process of the extension or the CLI; it cannot be started on its own.',
  );
  process.exit(2);
}
exitWithParent();
process.on('message', onMessage);
process.on('uncaughtException', (e) => log.error(`uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) =>
  log.error(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
);
runtime
  .init()
  .then(() => send({ type: 'ready', pid: process.pid }))
  .catch((e: unknown) => {
    log.error(`node-llama-cpp could not start: ${e instanceof Error ? e.message : String(e)}`);
    send({ type: 'ready', pid: process.pid }); // requests will report the failure
  });
