import type { EngineErrorCode, EngineErrorPayload } from '../../core/engine/protocol';

/** Structured facts about a failure, so that callers never parse the English message. */
export interface EngineErrorDetails {
  /** For promptTooLong: the exact prompt length and the context size. */
  promptTokens?: number;
  contextSize?: number;
  /** For crashed / unresponsive: how the process ended. */
  exit?: { code: number | null; signal: string | null };
  /** For crashed / unresponsive: what ended the process, in a sentence ("The engine process
   * stopped unexpectedly (killed by SIGABRT)."). */
  reason?: string;
  /** For badModel: the file that crashed the engine. */
  file?: string;
}

/** A failed engine request, with a code a caller can act on. */
export class EngineClientError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details: EngineErrorDetails = {},
  ) {
    super(message);
    this.name = 'EngineClientError';
  }

  static fromPayload(error: EngineErrorPayload): EngineClientError {
    return new EngineClientError(error.code, error.message, {
      promptTokens: error.promptTokens,
      contextSize: error.contextSize,
    });
  }
}
