// A server's error replies turned into ServerErrors carrying its own words. Servers put the reason
// in different places: llama-server and OpenAI-compatible servers in `error.message`, Ollama in
// `error`, vLLM's FastAPI layer in `detail` (or `message`), others in a plain text body.
import type { HttpResponse } from './httpTransport';
import { field, numberField, stringField } from './streamParsers';
import { ServerError, shortServerMessage } from './serverError';

const ERROR_BODY_BYTES = 64 * 1024;

/** The server's message from an error body (JSON or text), shortened to one line. */
export function serverMessageOf(body: string): string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return shortServerMessage(body);
  }
  const detail = field(value, 'detail');
  const fromDetail = Array.isArray(detail)
    ? detail
        .map((d) => stringField(d, 'msg') ?? '')
        .filter(Boolean)
        .join('; ')
    : typeof detail === 'string'
      ? detail
      : undefined;
  const message =
    stringField(value, 'error', 'message') ??
    stringField(value, 'error') ??
    stringField(value, 'message') ??
    fromDetail ??
    body;
  return shortServerMessage(message);
}

/** Reads an error reply (bounded) and returns the matching ServerError. `what` names the request
 * for the message ("the completion request"). */
export async function errorFromResponse(res: HttpResponse, what: string, hasApiKey: boolean): Promise<ServerError> {
  const host = res.url.host;
  const status = res.status;
  if (status >= 300 && status < 400) {
    res.close();
    const to = res.header('location');
    return new ServerError(
      'badResponse',
      `${host} redirected ${what} to ${to ?? 'another address'}. Alembic does not follow redirects ` +
        `(they could carry your API key elsewhere): set the endpoint to the final address.`,
      { status },
    );
  }
  let body = '';
  try {
    body = await res.text(ERROR_BODY_BYTES);
  } catch (e) {
    if (e instanceof ServerError && e.code !== 'tooLarge') return e;
  }
  const said = serverMessageOf(body);
  const quoted = said ? `: "${said}"` : '';
  const details = { status, serverMessage: said || undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (status === 401 || status === 403)
    return new ServerError(
      'unauthorized',
      hasApiKey
        ? `${host} refused the API key (HTTP ${status}${quoted}). Set the right key with "Alembic: Set API Key…".`
        : `${host} needs an API key (HTTP ${status}${quoted}). Set it with "Alembic: Set API Key…".`,
      details,
    );
  if (status === 503)
    return new ServerError(
      'notReady',
      `${host} is not ready yet (HTTP 503${quoted}); it is probably still loading its model. Alembic tries again shortly.`,
      details,
    );
  const contextError =
    stringField(parsed, 'error', 'type') === 'exceed_context_size_error' ||
    /context (size|length|window)|maximum context|too many tokens|exceeds the (available )?context/i.test(said);
  if (status === 400 && contextError)
    return new ServerError(
      'promptTooLong',
      `The prompt does not fit the server's context (HTTP 400${quoted}). Start a new chat, or start the server with a larger context.`,
      {
        ...details,
        promptTokens: numberField(parsed, 'error', 'n_prompt_tokens'),
        contextSize: numberField(parsed, 'error', 'n_ctx'),
      },
    );
  if (status === 413)
    return new ServerError('promptTooLong', `${host} refused ${what} as too large (HTTP 413${quoted}).`, details);
  return new ServerError('http', `${host} answered ${what} with HTTP ${status}${quoted}.`, details);
}

/** Throws the ServerError for a reply that is not a success. */
export async function ensureOk(res: HttpResponse, what: string, hasApiKey: boolean): Promise<HttpResponse> {
  if (res.status >= 200 && res.status < 300) return res;
  throw await errorFromResponse(res, what, hasApiKey);
}

/** The reply's body parsed as JSON (bounded by the transport's cap). */
export async function jsonBody(res: HttpResponse, what: string): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ServerError(
      'badResponse',
      `${res.url.host} answered ${what} with something that is not JSON ` +
        `(${shortServerMessage(text).slice(0, 80) || 'an empty body'}). Is the backend setting right for ` +
        `this server?`,
    );
  }
}
