// The request bodies `alembic serve` accepts, checked field by field into the engine's own
// parameters: OpenAI's /v1/chat/completions and /v1/completions, and llama-server's /infill. Every
// field a client may send is either used, or ignored because it cannot change the answer (user,
// logit_bias of none…), or refused with a 400 that names it: a request is never answered as if a
// field it relies on had been honoured.
import type { ChatMessage, ChatTool, SamplingParams } from '../engine/protocol';
import { toGrammarSchema, ToolSchemaError } from '../tools/grammarSchema';
import { HttpError } from './httpError';

export interface GenerationOptions extends SamplingParams {
  maxTokens?: number;
  stop: string[];
  stream: boolean;
  /** stream_options.include_usage: a last chunk with the token counts. */
  includeUsage: boolean;
}

export interface ChatRequest extends GenerationOptions {
  messages: ChatMessage[];
  tools?: ChatTool[];
}

export interface CompletionRequest extends GenerationOptions {
  prompt: string;
  suffix?: string;
}

export interface InfillRequest extends GenerationOptions {
  prefix: string;
  suffix: string;
  /** Where the middle starts (llama-server's `prompt`). */
  middleStart: string;
  extra: { filename: string; text: string }[];
}

const MAX_STOPS = 8;

type Body = Record<string, unknown>;

export function parseChatRequest(body: unknown): ChatRequest {
  const b = object(body, 'the request body');
  if (b.n !== undefined && b.n !== 1) throw bad('only n = 1 is supported', 'n');
  const format = b.response_format;
  if (format !== undefined && !(isObject(format) && format.type === 'text'))
    throw bad('response_format other than "text" is not supported', 'response_format');
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    throw bad('messages must be a non-empty array', 'messages');
  const messages = b.messages.map((m, i) => chatMessage(m, i));
  const choice = b.tool_choice;
  let tools = b.tools === undefined || b.tools === null ? undefined : toolList(b.tools);
  if (choice === 'none') tools = undefined;
  else if (isObject(choice)) {
    const name = isObject(choice.function) ? choice.function.name : undefined;
    const only = tools?.filter((t) => t.name === name);
    if (!only?.length) throw bad('tool_choice names a function that is not in tools', 'tool_choice');
    tools = only;
  } else if (choice !== undefined && choice !== 'auto' && choice !== 'required')
    throw bad('tool_choice must be "none", "auto", "required" or {type: "function", function: {name}}', 'tool_choice');
  return { ...generationOptions(b, ['max_completion_tokens', 'max_tokens']), messages, tools };
}

export function parseCompletionRequest(body: unknown): CompletionRequest {
  const b = object(body, 'the request body');
  if (b.n !== undefined && b.n !== 1) throw bad('only n = 1 is supported', 'n');
  if (b.echo === true) throw bad('echo is not supported', 'echo');
  let prompt = b.prompt;
  if (Array.isArray(prompt) && prompt.length === 1) prompt = prompt[0];
  if (typeof prompt !== 'string')
    throw bad('prompt must be a string (token arrays and batches are not supported)', 'prompt');
  const suffix = optionalString(b, 'suffix');
  // OpenAI's default for this endpoint is 16 tokens.
  return { ...generationOptions(b, ['max_tokens'], 16), prompt, suffix };
}

export function parseInfillRequest(body: unknown): InfillRequest {
  const b = object(body, 'the request body');
  const extra = b.input_extra === undefined ? [] : b.input_extra;
  if (!Array.isArray(extra)) throw bad('input_extra must be an array of {filename, text}', 'input_extra');
  return {
    ...generationOptions(b, ['n_predict', 'max_tokens']),
    prefix: optionalString(b, 'input_prefix') ?? '',
    suffix: optionalString(b, 'input_suffix') ?? '',
    middleStart: optionalString(b, 'prompt') ?? '',
    extra: extra.map((chunk, i) => {
      const c = object(chunk, `input_extra[${i}]`);
      return {
        filename: typeof c.filename === 'string' ? c.filename : 'tmp',
        text: typeof c.text === 'string' ? c.text : '',
      };
    }),
  };
}

function generationOptions(b: Body, maxKeys: string[], defaultMax?: number): GenerationOptions {
  let maxTokens = defaultMax;
  for (const key of maxKeys) {
    const v = b[key];
    if (v === undefined || v === null) continue;
    // llama-server's n_predict -1 means "until the context is full": the engine's cap applies.
    if (v === -1) {
      maxTokens = undefined;
      break;
    }
    maxTokens = integer(v, key, 1, 1_000_000);
    break;
  }
  const stop = b.stop === undefined || b.stop === null ? [] : typeof b.stop === 'string' ? [b.stop] : b.stop;
  if (!Array.isArray(stop) || stop.length > MAX_STOPS || !stop.every((s) => typeof s === 'string'))
    throw bad(`stop must be a string or up to ${MAX_STOPS} strings`, 'stop');
  const streamOptions = b.stream_options;
  return {
    maxTokens,
    stop: (stop as string[]).filter((s) => s.length > 0),
    stream: optionalBoolean(b, 'stream') ?? false,
    includeUsage: isObject(streamOptions) && streamOptions.include_usage === true,
    temperature: optionalNumber(b, 'temperature', 0, 2),
    topP: optionalNumber(b, 'top_p', 0, 1),
    topK: b.top_k === undefined ? undefined : integer(b.top_k, 'top_k', 0, 1_000_000),
    seed: b.seed === undefined || b.seed === null ? undefined : integer(b.seed, 'seed', -(2 ** 53), 2 ** 53),
  };
}

function chatMessage(value: unknown, i: number): ChatMessage {
  const m = object(value, `messages[${i}]`);
  const where = `messages[${i}]`;
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: content(m.content, where) };
    case 'user':
      return { role: 'user', content: content(m.content, where) };
    case 'assistant': {
      const calls = m.tool_calls;
      if (calls !== undefined && calls !== null && !Array.isArray(calls))
        throw bad('tool_calls must be an array', where);
      const toolCalls = (calls ?? []).map((c, j) => toolCall(c, `${where}.tool_calls[${j}]`));
      const text = m.content === null || m.content === undefined ? '' : content(m.content, where);
      return toolCalls.length ? { role: 'assistant', content: text, toolCalls } : { role: 'assistant', content: text };
    }
    case 'tool': {
      const id = m.tool_call_id;
      if (typeof id !== 'string') throw bad('a tool message needs its tool_call_id', where);
      return { role: 'tool', content: content(m.content, where), toolCallId: id };
    }
    default:
      throw bad(`role must be system, developer, user, assistant or tool`, `${where}.role`);
  }
}

/** A message's content: a string, or text parts (images and audio cannot be read by these models). */
function content(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw bad('content must be a string or an array of text parts', `${where}.content`);
  return value
    .map((part, j) => {
      const p = object(part, `${where}.content[${j}]`);
      if (p.type !== 'text' || typeof p.text !== 'string')
        throw bad(
          `only text content parts are supported (got "${String(p.type).slice(0, 40)}")`,
          `${where}.content[${j}]`,
        );
      return p.text;
    })
    .join('');
}

function toolCall(value: unknown, where: string): NonNullable<ChatMessage['toolCalls']>[number] {
  const c = object(value, where);
  const fn = object(c.function, `${where}.function`);
  if (typeof c.id !== 'string' || typeof fn.name !== 'string')
    throw bad('a tool call needs an id and a function name', where);
  let args: unknown = {};
  if (typeof fn.arguments === 'string' && fn.arguments.trim()) {
    try {
      args = JSON.parse(fn.arguments) as unknown;
    } catch {
      throw bad('function.arguments is not valid JSON', `${where}.function.arguments`);
    }
  } else if (isObject(fn.arguments)) args = fn.arguments;
  return { id: c.id, name: fn.name, arguments: args };
}

function toolList(value: unknown): ChatTool[] {
  if (!Array.isArray(value)) throw bad('tools must be an array', 'tools');
  return value.map((t, i) => {
    const tool = object(t, `tools[${i}]`);
    if (tool.type !== 'function') throw bad('only tools of type "function" are supported', `tools[${i}].type`);
    const fn = object(tool.function, `tools[${i}].function`);
    if (typeof fn.name !== 'string') throw bad('a function needs a name', `tools[${i}].function.name`);
    if (fn.parameters !== undefined && !isObject(fn.parameters))
      throw bad('function.parameters must be a JSON schema object', `tools[${i}].function.parameters`);
    try {
      toGrammarSchema(fn.parameters, fn.name); // refused here, before a stream has started
    } catch (e) {
      if (e instanceof ToolSchemaError) throw bad(e.message, `tools[${i}].function.parameters`);
      throw e;
    }
    return {
      name: fn.name,
      description: typeof fn.description === 'string' ? fn.description : undefined,
      parameters: fn.parameters as ChatTool['parameters'],
    };
  });
}

function object(value: unknown, what: string): Body {
  if (!isObject(value)) throw bad(`${what} must be a JSON object`);
  return value;
}

function isObject(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalString(b: Body, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`${key} must be a string`, key);
  return v;
}

function optionalBoolean(b: Body, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(`${key} must be true or false`, key);
  return v;
}

function optionalNumber(b: Body, key: string, min: number, max: number): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw bad(`${key} must be a number from ${min} to ${max}`, key);
  return v;
}

function integer(v: unknown, key: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw bad(`${key} must be an integer from ${min} to ${max}`, key);
  return v;
}

function bad(message: string, param?: string): HttpError {
  return new HttpError(400, message, 'invalid_request_error', param);
}
