// Ollama. Completions go through /api/generate: with `raw: true` and the FIM prompt of the model's
// family when Alembic knows it (from the fimTemplate setting or the model name), otherwise with
// `suffix` when the model's template supports it (capability "insert"). `num_ctx` is always sent:
// Ollama's own default of 2048 tokens silently cuts longer prompts from the front. `keep_alive`
// keeps the model loaded between keystrokes. Chat goes through /api/chat, streamed; the model
// list through /api/tags, the model's facts through /api/show. Ollama streams newline-delimited
// JSON and stops generating when the connection closes.
import {
  familyDefaults,
  familyFromModelName,
  SERVER_FIM_TOKENS,
  type NamedFimFamily,
} from '../completion/fimTemplates';
import type { CompletionModel } from '../completion/promptAssembler';
import type { ChatParams, ChatResult, CompleteParams, CompleteResult, StopReason } from '../engine/protocol';
import { endpointUrl } from './endpoint';
import { ensureOk, jsonBody } from './httpErrors';
import { HttpTransport, type HttpResponse } from './httpTransport';
import { serverParts, promptText } from './promptParts';
import {
  displayModelName,
  emptyAccounting,
  SERVER_DEFAULTS,
  type ChatOptions,
  type ServerBackend,
  type ServerConfig,
  type ServerModelEntry,
  type ServerModelFacts,
} from './serverBackend';
import { ServerError, streamFailure } from './serverError';
import { field, ndjsonValues, numberField, stringField } from './streamParsers';
import { chatStreamFailure, StreamedAnswer } from './streamedAnswer';
import { transportFor } from './transportFor';
import { unknownModel } from './llamaServerBackend';

const NS_PER_MS = 1e6;

export class OllamaBackend implements ServerBackend {
  readonly kind = 'ollama';
  private readonly transport: HttpTransport;
  private model = '';
  private numCtx: number;
  private suffixMode = false;

  constructor(private readonly config: ServerConfig) {
    this.transport = transportFor(config);
    this.numCtx = config.contextSize || SERVER_DEFAULTS.contextSize;
  }

  get endpoint(): URL {
    return this.transport.endpoint;
  }

  async probe(role: 'completion' | 'chat', signal?: AbortSignal): Promise<ServerModelFacts> {
    const models = await this.listModels(signal);
    const wanted = this.config.model;
    const chosen = wanted ? models.find((m) => m.id === wanted || m.id === `${wanted}:latest`) : models[0];
    if (!chosen) {
      if (wanted) throw unknownModel(this.endpoint.host, wanted, models);
      throw new ServerError(
        'unknownModel',
        `${this.endpoint.host} has no models yet: pull one with "ollama pull qwen2.5-coder:1.5b-base".`,
      );
    }
    this.model = chosen.id;
    const show = await this.post('/api/show', { model: chosen.id }, 'the model details request', signal);
    const capabilities =
      (field(show, 'capabilities') as unknown[] | undefined)?.filter((c) => typeof c === 'string') ?? [];
    const arch = stringField(show, 'model_info', 'general.architecture');
    const trained = arch ? numberField(show, 'model_info', `${arch}.context_length`) : undefined;
    this.numCtx = Math.min(this.config.contextSize || SERVER_DEFAULTS.contextSize, trained ?? Infinity);
    const name = displayModelName(chosen.id);
    const family = this.family(name);
    const serverFormat = this.config.fimTemplate === 'server';
    this.suffixMode = role === 'completion' && !family && (serverFormat || capabilities.includes('insert'));
    if (role === 'completion' && !family && !this.suffixMode) {
      const instruct = /instruct|chat|-it\b/i.test(chosen.id);
      throw new ServerError(
        'noFim',
        instruct
          ? `"${chosen.id}" on ${this.endpoint.host} is an instruct (chat) model: it cannot fill in the ` +
              `middle. Pick a base code model for completions, such as qwen2.5-coder:1.5b-base.`
          : `"${chosen.id}" on ${this.endpoint.host} cannot fill in the middle: Ollama does not list ` +
              `"insert" among its capabilities and its name names no code model family Alembic knows. Pick a ` +
              `base code model, or name its template in alembic.server.fimTemplate.`,
      );
    }
    return {
      id: chosen.id,
      name,
      contextSize: this.numCtx,
      fim: family ? familyDefaults(family).tokens : null,
      family,
      serverInfill: this.suffixMode,
      hasChatTemplate: Boolean(stringField(show, 'template')),
    };
  }

  completionModel(facts: ServerModelFacts): CompletionModel {
    return {
      id: `${this.endpoint.href}#${facts.id}#${facts.contextSize}`,
      name: facts.name,
      fim: facts.fim ?? SERVER_FIM_TOKENS,
      contextSize: facts.contextSize,
      bos: null,
    };
  }

  async listModels(signal?: AbortSignal): Promise<ServerModelEntry[]> {
    const res = await this.transport.request('GET', endpointUrl(this.endpoint, '/api/tags'), { signal });
    if (res.status === 404) {
      res.close();
      throw new ServerError('badResponse', `${this.endpoint.host} has no /api/tags: is it an Ollama server?`);
    }
    await ensureOk(res, 'the model list request', this.transport.hasApiKey);
    const models = field(await jsonBody(res, 'the model list request'), 'models');
    if (!Array.isArray(models)) throw new ServerError('badResponse', `${this.endpoint.host} sent no model list.`);
    return models.map((m) => ({
      id: stringField(m, 'name') ?? stringField(m, 'model') ?? '?',
      detail:
        [stringField(m, 'details', 'parameter_size'), stringField(m, 'details', 'quantization_level')]
          .filter(Boolean)
          .join(' ') || undefined,
    }));
  }

  async complete(params: CompleteParams, signal: AbortSignal): Promise<CompleteResult> {
    const started = performance.now();
    let prompt: Record<string, unknown>;
    if (this.suffixMode) {
      // The model's own template places prefix and suffix; it has no place for other files'
      // snippets, so the extra context stays out of this form.
      const parts = serverParts(params.segments);
      prompt = { prompt: parts.prefix + parts.middleStart, suffix: parts.suffix };
    } else {
      prompt = { prompt: promptText(params.segments), raw: true };
    }
    let text = '';
    let last: unknown;
    let firstTokenMs = 0;
    let stopReason: StopReason | undefined;
    let answered = false;
    try {
      const res = await this.transport.request('POST', endpointUrl(this.endpoint, '/api/generate'), {
        signal,
        totalTimeoutMs: params.timeoutMs,
        body: { model: this.model, ...prompt, stream: true, keep_alive: this.keepAlive, options: this.options(params) },
      });
      answered = true;
      for await (const value of this.stream(res, 'the completion request')) {
        const piece = stringField(value, 'response') ?? '';
        if (piece && !firstTokenMs) firstTokenMs = performance.now() - started;
        text += piece;
        last = value;
      }
    } catch (e) {
      stopReason = streamFailure(e, answered, this.endpoint.host, params.timeoutMs);
    }
    stopReason ??= stringField(last, 'done_reason') === 'length' ? 'maxTokens' : 'eos';
    return { text, stopReason, replayed: false, accounting: this.accounting(last, started, firstTokenMs) };
  }

  async chat(params: ChatParams, options: ChatOptions = {}): Promise<ChatResult> {
    const started = performance.now();
    const answer = new StreamedAnswer(started, options.onChunk);
    let last: unknown;
    let stopReason: StopReason | undefined;
    try {
      const res = await this.transport.request('POST', endpointUrl(this.endpoint, '/api/chat'), {
        signal: options.signal,
        totalTimeoutMs: params.timeoutMs,
        body: {
          model: this.model || this.config.model,
          messages: params.messages,
          stream: true,
          keep_alive: this.keepAlive,
          options: this.options(params),
        },
      });
      for await (const value of this.stream(res, 'the chat request')) {
        answer.addThought(stringField(value, 'message', 'thinking'));
        answer.addContent(stringField(value, 'message', 'content'));
        last = value;
      }
    } catch (e) {
      stopReason = chatStreamFailure(e);
    }
    const { text, thought } = answer.end();
    stopReason ??= stringField(last, 'done_reason') === 'length' ? 'maxTokens' : 'eos';
    return { text, thought, stopReason, accounting: this.accounting(last, started, answer.timeToFirstTokenMs) };
  }

  dispose(): void {
    this.transport.dispose();
  }

  private get keepAlive(): string {
    return this.config.keepAlive || SERVER_DEFAULTS.keepAlive;
  }

  private options(params: CompleteParams | ChatParams): Record<string, unknown> {
    return {
      num_ctx: this.numCtx, // always: Ollama's default of 2048 silently truncates
      num_predict: params.maxTokens,
      temperature: params.temperature ?? 0,
      ...(params.topK !== undefined && { top_k: params.topK }),
      ...(params.topP !== undefined && { top_p: params.topP }),
      ...(params.seed !== undefined && { seed: params.seed }),
      ...('stop' in params && params.stop?.length && { stop: params.stop }),
    };
  }

  private async *stream(res: HttpResponse, what: string): AsyncGenerator<unknown> {
    if (res.status === 404) {
      const error = await ensureOk(res, what, this.transport.hasApiKey).catch((e: ServerError) => e);
      throw error instanceof ServerError && /not found/i.test(error.serverMessage ?? '')
        ? new ServerError(
            'unknownModel',
            `${this.endpoint.host}: "${error.serverMessage}". Pull the model there, or pick another with "Alembic: Select Model…".`,
          )
        : error;
    }
    await ensureOk(res, what, this.transport.hasApiKey);
    for await (const value of ndjsonValues(res.chunks())) {
      const error = stringField(value, 'error');
      if (error)
        throw new ServerError('http', `${this.endpoint.host} reported an error: "${error}".`, { serverMessage: error });
      yield value;
      if (field(value, 'done') === true) return;
    }
  }

  private async post(path: string, body: unknown, what: string, signal?: AbortSignal): Promise<unknown> {
    const res = await this.transport.request('POST', endpointUrl(this.endpoint, path), { body, signal });
    await ensureOk(res, what, this.transport.hasApiKey);
    return jsonBody(res, what);
  }

  private family(name: string): NamedFimFamily | undefined {
    const forced = this.config.fimTemplate;
    if (forced && forced !== 'auto' && forced !== 'generic' && forced !== 'server') return forced;
    return familyFromModelName(name);
  }

  private accounting(last: unknown, started: number, firstTokenMs: number) {
    const evaluated = numberField(last, 'prompt_eval_count') ?? 0;
    const generated = numberField(last, 'eval_count') ?? 0;
    const evalNs = numberField(last, 'eval_duration') ?? 0;
    return {
      ...emptyAccounting(Math.round(performance.now() - started)),
      // Ollama reports the prompt tokens it evaluated (a cached start of the prompt is not counted).
      promptTokens: evaluated,
      evaluatedTokens: evaluated,
      generatedTokens: generated,
      timeToFirstTokenMs: Math.round(firstTokenMs),
      tokensPerSecond: evalNs > 0 ? Math.round((generated * 1000) / (evalNs / NS_PER_MS)) : 0,
    };
  }
}
