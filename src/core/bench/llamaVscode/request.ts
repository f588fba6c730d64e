// llama.vscode's completion request, as its client (ggml-org/llama.vscode v0.0.63) builds it:
// src/completion.ts gathers the local context, src/llama-server.ts sends it to llama-server's
// /infill endpoint, and src/configuration.ts / package.json hold the defaults used here.
//   input_prefix  the 256 lines above the cursor line, each followed by "\n"
//   prompt        the cursor line up to the cursor ("" when that is only indentation)
//   input_suffix  the rest of the cursor line, "\n", the 64 lines below joined by "\n", "\n"
//   input_extra   its ring of extra chunks ({text, time, filename})
// The server cuts the prefix and suffix to fit a batch (3:1) and puts the chunks in front.
import type { CompletionDocument, Position } from '../../completion/documentWindow';

/** The defaults llama.vscode runs with (its package.json; constants from configuration.ts). */
export const LLAMA_VSCODE_CONFIG = Object.freeze({
  nPrefix: 256,
  nSuffix: 64,
  nPredict: 128,
  tMaxPromptMs: 500,
  tMaxPredictMs: 500,
  /** Automatic requests are skipped with more characters than this right of the cursor. */
  maxLineSuffix: 8,
  maxCacheKeys: 250,
  /** n_cmpl: completions per request (max_parallel_completions). */
  parallelCompletions: 3,
  ringChunks: 16,
  ringChunkSize: 64,
  ringScope: 1024,
  ringUpdateMs: 1000,
  /** RING_UPDATE_MIN_TIME_LAST_COMPL: the ring only takes queued chunks after this idle time. */
  ringIdleMs: 3000,
  /** MAX_LAST_PICK_LINE_DISTANCE: chunks around the cursor are gathered after moving this far. */
  pickDistance: 32,
  maxQueuedChunks: 16,
  /** DELAY_BEFORE_COMPL_REQUEST: how often a request polls for the previous one to finish. */
  pollMs: 150,
  /** debounce_ms: 0, no debounce. */
  debounceMs: 0,
});

/** Sampling parameters sent with every completion (llama-server.ts defaultRequestParams). */
export const LLAMA_VSCODE_SAMPLING = Object.freeze({
  top_k: 40,
  top_p: 0.99,
  stream: false,
  samplers: ['top_k', 'top_p', 'infill'],
  cache_prompt: true,
});

/** llama-server's flags in llama.vscode's README for a 1.5B FIM model (`--fim-qwen-1.5b-default`);
 * its context is the model's own (0), unless another is given. */
export function llamaVscodeServerFlags(contextSize = 0): string[] {
  return ['-ub', '1024', '-b', '1024', '--ctx-size', String(contextSize), '--cache-reuse', '256'];
}

export interface ExtraChunk {
  text: string;
  time: number;
  filename: string;
}

/** The local context of one request. */
export interface LocalContext {
  inputPrefix: string;
  inputSuffix: string;
  prompt: string;
  linePrefix: string;
  lineSuffix: string;
  /** Indentation of the cursor line (n_indent). */
  nindent: number;
  /** Leading spaces to strip from a suggestion shown on a line of only indentation. */
  spacesToRemove: number;
}

export function localContext(doc: CompletionDocument, position: Position, config = LLAMA_VSCODE_CONFIG): LocalContext {
  const start = Math.max(0, position.line - config.nPrefix);
  const prefixLines: string[] = [];
  for (let i = start; i < position.line; i++) prefixLines.push(doc.lineAt(i));
  const end = Math.min(doc.lineCount - 1, position.line + config.nSuffix);
  const suffixLines: string[] = [];
  for (let i = position.line + 1; i <= end; i++) suffixLines.push(doc.lineAt(i));
  const lineText = doc.lineAt(position.line);
  const linePrefix = lineText.slice(0, position.character);
  const lineSuffix = lineText.slice(position.character);
  const nindent = lineText.length - lineText.trimStart().length;
  const onlyIndent = /^[ \t]*$/.test(linePrefix);
  return {
    inputPrefix: prefixLines.join('\n') + '\n',
    inputSuffix: lineSuffix + '\n' + suffixLines.join('\n') + '\n',
    prompt: onlyIndent ? '' : linePrefix,
    linePrefix,
    lineSuffix,
    nindent,
    spacesToRemove: onlyIndent ? linePrefix.length : 0,
  };
}

/** The /infill body of a completion request (createRequestPayload with noPredict = false). */
export function infillRequest(
  ctx: Pick<LocalContext, 'inputPrefix' | 'inputSuffix' | 'prompt'>,
  chunks: readonly ExtraChunk[],
  nindent: number,
  config = LLAMA_VSCODE_CONFIG,
): Record<string, unknown> {
  return {
    id_slot: 0,
    input_prefix: ctx.inputPrefix,
    input_suffix: ctx.inputSuffix,
    input_extra: chunks,
    prompt: ctx.prompt,
    n_predict: config.nPredict,
    n_cmpl: config.parallelCompletions,
    ...LLAMA_VSCODE_SAMPLING,
    ...(nindent ? { n_indent: nindent } : {}),
    t_max_prompt_ms: config.tMaxPromptMs,
    t_max_predict_ms: config.tMaxPredictMs,
  };
}

/** The body that evaluates a changed ring of chunks ahead of the next completion (updateExtraContext). */
export function ringUpdateRequest(
  chunks: readonly ExtraChunk[],
  config = LLAMA_VSCODE_CONFIG,
): Record<string, unknown> {
  return {
    id_slot: 0,
    input_prefix: '',
    input_suffix: '',
    input_extra: chunks,
    prompt: '',
    n_predict: 0,
    samplers: [],
    cache_prompt: true,
    t_max_prompt_ms: config.tMaxPromptMs,
    t_max_predict_ms: 1,
  };
}
