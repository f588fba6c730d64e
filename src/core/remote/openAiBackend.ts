// OpenAI-compatible servers: vLLM, LM Studio, TGI, llama-server's /v1, another machine's server.
// Completions go through /completions with the raw FIM prompt of the model's family, which comes
// from the `fimTemplate` setting or the model id the server reports (the server's tokenizer reads
// the special tokens' texts as those tokens); chat through /chat/completions, streamed. The
// endpoint is the API base, usually ending in /v1 (added when the address has no path).
import { familyDefaults, familyFromModelName, type NamedFimFamily } from '../completion/fimTemplates';
import type { CompletionModel } from '../completion/promptAssembler';
import type { CompleteParams, CompleteResult, StopReason } from '../engine/protocol';
import { endpointUrl, parseEndpoint } from './endpoint';
import { ensureOk, jsonBody } from './httpErrors';
import { HttpTransport } from './httpTransport';
import { unknownModel } from './llamaServerBackend';
import { openAiChat } from './openAiChat';
import { promptText } from './promptParts';
import {
  displayModelName,
  emptyAccounting,
  type ChatOptions,
  type ServerBackend,
  type ServerConfig,
  type ServerModelEntry,
  type ServerModelFacts,
} from './serverBackend';
import { ServerError, streamFailure } from './serverError';
import { field, numberField, sseEvents, stringField } from './streamParsers';
import { transportFor } from './transportFor';

export class OpenAiBackend implements ServerBackend {
  readonly kind = 'openai';
  private readonly transport: HttpTransport;
  private model = '';

  constructor(private readonly config: ServerConfig) {
    const base = parseEndpoint(config.endpoint);
    if (base.pathname === '') base.pathname = '/v1';
    this.transport = transportFor({ ...config, endpoint: base.href });
  }

  get endpoint(): URL {
    return this.transport.endpoint;
  }

  async probe(role: 'completion' | 'chat', signal?: AbortSignal): Promise<ServerModelFacts> {
    const models = await this.listModelsWithContext(signal);
    const wanted = this.config.model;
    const chosen = wanted ? models.find((m) => m.id === wanted) : models[0];
    if (!chosen) {
      if (wanted) throw unknownModel(this.endpoint.host, wanted, models);
      throw new ServerError('unknownModel', `${this.endpoint.host} serves no model (its /models list is empty).`);
    }
    this.model = chosen.id;
    const name = displayModelName(chosen.id);
    const family = this.family(name);
    if (role === 'completion' && !family)
      throw new ServerError(
        'noFim',
        `Alembic does not know how to fill in the middle with "${chosen.id}": its name names no code ` +
          `model family it knows (Qwen2.5-Coder, DeepSeek-Coder, StarCoder2, CodeLlama, Codestral, ` +
          `CodeGemma). If it is a base code model, name its template in alembic.server.fimTemplate; if it ` +
          `is a chat (instruct) model, pick a base code model for completions.`,
      );
    return {
      id: chosen.id,
      name,
      contextSize: chosen.contextSize || this.config.contextSize || 4096,
      fim: family ? familyDefaults(family).tokens : null,
      family,
      serverInfill: false,
      hasChatTemplate: true,
    };
  }

  completionModel(facts: ServerModelFacts): CompletionModel {
    return {
      id: `${this.endpoint.href}#${facts.id}#${facts.contextSize}`,
      name: facts.name,
      fim: facts.fim,
      contextSize: facts.contextSize,
      bos: null, // the server's tokenizer adds the model's first token itself
    };
  }

  async listModels(signal?: AbortSignal): Promise<ServerModelEntry[]> {
    return (await this.listModelsWithContext(signal)).map(({ id, detail }) => ({ id, detail }));
  }

  async complete(params: CompleteParams, signal: AbortSignal): Promise<CompleteResult> {
    const started = performance.now();
    let text = '';
    let finish: string | undefined;
    let usage: unknown;
    let timings: unknown;
    let firstTokenMs = 0;
    let stopReason: StopReason | undefined;
    let answered = false;
    try {
      const res = await this.transport.request('POST', endpointUrl(this.endpoint, '/completions'), {
        signal,
        totalTimeoutMs: params.timeoutMs,
        body: {
          model: this.model || this.config.model || undefined,
          prompt: promptText(params.segments),
          max_tokens: params.maxTokens,
          temperature: params.temperature ?? 0,
          ...(params.topP !== undefined && { top_p: params.topP }),
          ...(params.seed !== undefined && { seed: params.seed }),
          ...(params.stop?.length && { stop: params.stop }),
          stream: true,
          stream_options: { include_usage: true },
        },
      });
      answered = true;
      await ensureOk(res, 'the completion request', this.transport.hasApiKey);
      for await (const event of sseEvents(res.chunks())) {
        const error = field(event, 'error');
        if (error)
          throw new ServerError(
            'http',
            `${this.endpoint.host} reported an error: "${stringField(error, 'message') ?? JSON.stringify(error)}".`,
          );
        const piece = stringField(event, 'choices', 0, 'text') ?? '';
        if (piece && !firstTokenMs) firstTokenMs = performance.now() - started;
        text += piece;
        finish = stringField(event, 'choices', 0, 'finish_reason') ?? finish;
        usage = field(event, 'usage') ?? usage;
        timings = field(event, 'timings') ?? timings;
      }
    } catch (e) {
      stopReason = streamFailure(e, answered, this.endpoint.host, params.timeoutMs);
    }
    const prompt = numberField(usage, 'prompt_tokens') ?? 0;
    const cached = numberField(usage, 'prompt_tokens_details', 'cached_tokens') ?? 0;
    stopReason ??= finish === 'length' ? 'maxTokens' : 'eos';
    return {
      text,
      stopReason,
      replayed: false,
      accounting: {
        ...emptyAccounting(Math.round(performance.now() - started)),
        promptTokens: prompt,
        // Servers that report cached tokens (vLLM with prefix caching, llama-server) make this exact.
        evaluatedTokens: numberField(timings, 'prompt_n') ?? Math.max(0, prompt - cached),
        reusedTokens: numberField(timings, 'cache_n') ?? cached,
        generatedTokens: numberField(usage, 'completion_tokens') ?? 0,
        timeToFirstTokenMs: Math.round(firstTokenMs),
        tokensPerSecond: Math.round(numberField(timings, 'predicted_per_second') ?? 0),
      },
    };
  }

  chat(params: Parameters<ServerBackend['chat']>[0], options?: ChatOptions) {
    return openAiChat(
      this.transport,
      { path: '/chat/completions', model: this.model || this.config.model || undefined },
      params,
      options,
    );
  }

  dispose(): void {
    this.transport.dispose();
  }

  private family(name: string): NamedFimFamily | undefined {
    const forced = this.config.fimTemplate;
    if (forced && forced !== 'auto' && forced !== 'generic' && forced !== 'server') return forced;
    return familyFromModelName(name);
  }

  private async listModelsWithContext(signal?: AbortSignal): Promise<(ServerModelEntry & { contextSize: number })[]> {
    const what = 'the model list request';
    const res = await this.transport.request('GET', endpointUrl(this.endpoint, '/models'), { signal });
    if (res.status === 404) {
      res.close();
      throw new ServerError(
        'badResponse',
        `${this.endpoint.host} has no ${this.endpoint.pathname}/models: is this an OpenAI-compatible ` +
          `server, and is the address its API base (usually ending in /v1)?`,
      );
    }
    await ensureOk(res, what, this.transport.hasApiKey);
    const data = field(await jsonBody(res, what), 'data');
    if (!Array.isArray(data))
      throw new ServerError('badResponse', `${this.endpoint.host} answered ${what} without a model list.`);
    return data.map((m) => {
      // vLLM reports max_model_len; llama-server meta.n_ctx; others nothing.
      const contextSize = numberField(m, 'max_model_len') ?? numberField(m, 'meta', 'n_ctx') ?? 0;
      return {
        id: stringField(m, 'id') ?? '?',
        contextSize,
        detail:
          [stringField(m, 'owned_by'), contextSize ? `context ${contextSize}` : ''].filter(Boolean).join(', ') ||
          undefined,
      };
    });
  }
}
