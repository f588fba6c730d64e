// What each endpoint of `alembic serve` does with the engine: the OpenAI-compatible chat and text
// completions (streamed as server-sent events when asked), llama-server's /infill, /v1/models and
// /health. The HTTP plumbing (auth, caps, the connection) is httpServer.ts's; here a request is
// already parsed and `reply` knows how to answer it.
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import type {
  ChatChunk,
  ChatParams,
  ChatResult,
  CompleteParams,
  CompleteResult,
  LoadedModelInfo,
  ModelRole,
  PromptSegment,
  StopReason,
  TokenAccounting,
} from '../engine/protocol';
import { NoFimSupportError, selectFimTemplate } from '../completion/fimTemplates';
import type { ContextSnippet } from '../completion/extraContext';
import { HttpError } from './httpError';
import type { ChatRequest, CompletionRequest, GenerationOptions, InfillRequest } from './serveRequests';

/** What `serve` needs from the engine; EngineClient is one (a private engine or the shared one). */
export interface ServeEngine {
  readonly state: { phase: string; models: Partial<Record<ModelRole, LoadedModelInfo>>; error?: string };
  /** Loads the configured models when needed; resolves with what serves each role. */
  load(): Promise<{ models: Partial<Record<ModelRole, LoadedModelInfo>> }>;
  chat(
    params: ChatParams,
    options: { signal?: AbortSignal; onChunk?: (chunk: ChatChunk) => void },
  ): Promise<ChatResult>;
  complete(params: CompleteParams, signal?: AbortSignal): Promise<CompleteResult>;
}

export interface ServeOptions {
  /** Wall-clock cap on one generation. */
  timeoutMs: number;
  /** Answer length when a chat request names none. */
  defaultChatMaxTokens: number;
  defaultChatTemperature: number;
  /** One line per generation: its endpoint, why it ended and its tokens. */
  log?: (line: string) => void;
}

/** How a handler answers: one JSON body, or a stream of server-sent events. */
export interface Reply {
  json(status: number, body: unknown): void;
  events(): EventStream;
  /** Aborted when the client closes the connection: the generation stops. */
  readonly signal: AbortSignal;
}

export interface EventStream {
  send(data: unknown): void;
  /** Writes `data: [DONE]` (OpenAI's end of stream) unless `done` is false, and closes. */
  end(done?: boolean): void;
}

const FINISH: Record<StopReason, string> = {
  eos: 'stop',
  stop: 'stop',
  maxTokens: 'length',
  timeout: 'length',
  contextFull: 'length',
  abort: 'stop',
  toolCalls: 'tool_calls',
};

export async function models(engine: ServeEngine, reply: Reply): Promise<void> {
  const { models } = await engine.load();
  const seen = new Map<string, LoadedModelInfo>();
  for (const info of Object.values(models)) if (info) seen.set(info.path, info);
  reply.json(200, {
    object: 'list',
    data: [...seen.values()].map((info) => ({
      id: modelId(info),
      object: 'model',
      created: 0,
      owned_by: 'alembic',
      meta: { name: info.name, roles: info.roles, context_size: info.contextSize, fim: info.fim !== null },
    })),
  });
}

export function health(engine: ServeEngine, reply: Reply): void {
  const { phase, error } = engine.state;
  if (phase === 'ready' || phase === 'busy') reply.json(200, { status: 'ok' });
  else if (phase === 'halted' || (error && phase !== 'loading'))
    reply.json(500, { status: 'error', error: error ?? 'The engine stopped.' });
  else reply.json(503, { status: 'loading' });
}

export async function chatCompletions(
  engine: ServeEngine,
  request: ChatRequest,
  reply: Reply,
  options: ServeOptions,
): Promise<void> {
  const info = await modelFor(engine, 'chat');
  const params: ChatParams = {
    ...sampling(request, options.defaultChatTemperature),
    messages: request.messages,
    maxTokens: Math.min(request.maxTokens ?? options.defaultChatMaxTokens, info.contextSize),
    timeoutMs: options.timeoutMs,
    stop: request.stop,
    tools: request.tools,
  };
  const id = `chatcmpl-${randomId()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = modelId(info);
  const head = { id, created, model };
  if (!request.stream) {
    const result = logged(options, 'chat', await engine.chat(params, { signal: reply.signal }));
    reply.json(200, {
      ...head,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: result.toolCalls?.length && !result.text ? null : result.text,
            ...(result.thought ? { reasoning_content: result.thought } : {}),
            ...(result.toolCalls?.length ? { tool_calls: toolCalls(result) } : {}),
          },
          finish_reason: FINISH[result.stopReason],
        },
      ],
      usage: usage(result.accounting),
    });
    return;
  }
  const events = reply.events();
  const chunk = (delta: unknown, finish: string | null = null) =>
    events.send({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
  chunk({ role: 'assistant', content: '' });
  await streamed(events, async () => {
    const result = logged(
      options,
      'chat',
      await engine.chat(params, {
        signal: reply.signal,
        onChunk: (c) => chunk(c.segment === 'text' ? { content: c.text } : { reasoning_content: c.text }),
      }),
    );
    if (result.toolCalls?.length) chunk({ tool_calls: toolCalls(result).map((call, index) => ({ index, ...call })) });
    chunk({}, FINISH[result.stopReason]);
    if (request.includeUsage)
      events.send({ ...head, object: 'chat.completion.chunk', choices: [], usage: usage(result.accounting) });
  });
}

export async function completions(
  engine: ServeEngine,
  request: CompletionRequest,
  reply: Reply,
  options: ServeOptions,
): Promise<void> {
  const info = await modelFor(engine, 'completion');
  const result = await fillInTheMiddle(engine, info, request, reply.signal, options, {
    prefix: request.prompt,
    suffix: request.suffix ?? '',
    middleStart: '',
    extra: [],
  });
  const head = {
    id: `cmpl-${randomId()}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: modelId(info),
  };
  const choice = (text: string, finish: string | null) => ({ text, index: 0, logprobs: null, finish_reason: finish });
  if (!request.stream) {
    reply.json(200, {
      ...head,
      choices: [choice(result.text, FINISH[result.stopReason])],
      usage: usage(result.accounting),
    });
    return;
  }
  // The engine answers a completion whole: the stream carries it as one piece, then the end.
  const events = reply.events();
  events.send({ ...head, choices: [choice(result.text, null)] });
  events.send({ ...head, choices: [choice('', FINISH[result.stopReason])] });
  if (request.includeUsage) events.send({ ...head, choices: [], usage: usage(result.accounting) });
  events.end();
}

/** llama-server's /infill, as llama.vscode and other editors call it. */
export async function infill(
  engine: ServeEngine,
  request: InfillRequest,
  reply: Reply,
  options: ServeOptions,
): Promise<void> {
  const info = await modelFor(engine, 'completion');
  const result = await fillInTheMiddle(engine, info, request, reply.signal, options, request);
  const a = result.accounting;
  const body = {
    index: 0,
    content: result.text,
    stop: true,
    model: modelId(info),
    tokens_predicted: a.generatedTokens,
    tokens_evaluated: a.promptTokens,
    tokens_cached: a.reusedTokens,
    stop_type: result.stopReason === 'eos' ? 'eos' : result.stopReason === 'stop' ? 'word' : 'limit',
    truncated: false,
    timings: {
      prompt_n: a.evaluatedTokens,
      predicted_n: a.generatedTokens,
      predicted_per_second: a.tokensPerSecond,
      total_ms: a.totalMs,
    },
  };
  if (!request.stream) return reply.json(200, body);
  const events = reply.events();
  events.send({ index: 0, content: result.text, stop: false });
  events.send({ ...body, content: '' });
  events.end(false);
}

async function fillInTheMiddle(
  engine: ServeEngine,
  info: LoadedModelInfo,
  request: GenerationOptions,
  signal: AbortSignal,
  options: ServeOptions,
  parts: { prefix: string; suffix: string; middleStart: string; extra: { filename: string; text: string }[] },
): Promise<CompleteResult> {
  let template;
  try {
    template = selectFimTemplate({ name: info.name, architecture: info.architecture, fim: info.fim });
  } catch (e) {
    if (e instanceof NoFimSupportError)
      throw new HttpError(
        400,
        `${e.message} /v1/chat/completions works with it.`,
        'invalid_request_error',
        undefined,
        'noFim',
      );
    throw e;
  }
  const snippets: ContextSnippet[] = parts.extra.map((c) => ({
    uri: c.filename,
    path: c.filename,
    languageId: '',
    startLine: 0,
    text: c.text.endsWith('\n') || !c.text ? c.text : `${c.text}\n`,
    tokens: 0,
  }));
  // llama-server's names for the repository and the current file (format_infill).
  const segments: PromptSegment[] = template.render({
    prefix: [parts.prefix],
    middleStart: parts.middleStart,
    suffix: parts.suffix,
    path: 'filename',
    languageId: '',
    repoName: 'myproject',
    snippets,
  });
  const result = await engine.complete(
    {
      ...sampling(request, 0),
      segments,
      maxTokens: Math.min(request.maxTokens ?? info.contextSize, info.contextSize),
      timeoutMs: options.timeoutMs,
      stop: [...template.stop, ...info.endTokens, ...request.stop],
    },
    signal,
  );
  return logged(options, 'completion', result);
}

function logged<T extends ChatResult | CompleteResult>(options: ServeOptions, what: string, result: T): T {
  const a = result.accounting;
  options.log?.(
    `${what}: ${result.stopReason}, ${a.promptTokens} prompt tokens (${a.reusedTokens} reused), ${a.generatedTokens} generated`,
  );
  return result;
}

/** Runs a streamed generation; a failure after the first bytes can only be told inside the stream. */
async function streamed(events: EventStream, run: () => Promise<void>): Promise<void> {
  try {
    await run();
    events.end();
  } catch (e) {
    const failure = e instanceof HttpError ? e : new HttpError(500, e instanceof Error ? e.message : String(e));
    events.send(failure.toJSON());
    events.end();
  }
}

async function modelFor(engine: ServeEngine, role: ModelRole): Promise<LoadedModelInfo> {
  const { models } = await engine.load();
  const info = models[role];
  if (!info) throw new HttpError(503, `No ${role} model is loaded.`, 'unavailable_error', undefined, 'noModel');
  return info;
}

function sampling(request: GenerationOptions, defaultTemperature: number) {
  return {
    temperature: request.temperature ?? defaultTemperature,
    topP: request.topP,
    topK: request.topK,
    seed: request.seed,
  };
}

function toolCalls(result: ChatResult) {
  return (result.toolCalls ?? []).map((c) => ({
    id: c.id,
    type: 'function' as const,
    function: { name: c.name, arguments: JSON.stringify(c.arguments ?? {}) },
  }));
}

function usage(a: TokenAccounting) {
  return {
    prompt_tokens: a.promptTokens,
    completion_tokens: a.generatedTokens,
    total_tokens: a.promptTokens + a.generatedTokens,
    prompt_tokens_details: { cached_tokens: a.reusedTokens },
  };
}

/** The model's name in the API: its file name without .gguf (what `alembic serve` printed). */
export function modelId(info: LoadedModelInfo): string {
  return basename(info.path).replace(/\.gguf$/i, '');
}

function randomId(): string {
  return randomBytes(12).toString('base64url');
}
