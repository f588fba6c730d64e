// The two streaming formats servers answer in: server-sent events (llama-server, OpenAI-compatible
// servers: `data: {...}` lines, `[DONE]` at the end) and newline-delimited JSON (Ollama). Both
// take text chunks cut anywhere and yield whole JSON values.
import { ServerError } from './serverError';

/** Longest event or line accepted (a runaway line must not grow without bound). */
const MAX_LINE = 1024 * 1024;

async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const chunk of chunks) {
    buffer += chunk;
    let at: number;
    while ((at = buffer.indexOf('\n')) >= 0) {
      yield buffer.slice(0, at).replace(/\r$/, '');
      buffer = buffer.slice(at + 1);
    }
    if (buffer.length > MAX_LINE) throw new ServerError('tooLarge', 'The server sent a line longer than 1 MB.');
  }
  if (buffer.trim()) yield buffer;
}

function parse(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ServerError('badResponse', `The server sent ${what} that is not JSON: ${text.slice(0, 80)}`);
  }
}

/** The JSON payloads of a server-sent event stream, until `[DONE]` or the end. An `error` event
 * (llama-server streams `error: {...}` after headers were sent) is yielded as `{error: ...}`. */
export async function* sseEvents(chunks: AsyncIterable<string>): AsyncGenerator<unknown> {
  let data: string[] = [];
  let event = '';
  for await (const line of lines(chunks)) {
    if (line === '') {
      if (data.length > 0) {
        const text = data.join('\n');
        data = [];
        if (text.trim() === '[DONE]') return;
        const value = parse(text, 'an event');
        yield event === 'error' && !(typeof value === 'object' && value && 'error' in value) ? { error: value } : value;
      }
      event = '';
      continue;
    }
    if (line.startsWith(':')) continue; // a comment (keep-alive ping)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'error') data.push(JSON.stringify({ error: parse(value, 'an error event') }));
  }
  if (data.length > 0 && data.join('\n').trim() !== '[DONE]') yield parse(data.join('\n'), 'an event');
}

/** The JSON values of a newline-delimited JSON stream. */
export async function* ndjsonValues(chunks: AsyncIterable<string>): AsyncGenerator<unknown> {
  for await (const line of lines(chunks)) {
    if (line.trim()) yield parse(line, 'a line');
  }
}

/** Reads a field path of an untyped JSON value, or undefined. */
export function field(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

export function numberField(value: unknown, ...path: (string | number)[]): number | undefined {
  const v = field(value, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function stringField(value: unknown, ...path: (string | number)[]): string | undefined {
  const v = field(value, ...path);
  return typeof v === 'string' ? v : undefined;
}
