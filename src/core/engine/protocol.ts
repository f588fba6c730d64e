// The typed protocol between the engine child process (src/engine/worker) and its clients
// (the extension host and the CLI, through src/engine/client). Messages travel over Node's IPC
// channel as structured clones. Every request carries an id; the worker answers each request
// with exactly one `response` and, for streamed requests, any number of `chunk` messages before it.
// `abort` is a notification: it names the id of a running request and has no response of its own
// (the aborted request answers with stopReason "abort"). The worker sends a `heartbeat` every
// second, so a client can tell a busy engine from one whose main thread is blocked.
import type { LogLevel } from '../util/logger';

/** The compute backend node-llama-cpp picked for this machine. */
export type Backend = 'cuda' | 'vulkan' | 'metal' | 'cpu';

/** What a model is loaded for. One file may serve several roles (one model in memory, a sequence
 * per role). */
export type ModelRole = 'completion' | 'chat' | 'nextEdit';

/** One piece of a prompt. Text is tokenized as plain text (special-token texts inside it stay
 * literal text); `special` must be the exact text of one special token of the model
 * (e.g. "<|fim_prefix|>") and becomes that single token. Tokenizing segment by segment keeps the
 * tokens of an unchanged segment identical from one request to the next, which is what lets the
 * KV cache be reused. */
export type PromptSegment = { text: string } | { special: string };

/** Why a generation ended. */
export type StopReason =
  | 'eos' // the model produced an end-of-generation token
  | 'stop' // one of the request's stop strings appeared
  | 'maxTokens' // the token cap was reached
  | 'timeout' // the wall-clock cap was reached
  | 'abort' // the client aborted the request (before or after it reached the engine)
  | 'toolCalls' // the model called tools: their results go back in the next request
  | 'contextFull'; // no room left in the context

/** Token accounting attached to every generation reply. */
export interface TokenAccounting {
  /** Length of the prompt in tokens, as sent. */
  promptTokens: number;
  /** Prompt tokens actually run through the model for this request. */
  evaluatedTokens: number;
  /** Prompt tokens whose state was already in the KV cache and was reused. */
  reusedTokens: number;
  /** Tokens generated. */
  generatedTokens: number;
  /** From receiving the request to the first generated token (0 when nothing was generated). */
  timeToFirstTokenMs: number;
  /** Tokens the predictor drafted and the model confirmed, and those it refuted (evaluated in vain);
   * absent without a predictor. Generated tokens count each confirmed draft once. */
  drafted?: { accepted: number; refuted: number };
  /** Generation speed after the first token (0 when fewer than two tokens were generated). */
  tokensPerSecond: number;
  /** From receiving the request to the reply. */
  totalMs: number;
}

/** The special tokens a model registers for fill-in-the-middle, as token texts. */
export interface FimTokens {
  prefix: string;
  suffix: string;
  middle: string;
  /** Optional extras some families use (Qwen2.5-Coder's repo-level form). */
  pad?: string;
  repoName?: string;
  fileSeparator?: string;
}

export interface LoadedModelInfo {
  path: string;
  /** general.name from the GGUF, or the file name. */
  name: string;
  architecture: string;
  roles: ModelRole[];
  sizeBytes: number;
  gpuLayers: number;
  totalLayers: number;
  /** This role's context, in tokens: each role has its own, sized to its work. */
  contextSize: number;
  trainContextSize: number;
  /** Bytes of this role's KV cache (f16 keys and values for contextSize tokens). */
  kvCacheBytes: number;
  /** FIM special tokens, or null when the model cannot fill in the middle. */
  fim: FimTokens | null;
  /** Texts of the model's end-of-generation tokens (EOS, EOT), used as stop strings. */
  endTokens: string[];
  hasChatTemplate: boolean;
  /** The chat wrapper node-llama-cpp resolved for this model (e.g. "ChatML", "Qwen", "Jinja"). */
  chatWrapper: string;
  /** Why the model's own chat template is not used (it did not finish rendering in time, …). */
  chatTemplateProblem?: string;
  loadMs: number;
}

export interface GpuInfo {
  backend: Backend;
  deviceNames: string[];
  vramTotalBytes: number;
  vramFreeBytes: number;
}

/** The CPU thread count evaluation uses, and how it was chosen. */
export interface ThreadsInfo {
  count: number;
  /** `setting`: alembic.engine.threads / --threads; `measured`: the fastest candidate at load. */
  source: 'setting' | 'measured';
  /** Cores llama.cpp counts as useful for math. */
  cpuMathCores: number;
  /** Each candidate measured, with its prompt speed (empty when the setting chose). */
  measured: { threads: number; tokensPerSecond: number }[];
  /** Why it was last measured: "load", or the speed change that called for it. */
  measuredBecause?: string;
  /** How long the last measurement took. */
  measureMs?: number;
}

/** Speeds the engine measured on its own work, and what they decide. */
export interface EngineSpeeds {
  /** Prompt evaluation, tokens per second (moving average; undefined before anything ran). */
  promptTokensPerSecond?: number;
  /** Prompt tokens per evaluation chunk now: about 40 ms of work, so an abort lands within one. */
  promptChunkTokens: number;
}

export interface EngineStatus {
  gpu: GpuInfo;
  models: Partial<Record<ModelRole, LoadedModelInfo>>;
  /** Undefined until a model has loaded. */
  threads?: ThreadsInfo;
  speeds: EngineSpeeds;
  /** Ids of requests running now. */
  running: number[];
  pid: number;
  uptimeMs: number;
  rssBytes: number;
}

export interface LoadParams {
  /** GGUF path for completions; omit to leave completion unloaded. */
  completionModel?: string;
  /** GGUF path for chat; may equal completionModel (the model is then loaded once). */
  chatModel?: string;
  /** GGUF path for next edit suggestions; may equal the others. */
  nextEditModel?: string;
  /** GPU layers: "auto" lets node-llama-cpp fit them to free memory. */
  gpuLayers?: number | 'auto';
  /** The chat context in tokens, and an upper bound for the completion context; "auto" fits the
   * chat context to free memory up to maxContextSize and the model's training size. */
  contextSize?: number | 'auto';
  /** Upper bound for an automatic context size. */
  maxContextSize?: number;
  /** Tokens the completion context needs (its budgets plus generation); default
   * COMPLETION_CONTEXT_TOKENS. */
  completionContextSize?: number;
  /** CPU threads for evaluation; 0 = measure the candidates at load and take the fastest. */
  threads?: number;
  /** Speculative decoding for completions without a draft model: node-llama-cpp's input-lookup
   * predictor drafts the tokens that followed the last generated ones in the prompt, and one batch
   * checks them. The output is the same token for token; default "off". */
  completionPredictor?: 'inputLookup' | 'off';
}

/** The completion context when the client does not size it: the default budgets (1536 prefix,
 * 128 suffix, 1024 extra context, 128 generated) and the template, rounded up. */
export const COMPLETION_CONTEXT_TOKENS = 4096;

export interface LoadResult {
  models: Partial<Record<ModelRole, LoadedModelInfo>>;
  gpu: GpuInfo;
  threads?: ThreadsInfo;
}

export interface SamplingParams {
  /** 0 = greedy (deterministic; lets a repeated prompt be replayed from the cache). */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
}

export interface CompleteParams extends SamplingParams {
  segments: PromptSegment[];
  maxTokens: number;
  timeoutMs: number;
  /** Generation stops before any of these strings. */
  stop?: string[];
  /** Token healing: the prompt ends in typed text (the cursor line); its last token is backed off
   * and the answer's first token must start with that token's text, which the answer then leaves
   * out. The accounting counts the prompt as sent (the token backed off is generated again). */
  healLastToken?: boolean;
  /** Send the answer as it is written: `chunk` messages with segment "partial" (the client shows
   * the first words of a slow answer before it ends). */
  stream?: boolean;
}

export interface CompleteResult {
  text: string;
  stopReason: StopReason;
  accounting: TokenAccounting;
  /** True when a greedy generation for the identical prompt was replayed from the sequence
   * state: nothing was evaluated or generated. */
  replayed: boolean;
}

/** A next-edit rewrite on the nextEdit sequence: any prompt (no FIM tokens needed), greedy. */
export interface NextEditParams {
  segments: PromptSegment[];
  maxTokens: number;
  timeoutMs: number;
  stop?: string[];
  /** Speculative decoding by input lookup: draft tokens are copied from the prompt where the output
   * repeats it (a rewrite mostly copies the excerpt) and checked in one batch. Default true. */
  inputLookup?: boolean;
}

export interface NextEditResult {
  text: string;
  stopReason: StopReason;
  accounting: TokenAccounting;
  /** Draft tokens proposed by input lookup and how many the model confirmed (both 0 when off). */
  draftTokens: number;
  acceptedDraftTokens: number;
}

/** Evaluate a prompt into the completion sequence without generating (background warm-up). An
 * aborted prefill resolves with what it evaluated. */
export interface PrefillParams {
  segments: PromptSegment[];
  timeoutMs: number;
}

export interface PrefillResult {
  accounting: TokenAccounting;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** assistant: the tools it called; each call's result follows as a `tool` message. */
  toolCalls?: ChatToolCall[];
  /** tool: the id of the call whose result `content` is. */
  toolCallId?: string;
}

/** A function the model may call. `parameters` is a JSON schema for its arguments; the engine
 * turns it into a grammar, so the arguments a model writes always match it. */
export interface ChatTool {
  name: string;
  description?: string;
  parameters?: JsonSchema;
}

/** A JSON schema object, as clients send it (the engine keeps the subset a grammar can enforce). */
export type JsonSchema = { readonly [key: string]: unknown };

/** One call the model made: its arguments are parsed JSON that matches the tool's schema. */
export interface ChatToolCall {
  id: string;
  name: string;
  arguments: unknown;
}

export interface ChatParams extends SamplingParams {
  messages: ChatMessage[];
  maxTokens: number;
  timeoutMs: number;
  /** The answer ends before any of these strings. */
  stop?: string[];
  /** Tools the model may call; with them the conversation may end with `tool` results. */
  tools?: ChatTool[];
}

export interface ChatResult {
  /** The answer without its reasoning. */
  text: string;
  /** The reasoning ("thought") segment, when the model produced one. */
  thought: string;
  stopReason: StopReason;
  accounting: TokenAccounting;
  /** The tools the model called (stopReason "toolCalls"). */
  toolCalls?: ChatToolCall[];
}

export interface TokenizeParams {
  role: ModelRole;
  text: string;
  /** Parse special-token texts as special tokens. */
  special?: boolean;
}

export interface TokenizeResult {
  tokens: number[];
}

export interface UnloadParams {
  /** Omit to unload everything. */
  role?: ModelRole;
}

/** Each request kind with its parameters and result. */
export interface EngineRequests {
  load: { params: LoadParams; result: LoadResult };
  complete: { params: CompleteParams; result: CompleteResult };
  prefill: { params: PrefillParams; result: PrefillResult };
  nextEdit: { params: NextEditParams; result: NextEditResult };
  chat: { params: ChatParams; result: ChatResult };
  tokenize: { params: TokenizeParams; result: TokenizeResult };
  status: { params: Record<string, never>; result: EngineStatus };
  unload: { params: UnloadParams; result: { unloaded: ModelRole[] } };
}

export type EngineRequestKind = keyof EngineRequests;

export type EngineRequest = {
  [K in EngineRequestKind]: { type: 'request'; id: number; kind: K; params: EngineRequests[K]['params'] };
}[EngineRequestKind];

export interface AbortNotice {
  type: 'abort';
  /** The id of the request to abort. */
  id: number;
}

/** Parent → worker. */
export type ToEngine = EngineRequest | AbortNotice;

/** Error codes a client can act on. */
export type EngineErrorCode =
  | 'badRequest'
  | 'noModel' // the role has no model loaded
  | 'noFim' // the completion model has no fill-in-the-middle tokens
  | 'loadFailed' // llama.cpp refused the model (message carries its reason)
  | 'precheckFailed' // the GGUF pre-check rejected the file
  | 'insufficientMemory' // the model and its contexts cannot fit (message carries the figures and the remedy)
  | 'promptTooLong' // the prompt does not fit the context (message carries both sizes)
  | 'badModel' // the file crashed the engine when it was last loaded (set by the client)
  | 'crashed' // the worker died while the request was in flight (set by the client)
  | 'unresponsive' // the worker passed the request's cap or stopped answering, and was killed (set by the client)
  | 'stopped' // the engine is stopped after repeated crashes (set by the client)
  | 'internal';

export interface EngineErrorPayload {
  code: EngineErrorCode;
  message: string;
  /** For promptTooLong: the prompt's exact length and the context size, so the client can refit. */
  promptTokens?: number;
  contextSize?: number;
}

export type EngineResponse = {
  [K in EngineRequestKind]:
    | { type: 'response'; id: number; kind: K; ok: true; result: EngineRequests[K]['result'] }
    | { type: 'response'; id: number; kind: K; ok: false; error: EngineErrorPayload };
}[EngineRequestKind];

/** A streamed piece of a chat answer. */
export interface ChatChunk {
  type: 'chunk';
  id: number;
  segment: 'text' | 'thought';
  text: string;
}

/** A completion's answer so far (a `complete` request with `stream`), after each generated token. */
export interface CompletionChunk {
  type: 'chunk';
  id: number;
  segment: 'partial';
  /** The whole answer so far (not a delta: a token may complete a character the last one began). */
  text: string;
  /** Tokens generated so far (the benchmark projects when this text was written). */
  generatedTokens: number;
}

export type StreamChunk = ChatChunk | CompletionChunk;

/** What a handler emits; the worker adds the type and the request's id. */
export type StreamChunkBody = Omit<ChatChunk, 'type' | 'id'> | Omit<CompletionChunk, 'type' | 'id'>;

/** Model loading progress (0..1) for a running `load`. Sent with 0 before llama.cpp opens each
 * file, so a client knows which file was loading if the process dies. */
export interface LoadProgress {
  type: 'progress';
  id: number;
  role: ModelRole;
  path: string;
  progress: number;
}

/** The engine's watchdog thread starts each line it writes on stderr with this (a blocked main
 * thread, a parent that is gone): the client quotes the line when it explains a kill. */
export const ENGINE_WATCHDOG_PREFIX = 'alembic-engine-watchdog:';

/** Sent every second by the worker's main thread: its absence means the main thread is blocked. */
export interface EngineHeartbeat {
  type: 'heartbeat';
}

/** The core's log levels: engine lines go into the client's Logger at their own level. */
export type EngineLogLevel = LogLevel;

export interface EngineLog {
  type: 'log';
  level: EngineLogLevel;
  message: string;
}

/** Sent once when the worker is ready for requests. */
export interface EngineReady {
  type: 'ready';
  pid: number;
}

/** Worker → parent. */
export type FromEngine = EngineResponse | StreamChunk | LoadProgress | EngineLog | EngineReady | EngineHeartbeat;

/** One handler per request kind, typed by EngineRequests: a handler returning the wrong result
 * does not compile. `C` is what the worker gives each handler (its id, abort signal, emitters). */
export type EngineHandlers<C> = {
  [K in EngineRequestKind]: (params: EngineRequests[K]['params'], context: C) => Promise<EngineRequests[K]['result']>;
};
