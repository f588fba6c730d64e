// llama-server (llama.cpp's own server). Completions go through /completion with the pipeline's
// token-stable FIM prompt (llamaServerTokens.ts), `cache_prompt` on and `id_slot` pinned: the
// editor claims an idle slot before its first request (slotChoice.ts), and every request from it
// goes to that slot, so its KV cache holds this user's file while they type (with `--parallel N` each of N
// users keeps a slot of their own). When Alembic does not know the model's FIM tokens, /infill
// formats the prompt with the tokens from the model's metadata, extra context in `input_extra`.
// Chat goes through /v1/chat/completions. The facts come from /props and /v1/models.
import type { FimTokens } from '../engine/protocol';
import type { CompleteParams, CompleteResult, PrefillParams, PrefillResult, StopReason } from '../engine/protocol';
import { familyDefaults, familyFromModelName, SERVER_FIM_TOKENS } from '../completion/fimTemplates';
import type { CompletionModel } from '../completion/promptAssembler';
import { endpointUrl } from './endpoint';
import { ensureOk, jsonBody } from './httpErrors';
import { HttpTransport } from './httpTransport';
import { LlamaServerTokens } from './llamaServerTokens';
import { openAiChat } from './openAiChat';
import { serverParts } from './promptParts';
import { chooseSlot, parseSlots, slotTakenOver, type SlotUse } from './slotChoice';
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

export class LlamaServerBackend implements ServerBackend {
  readonly kind = 'llama-server';
  private readonly transport: HttpTransport;
  private readonly tokens: LlamaServerTokens;
  /** The slot this editor's completions run in, once claimed or assigned by the server. */
  private slot?: number;
  private claiming?: Promise<number>;
  /** What the last answered request left in the slot, to tell when another window took it over. */
  private lastUse?: SlotUse;
  /** A slot this window left because another used it too: not claimed again at once. */
  private leftSlot?: number;
  /** How many times this window moved to another slot (for tests and the benchmark). */
  slotMoves = 0;
  /** False once /slots turned out to be unavailable (--no-slots, an older server): the server picks. */
  private canClaim = true;
  private infill = false;

  constructor(private readonly config: ServerConfig) {
    this.transport = transportFor(config);
    this.tokens = new LlamaServerTokens(this.transport);
  }

  get endpoint(): URL {
    return this.transport.endpoint;
  }

  /** The pinned slot (for tests and the status view). */
  get pinnedSlot(): number | undefined {
    return this.slot;
  }

  async probe(role: 'completion' | 'chat', signal?: AbortSignal): Promise<ServerModelFacts> {
    const health = await this.get('/health', 'the health check', signal);
    if (stringField(health, 'status') && stringField(health, 'status') !== 'ok')
      throw new ServerError('notReady', `${this.endpoint.host} is not ready: ${stringField(health, 'status')}.`);
    const props = await this.get('/props', 'the /props request', signal);
    const id = stringField(props, 'model_alias') || stringField(props, 'model_path') || 'llama-server';
    const models = await this.listModels(signal).catch(() => []);
    if (this.config.model && models.length > 1 && !models.some((m) => m.id === this.config.model))
      throw unknownModel(this.endpoint.host, this.config.model, models);
    // A restarted server forgets its slots and may serve another model: learn everything again.
    this.slot = undefined;
    this.claiming = undefined;
    this.canClaim = true;
    this.lastUse = undefined;
    this.leftSlot = undefined;
    this.tokens.reset();
    const name = displayModelName(this.config.model || id);
    let fim: FimTokens | null = null;
    if (role === 'completion') {
      const forced = this.config.fimTemplate;
      if (forced === 'server')
        fim = null; // the server applies the model's own FIM format (/infill)
      else if (forced && forced !== 'auto' && forced !== 'generic') fim = familyDefaults(forced).tokens;
      else fim = await this.tokens.probeFim(signal);
    }
    this.infill = role === 'completion' && !fim;
    return {
      id: this.config.model || id,
      name,
      contextSize: numberField(props, 'default_generation_settings', 'n_ctx') ?? 0,
      fim,
      family: fim ? undefined : familyFromModelName(name),
      serverInfill: this.infill,
      hasChatTemplate: Boolean(stringField(props, 'chat_template')),
      slots: numberField(props, 'total_slots'),
    };
  }

  completionModel(facts: ServerModelFacts): CompletionModel {
    const fim = facts.fim ?? SERVER_FIM_TOKENS;
    const family = facts.fim ? familyFromModelName(facts.name) : undefined;
    const bos = family ? familyDefaults(family).bos : undefined;
    return {
      id: `${this.endpoint.href}#${facts.id}#${facts.contextSize}`,
      name: facts.name,
      fim,
      contextSize: facts.contextSize || 4096,
      // A first token only where the server's tokenizer has it as a special token.
      bos: bos && this.tokens.isSpecial(bos) ? bos : null,
    };
  }

  async listModels(signal?: AbortSignal): Promise<ServerModelEntry[]> {
    const body = await this.get('/v1/models', 'the model list request', signal);
    const data = field(body, 'data');
    if (!Array.isArray(data)) return [];
    return data.map((m) => ({
      id: stringField(m, 'id') ?? '?',
      detail: numberField(m, 'meta', 'n_ctx_train')
        ? `trained for ${numberField(m, 'meta', 'n_ctx_train')} tokens`
        : undefined,
    }));
  }

  async complete(params: CompleteParams, signal: AbortSignal): Promise<CompleteResult> {
    const started = performance.now();
    const common = {
      n_predict: params.maxTokens,
      stop: params.stop ?? [],
      temperature: params.temperature ?? 0,
      ...(params.topK !== undefined && { top_k: params.topK }),
      ...(params.topP !== undefined && { top_p: params.topP }),
      ...(params.seed !== undefined && { seed: params.seed }),
      cache_prompt: true,
      stream: true,
      timings_per_token: true,
      ...(this.config.model && { model: this.config.model }),
    };
    let path: string;
    let body: Record<string, unknown>;
    if (this.infill) {
      const parts = serverParts(params.segments);
      path = '/infill';
      body = {
        ...common,
        input_prefix: parts.prefix,
        input_suffix: parts.suffix,
        input_extra: parts.snippets.map((s) => ({ filename: s.path, text: s.text })),
        prompt: parts.middleStart,
      };
    } else {
      path = '/completion';
      body = { ...common, prompt: await this.tokens.mixedPrompt(params.segments, signal) };
    }
    // Claimed only now, after the tokenization, so that the claim and the request that takes the
    // slot follow each other closely (another window claiming meanwhile would see it free).
    body.id_slot = this.slot ?? (await this.claimSlot());
    const result = await this.generate(path, body, params.timeoutMs, signal, started);
    this.noteSlotUse(body.id_slot as number, promptText(params.segments), result);
    return result;
  }

  /** After an answered request: moves to another slot when another window evicted this one's cache. */
  private noteSlotUse(slot: number, prompt: string, result: CompleteResult): void {
    const { promptTokens, reusedTokens } = result.accounting;
    if (promptTokens === 0) return; // cancelled or failed before the server's counts came
    if (slot >= 0 && slot === this.slot && slotTakenOver(this.lastUse, prompt, reusedTokens)) {
      this.leftSlot = slot;
      this.slot = undefined;
      this.slotMoves++;
      this.lastUse = undefined; // the next slot starts cold
      return;
    }
    this.lastUse = { prompt, promptTokens };
  }

  async prefill(params: PrefillParams, signal: AbortSignal): Promise<PrefillResult> {
    const result = await this.complete(
      { segments: params.segments, maxTokens: 0, timeoutMs: params.timeoutMs },
      signal,
    );
    return { accounting: result.accounting };
  }

  chat(params: Parameters<ServerBackend['chat']>[0], options?: ChatOptions) {
    return openAiChat(
      this.transport,
      { path: '/v1/chat/completions', model: this.config.model || undefined, extra: { cache_prompt: true } },
      params,
      options,
    );
  }

  dispose(): void {
    this.transport.dispose();
  }

  /** Empties every slot's KV cache (a benchmark's clean start); false when the server refuses. */
  async eraseSlots(signal?: AbortSignal): Promise<boolean> {
    const slots = field(await this.get('/slots', 'the slots request', signal).catch(() => undefined), 'length');
    if (typeof slots !== 'number') return false;
    for (let id = 0; id < slots; id++) {
      const url = endpointUrl(this.endpoint, `/slots/${id}`);
      url.search = '?action=erase';
      const res = await this.transport.request('POST', url, { body: {}, signal });
      res.close();
      if (res.status !== 200) return false;
    }
    this.slot = undefined;
    this.claiming = undefined;
    this.lastUse = undefined;
    return true;
  }

  /** The slot for this editor: claimed once (concurrent first requests share the claim); -1 lets
   * the server choose, and its answer then names the slot. */
  private claimSlot(): Promise<number> {
    if (!this.canClaim) return Promise.resolve(-1);
    this.claiming ??= this.get('/slots', 'the slots request').then(
      (body) => {
        const slots = parseSlots(body);
        if (!slots) this.canClaim = false;
        const chosen = slots ? chooseSlot(slots, Math.random, this.leftSlot) : -1;
        if (chosen >= 0) this.slot = chosen;
        this.claiming = undefined;
        return chosen;
      },
      () => {
        this.canClaim = false;
        this.claiming = undefined;
        return -1;
      },
    );
    return this.claiming;
  }

  /** llama-server's own counters (when started with --metrics): prompt tokens it evaluated and
   * reused, tokens it generated. Undefined when the server does not publish them. */
  async counters(signal?: AbortSignal): Promise<{ evaluated: number; cached: number; generated: number } | undefined> {
    const res = await this.transport.request('GET', endpointUrl(this.endpoint, '/metrics'), { signal });
    if (res.status !== 200) {
      res.close();
      return undefined;
    }
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^llamacpp:${name} ([\\d.eE+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
    const evaluated = value('prompt_tokens_total');
    if (!Number.isFinite(evaluated)) return undefined;
    return {
      evaluated,
      cached: value('prompt_tokens_cached_total') || 0,
      generated: value('tokens_predicted_total') || 0,
    };
  }

  private async generate(
    path: string,
    body: Record<string, unknown>,
    timeoutMs: number,
    signal: AbortSignal,
    started: number,
  ): Promise<CompleteResult> {
    let text = '';
    let last: unknown;
    let firstTokenMs = 0;
    let stopReason: StopReason | undefined;
    let answered = false;
    try {
      const res = await this.transport.request('POST', endpointUrl(this.endpoint, path), {
        body,
        signal,
        totalTimeoutMs: timeoutMs,
      });
      answered = true;
      await ensureOk(res, 'the completion request', this.transport.hasApiKey);
      for await (const event of sseEvents(res.chunks())) {
        const error = field(event, 'error');
        if (error) throw streamError(this.endpoint.host, error);
        const piece = stringField(event, 'content') ?? '';
        if (piece && !firstTokenMs) firstTokenMs = performance.now() - started;
        text += piece;
        last = event;
        const slot = numberField(event, 'id_slot');
        if (slot !== undefined && slot >= 0) this.slot = slot;
        if (field(event, 'stop') === true) break;
      }
    } catch (e) {
      stopReason = streamFailure(e, answered, this.endpoint.host, timeoutMs, 'alembic.completion.timeoutMs');
    }
    const timings = field(last, 'timings');
    const generated = numberField(timings, 'predicted_n') ?? numberField(last, 'tokens_predicted') ?? 0;
    stopReason ??= stopOf(stringField(last, 'stop_type'), field(last, 'truncated') === true);
    return {
      text,
      stopReason,
      replayed: false,
      accounting: {
        ...emptyAccounting(Math.round(performance.now() - started)),
        promptTokens: numberField(last, 'tokens_evaluated') ?? 0,
        evaluatedTokens: numberField(timings, 'prompt_n') ?? 0,
        reusedTokens: numberField(timings, 'cache_n') ?? 0,
        generatedTokens: generated,
        timeToFirstTokenMs: Math.round(firstTokenMs),
        tokensPerSecond: Math.round(numberField(timings, 'predicted_per_second') ?? 0),
      },
    };
  }

  private async get(path: string, what: string, signal?: AbortSignal): Promise<unknown> {
    const res = await this.transport.request('GET', endpointUrl(this.endpoint, path), { signal });
    await ensureOk(res, what, this.transport.hasApiKey);
    return jsonBody(res, what);
  }
}

/** The prompt as one string, special tokens marked apart from text that spells them. */
function promptText(segments: CompleteParams['segments']): string {
  return segments.map((s) => ('special' in s ? `\u0000${s.special}\u0000` : s.text)).join('');
}

function stopOf(type: string | undefined, truncated: boolean): StopReason {
  if (truncated) return 'maxTokens'; // the context filled up: the engine reports it as the cap too
  if (type === 'word') return 'stop';
  if (type === 'limit') return 'maxTokens';
  return 'eos';
}

function streamError(host: string, error: unknown): ServerError {
  const message = stringField(error, 'message') ?? JSON.stringify(error);
  if (stringField(error, 'type') === 'exceed_context_size_error')
    return new ServerError('promptTooLong', `The prompt does not fit the server's context: "${message}".`, {
      promptTokens: numberField(error, 'n_prompt_tokens'),
      contextSize: numberField(error, 'n_ctx'),
    });
  return new ServerError('http', `${host} reported an error while answering: "${message}".`, {
    serverMessage: message,
  });
}

export function unknownModel(host: string, model: string, models: ServerModelEntry[]): ServerError {
  const list = models
    .slice(0, 8)
    .map((m) => m.id)
    .join(', ');
  const served = list ? ` (it serves: ${list}${models.length > 8 ? ', …' : ''})` : '';
  return new ServerError(
    'unknownModel',
    `${host} does not serve the model "${model}"${served}. Pick one with "Alembic: Select Model…".`,
  );
}
