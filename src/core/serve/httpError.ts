// An error `alembic serve` answers with, in OpenAI's error shape so that clients show its message:
// {"error": {"message", "type", "param", "code"}}.

export type HttpErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'unavailable_error';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: HttpErrorType = status >= 500 ? 'server_error' : 'invalid_request_error',
    readonly param?: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toJSON(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param ?? null, code: this.code ?? null } };
  }
}

/** An engine failure (recognised by the protocol's error `code`, whatever class carries it) as the
 * HTTP answer a client can act on: its own mistakes are 4xx, the engine's state is 503 (retry). */
export function engineFailure(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const message = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'badRequest':
    case 'noFim':
      return new HttpError(400, message, 'invalid_request_error', undefined, code);
    case 'promptTooLong':
      return new HttpError(400, message, 'invalid_request_error', 'messages', 'context_length_exceeded');
    case 'noModel':
    case 'loadFailed':
    case 'precheckFailed':
    case 'insufficientMemory':
    case 'badModel':
    case 'crashed':
    case 'unresponsive':
    case 'stopped':
      return new HttpError(503, message, 'unavailable_error', undefined, code);
    default:
      return new HttpError(500, message, 'server_error', undefined, code || undefined);
  }
}
