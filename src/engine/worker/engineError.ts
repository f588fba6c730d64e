import type { EngineErrorCode, EngineErrorPayload } from '../../core/engine/protocol';

/** An error the engine reports to its client with a code it can act on. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details: Pick<EngineErrorPayload, 'promptTokens' | 'contextSize'> = {},
  ) {
    super(message);
    this.name = 'EngineError';
  }

  static toPayload(e: unknown): EngineErrorPayload {
    if (e instanceof EngineError) return { code: e.code, message: e.message, ...e.details };
    const message = e instanceof Error ? e.message : String(e);
    return { code: 'internal', message };
  }
}
