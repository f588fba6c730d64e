// The one error a server backend throws. Its message is for the user: what the server said (its
// own words where it gave any) and what to do; `remedies` name the ways out the editor offers as
// buttons, and `code` lets the completion pipeline react as it does to the local engine's errors
// ('promptTooLong' refits the prompt, 'aborted' is a cancellation, 'noFim' disables completions).

export type ServerErrorCode =
  /** The endpoint setting is not a usable URL (or names credentials, a query…). */
  | 'badEndpoint'
  /** Plain http to a host that is not this machine. */
  | 'insecure'
  /** Connection refused, host not found, network down, connection cut before an answer. */
  | 'unreachable'
  /** No TCP/TLS connection within the connect timeout. */
  | 'connectTimeout'
  /** Connected, but no byte of an answer (or of the next chunk) within the stall timeout. */
  | 'stalled'
  /** The whole request ran past its total timeout (callers turn this into stopReason 'timeout'). */
  | 'timeout'
  /** HTTP 401/403: a missing or wrong API key. */
  | 'unauthorized'
  /** The server does not serve the model named in the settings. */
  | 'unknownModel'
  /** The prompt does not fit the server's context (details carry both sizes when known). */
  | 'promptTooLong'
  /** The reply passed the response-size cap. */
  | 'tooLarge'
  /** The TLS handshake failed (certificate not trusted, expired, wrong host, not TLS at all). */
  | 'tls'
  /** The configured proxy refused or failed the tunnel. */
  | 'proxy'
  /** The server is starting or loading its model (HTTP 503). */
  | 'notReady'
  /** The model cannot fill in the middle (a chat/instruct model offered for completions). */
  | 'noFim'
  /** An answer that is not what this backend speaks (wrong backend setting, a redirect, bad JSON). */
  | 'badResponse'
  /** Any other HTTP error status. */
  | 'http'
  /** The caller cancelled. */
  | 'aborted';

/** A way out the editor can offer next to the message. */
export type ServerRemedy = 'setApiKey' | 'openSettings' | 'retry' | 'selectModel' | 'useLocal' | 'newChat' | 'showLog';

export interface ServerErrorDetails {
  status?: number;
  /** The server's own message, verbatim (shortened). */
  serverMessage?: string;
  /** For promptTooLong: the prompt's length and the context size, as the server reported them. */
  promptTokens?: number;
  contextSize?: number;
  remedies?: ServerRemedy[];
  cause?: unknown;
}

const DEFAULT_REMEDIES: Record<ServerErrorCode, ServerRemedy[]> = {
  badEndpoint: ['openSettings'],
  insecure: ['openSettings'],
  unreachable: ['retry', 'openSettings', 'useLocal'],
  connectTimeout: ['retry', 'openSettings', 'useLocal'],
  stalled: ['retry', 'openSettings', 'showLog'],
  timeout: ['openSettings'],
  unauthorized: ['setApiKey', 'openSettings'],
  unknownModel: ['selectModel', 'openSettings'],
  promptTooLong: ['newChat', 'openSettings'],
  tooLarge: ['openSettings', 'showLog'],
  tls: ['openSettings', 'showLog'],
  proxy: ['openSettings', 'showLog'],
  notReady: ['retry'],
  noFim: ['selectModel', 'openSettings'],
  badResponse: ['openSettings', 'showLog'],
  http: ['retry', 'showLog'],
  aborted: [],
};

export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly status?: number;
  readonly serverMessage?: string;
  readonly remedies: ServerRemedy[];
  /** Read by the completion pipeline's promptTooLong handling (same shape as the engine's). */
  readonly details: { promptTokens?: number; contextSize?: number };

  constructor(
    readonly code: ServerErrorCode,
    message: string,
    details: ServerErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.serverMessage = details.serverMessage;
    this.remedies = details.remedies ?? DEFAULT_REMEDIES[code];
    this.details = { promptTokens: details.promptTokens, contextSize: details.contextSize };
  }
}

export function isServerError(e: unknown, code?: ServerErrorCode): e is ServerError {
  return e instanceof ServerError && (code === undefined || e.code === code);
}

/** Failures that say the server (or the way to it) is in trouble, as opposed to one bad request. */
export function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof ServerError)) return false;
  return [
    'unreachable',
    'connectTimeout',
    'stalled',
    'unauthorized',
    'tls',
    'proxy',
    'notReady',
    'badResponse',
  ].includes(e.code);
}

/** A server's message as shown to the user: one line, at most 300 characters. */
export function shortServerMessage(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}…` : line;
}

/**
 * How a streamed answer that failed part-way ends, the same for every backend: an abort stops it, a
 * timeout after the first token keeps what came, a timeout before it means the server stalled
 * (`timeoutSetting` names the setting to raise); anything else is the caller's error to report.
 */
export function streamFailure(
  e: unknown,
  answered: boolean,
  host: string,
  timeoutMs: number,
  timeoutSetting = '',
): 'abort' | 'timeout' {
  if (!(e instanceof ServerError)) throw e;
  if (e.code === 'aborted') return 'abort';
  if (e.code === 'timeout' && answered) return 'timeout';
  if (e.code === 'timeout') {
    const hint = timeoutSetting ? ` (setting ${timeoutSetting})` : '';
    throw new ServerError('stalled', `${host} did not start answering within ${timeoutMs} ms${hint}.`);
  }
  throw e;
}
