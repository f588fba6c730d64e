// What every server backend offers (llama-server, OpenAI-compatible, Ollama): the completion
// engine the pipeline talks to (so the cache, typed-ahead, scheduling and KV-stable prompts sit in
// front of the server exactly as in front of the local engine), chat, the model list, and a probe
// that checks the server and learns the model's facts (context size, FIM tokens, chat template).
import type { CompletionEngine } from '../completion/engineContract';
import type { FimFamily } from '../completion/fimTemplates';
import type { CompletionModel } from '../completion/promptAssembler';
import type { ChatChunk, ChatParams, ChatResult, FimTokens, TokenAccounting } from '../engine/protocol';
import type { ServerBackendKind } from './endpoint';
import type { ProxySettings } from './proxy';
import { displayText } from '../util/displayText';

export interface ServerConfig {
  backend: ServerBackendKind;
  endpoint: string;
  /** The model as the server names it; empty = the server's only (or first) model. */
  model?: string;
  apiKey?: string;
  /** The FIM template of the model ('auto': from the server's tokens or the model's name). */
  fimTemplate?: FimFamily | 'auto';
  /** Ollama: the context to ask for (num_ctx); Ollama's own default of 2048 silently cuts prompts. */
  contextSize?: number;
  /** Ollama: how long the server keeps the model loaded after a request (keep_alive). */
  keepAlive?: string;
  connectTimeoutMs?: number;
  stallTimeoutMs?: number;
  maxResponseBytes?: number;
  proxy?: ProxySettings;
  ca?: string | Buffer;
}

export const SERVER_DEFAULTS = {
  connectTimeoutMs: 5000,
  stallTimeoutMs: 30_000,
  maxResponseBytes: 4 * 1024 * 1024,
  contextSize: 8192,
  keepAlive: '30m',
};

/** What a probe learns about the model a feature will use. */
export interface ServerModelFacts {
  /** The model's id on the server. */
  id: string;
  /** A name for people (file name without .gguf, or the id). */
  name: string;
  /** Tokens one request may hold (a llama-server slot's context); 0 when the server does not say. */
  contextSize: number;
  /** FIM special tokens the server's tokenizer knows, or null (then the family decides). */
  fim: FimTokens | null;
  /** The FIM family when known from the template setting or the model's name. */
  family?: FimFamily;
  /** Fill in the middle through the server's own endpoint (llama-server /infill, Ollama `suffix`). */
  serverInfill: boolean;
  /** False when the server says the model has no chat template. */
  hasChatTemplate: boolean;
  /** llama-server's parallel slots. */
  slots?: number;
}

export interface ServerModelEntry {
  id: string;
  /** Size, quantization, context… when the server lists them. */
  detail?: string;
}

export interface ChatOptions {
  signal?: AbortSignal;
  onChunk?: (chunk: Pick<ChatChunk, 'segment' | 'text'>) => void;
}

export interface ServerBackend extends CompletionEngine {
  readonly kind: ServerBackendKind;
  readonly endpoint: URL;
  /** Checks the server (reachable, key accepted, model served) and learns the model's facts.
   * Throws a ServerError with the server's own message otherwise. */
  probe(role: 'completion' | 'chat', signal?: AbortSignal): Promise<ServerModelFacts>;
  listModels(signal?: AbortSignal): Promise<ServerModelEntry[]>;
  chat(params: ChatParams, options?: ChatOptions): Promise<ChatResult>;
  /** The completion model the pipeline binds to (after a successful completion probe). */
  completionModel(facts: ServerModelFacts): CompletionModel;
  dispose(): void;
}

export function emptyAccounting(totalMs = 0): TokenAccounting {
  return {
    promptTokens: 0,
    evaluatedTokens: 0,
    reusedTokens: 0,
    generatedTokens: 0,
    timeToFirstTokenMs: 0,
    tokensPerSecond: 0,
    totalMs,
  };
}

/** Longest model name shown (the status bar, the CLI's header); the id itself is kept whole. */
const MODEL_NAME_MAX_CHARS = 200;

/** A model's display name from a server id: "/models/qwen2.5-coder-1.5b-q8_0.gguf" → "qwen2.5-coder-1.5b-q8_0".
 * The id is the server's to choose, so it is made safe here, once, for every place that shows it (a
 * terminal, a notification): no escape sequences, control or bidirectional-override characters, one line. */
export function displayModelName(id: string): string {
  const clean = displayText(id, { multiline: false, maxChars: MODEL_NAME_MAX_CHARS * 4 });
  const base = clean.split(/[\\/]/).pop() || clean;
  return displayText(base.replace(/\.gguf$/i, ''), { maxChars: MODEL_NAME_MAX_CHARS }) || '?';
}
