// What the completion pipeline needs from the engine. The extension passes its engine client, the
// benchmark the same client, and the tests a scripted fake. Errors are recognised by the `code`
// the engine protocol defines (EngineErrorCode), whatever class carries it.
import type { CompleteParams, CompleteResult, EngineErrorCode, PrefillParams, PrefillResult } from '../engine/protocol';

/** A streamed completion's answer so far. */
export interface PartialAnswer {
  text: string;
  generatedTokens: number;
}

export interface CompletionEngine {
  /** One fill-in-the-middle generation. Aborting `signal` must stop it; the result then carries
   * stopReason "abort" (the engine client's one rule, before or after the request reached the
   * engine). An engine that rejects with an AbortError instead is tolerated (isAbortError).
   * `onPartial`, when the engine can stream, hears the answer so far as it is written (an engine
   * that cannot simply answers at the end). */
  complete(
    params: CompleteParams,
    signal: AbortSignal,
    onPartial?: (partial: PartialAnswer) => void,
  ): Promise<CompleteResult>;
  /** Evaluate a prompt into the KV cache without generating (background warm-up); optional. */
  prefill?(params: PrefillParams, signal: AbortSignal): Promise<PrefillResult>;
}

function codeOf(e: unknown): unknown {
  return typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
}

function hasCode(e: unknown, code: EngineErrorCode): boolean {
  return codeOf(e) === code;
}

export function isAbortError(e: unknown): boolean {
  return (e instanceof Error && e.name === 'AbortError') || codeOf(e) === 'ABORT_ERR';
}

export function isPromptTooLong(e: unknown): boolean {
  return hasCode(e, 'promptTooLong');
}

/** The exact prompt length the engine reported with a promptTooLong error, when it did. */
export function reportedPromptTokens(e: unknown): number | undefined {
  const details =
    typeof e === 'object' && e !== null && 'details' in e
      ? (e as { details?: { promptTokens?: unknown } }).details
      : undefined;
  return typeof details?.promptTokens === 'number' ? details.promptTokens : undefined;
}

export function isNoFim(e: unknown): boolean {
  return hasCode(e, 'noFim');
}
