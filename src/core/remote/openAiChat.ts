// Chat through an OpenAI-compatible /chat/completions endpoint, streamed (llama-server, vLLM, LM
// Studio, TGI…). Reasoning arrives either in `reasoning_content` deltas or inside the text as
// <think>…</think> (streamedAnswer.ts). Stop closes the connection, which makes the server stop
// generating; a total timeout keeps what was written.
import type { ChatParams, ChatResult, StopReason } from '../engine/protocol';
import { endpointUrl } from './endpoint';
import { ensureOk } from './httpErrors';
import type { HttpTransport } from './httpTransport';
import type { ChatOptions } from './serverBackend';
import { emptyAccounting } from './serverBackend';
import { ServerError } from './serverError';
import { chatStreamFailure, StreamedAnswer } from './streamedAnswer';
import { field, numberField, sseEvents, stringField } from './streamParsers';

export interface OpenAiChatRequest {
  /** Path under the endpoint: "/v1/chat/completions" for llama-server, "/chat/completions" for a /v1 base. */
  path: string;
  model?: string;
  /** Extra fields for the body (llama-server: cache_prompt). */
  extra?: Record<string, unknown>;
}

export async function openAiChat(
  transport: HttpTransport,
  request: OpenAiChatRequest,
  params: ChatParams,
  options: ChatOptions = {},
): Promise<ChatResult> {
  const started = performance.now();
  const answer = new StreamedAnswer(started, options.onChunk);
  let finish: string | undefined;
  let usage: unknown;
  let timings: unknown;
  let stopReason: StopReason | undefined;
  try {
    const res = await transport.request('POST', endpointUrl(transport.endpoint, request.path), {
      signal: options.signal,
      totalTimeoutMs: params.timeoutMs,
      body: {
        ...(request.model && { model: request.model }),
        messages: params.messages,
        max_tokens: params.maxTokens,
        ...(params.temperature !== undefined && { temperature: params.temperature }),
        ...(params.topP !== undefined && { top_p: params.topP }),
        ...(params.seed !== undefined && { seed: params.seed }),
        stream: true,
        stream_options: { include_usage: true },
        ...request.extra,
      },
    });
    await ensureOk(res, 'the chat request', transport.hasApiKey);
    for await (const event of sseEvents(res.chunks())) {
      throwIfError(event, transport.endpoint.host);
      const choice = field(event, 'choices', 0);
      const delta = field(choice, 'delta');
      answer.addThought(stringField(delta, 'reasoning_content') ?? stringField(delta, 'reasoning'));
      answer.addContent(stringField(delta, 'content'));
      finish = stringField(choice, 'finish_reason') ?? finish;
      usage = field(event, 'usage') ?? usage;
      timings = field(event, 'timings') ?? timings;
    }
  } catch (e) {
    stopReason = chatStreamFailure(e);
  }
  const { text, thought } = answer.end();
  const firstTokenMs = answer.timeToFirstTokenMs;
  stopReason ??= finish === 'length' ? 'maxTokens' : 'eos';
  const generated = numberField(usage, 'completion_tokens') ?? numberField(timings, 'predicted_n') ?? 0;
  const prompt = numberField(usage, 'prompt_tokens') ?? 0;
  const cached = numberField(usage, 'prompt_tokens_details', 'cached_tokens') ?? numberField(timings, 'cache_n') ?? 0;
  const totalMs = Math.round(performance.now() - started);
  return {
    text,
    thought,
    stopReason,
    accounting: {
      ...emptyAccounting(totalMs),
      promptTokens: prompt,
      evaluatedTokens: numberField(timings, 'prompt_n') ?? Math.max(0, prompt - cached),
      reusedTokens: cached,
      generatedTokens: generated,
      timeToFirstTokenMs: Math.round(firstTokenMs),
      tokensPerSecond: Math.round(
        numberField(timings, 'predicted_per_second') ??
          (generated > 1 && totalMs > firstTokenMs ? (1000 * (generated - 1)) / (totalMs - firstTokenMs) : 0),
      ),
    },
  };
}

/** A stream that reports an error after its headers were sent (`{"error": {...}}`). */
export function throwIfError(event: unknown, host: string): void {
  const error = field(event, 'error');
  if (error === undefined || error === null) return;
  const message = stringField(error, 'message') ?? (typeof error === 'string' ? error : JSON.stringify(error));
  const contextFull = stringField(error, 'type') === 'exceed_context_size_error';
  throw new ServerError(
    contextFull ? 'promptTooLong' : 'http',
    `${host} reported an error while answering: "${message}".`,
    {
      serverMessage: message,
      promptTokens: numberField(error, 'n_prompt_tokens'),
      contextSize: numberField(error, 'n_ctx'),
    },
  );
}
