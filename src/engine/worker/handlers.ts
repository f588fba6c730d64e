// The engine's request handlers, one per request kind, typed by the protocol's EngineRequests (a
// handler that returns the wrong result does not compile), and the dispatch that routes a request
// to its handler.
import type {
  StreamChunkBody,
  EngineHandlers,
  EngineRequest,
  EngineRequestKind,
  EngineRequests,
  EngineStatus,
  ModelRole,
} from '../../core/engine/protocol';
import type { ChatRunner } from './chatRunner';
import type { CompletionRunner } from './completionRunner';
import { EngineError } from './engineError';
import type { LlamaRuntime } from './llamaRuntime';
import type { NextEditRunner } from './nextEditRunner';

/** What each handler gets besides its parameters. */
export interface RequestContext {
  id: number;
  signal: AbortSignal;
  emitChunk(chunk: StreamChunkBody): void;
  emitProgress(role: ModelRole, path: string, progress: number): void;
}

export interface EngineParts {
  runtime: LlamaRuntime;
  completions: CompletionRunner;
  chats: ChatRunner;
  nextEdits: NextEditRunner;
  /** Ids of the requests running now. */
  running(): number[];
  startedAt: number;
}

export function createHandlers({
  runtime,
  completions,
  chats,
  nextEdits,
  running,
  startedAt,
}: EngineParts): EngineHandlers<RequestContext> {
  return {
    async load(params, ctx) {
      completions.reset();
      chats.reset();
      const models = await runtime.load(params, ctx.emitProgress);
      if (models.chat) models.chat.chatWrapper = chats.wrapperName();
      return { models, gpu: await runtime.gpuInfo(), threads: runtime.threads };
    },
    complete: (params, ctx) => {
      nextEdits.preempt(); // an inline completion never waits behind a next edit
      const onText = params.stream
        ? (text: string, generatedTokens: number) => ctx.emitChunk({ segment: 'partial', text, generatedTokens })
        : undefined;
      return completions.complete(params, ctx.signal, onText);
    },
    nextEdit: (params, ctx) => nextEdits.run(params, ctx.signal),
    prefill: (params, ctx) => completions.prefill(params, ctx.signal),
    chat: (params, ctx) => chats.run(params, ctx.signal, ctx.emitChunk),
    async tokenize(params) {
      const slot = runtime.slotFor(params.role);
      if (!slot) throw new EngineError('noModel', `No ${params.role} model is loaded.`);
      return { tokens: slot.model.tokenize(params.text, params.special ?? false) };
    },
    async status(_params, ctx): Promise<EngineStatus> {
      await runtime.init();
      return {
        gpu: await runtime.gpuInfo(),
        models: runtime.models(),
        threads: runtime.threads,
        speeds: {
          promptTokensPerSecond:
            runtime.pace.tokensPerSecond === undefined ? undefined : Math.round(runtime.pace.tokensPerSecond),
          promptChunkTokens: runtime.pace.chunkTokens(),
        },
        running: running().filter((id) => id !== ctx.id),
        pid: process.pid,
        uptimeMs: Date.now() - startedAt,
        rssBytes: process.memoryUsage.rss(),
      };
    },
    async unload(params) {
      completions.reset();
      chats.reset();
      return { unloaded: await runtime.unload(params.role) };
    },
  };
}

/** Runs the request's handler; an unknown kind is a bad request. */
export function dispatch<C>(
  handlers: EngineHandlers<C>,
  request: EngineRequest,
  context: C,
): Promise<EngineRequests[EngineRequestKind]['result']> {
  if (!Object.hasOwn(handlers, request.kind)) {
    return Promise.reject(new EngineError('badRequest', `Unknown request kind ${String(request.kind).slice(0, 40)}.`));
  }
  // The request's kind and params belong together (EngineRequest is a union by kind); TypeScript
  // cannot follow that correlation through an indexed call, hence the one cast.
  const handler = handlers[request.kind] as (
    params: unknown,
    context: C,
  ) => Promise<EngineRequests[EngineRequestKind]['result']>;
  return handler(request.params, context);
}
