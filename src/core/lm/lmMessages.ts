// VS Code's language-model messages (vscode.LanguageModelChatRequestMessage) as the engine's
// conversation. Parts are recognised by their shape, not their class, so this runs in plain Node:
//   text       { value: string }                        (LanguageModelTextPart)
//   tool call  { callId, name, input }                   (LanguageModelToolCallPart, in assistant messages)
//   result     { callId, content: parts[] }              (LanguageModelToolResultPart, in user messages)
//   data       { mimeType, data: Uint8Array }            (LanguageModelDataPart: text and JSON are read)
// A tool's result arrives in a user message; the engine wants it as a `tool` message right after
// the assistant's call, which is where it is placed.
import type { ChatMessage, ChatTool, JsonSchema } from '../engine/protocol';

/** LanguageModelChatMessageRole: User 1, Assistant 2 (and System 3 where VS Code has it). */
export const LM_ROLE = { user: 1, assistant: 2, system: 3 } as const;

export interface LmMessageLike {
  readonly role: number;
  readonly content: ReadonlyArray<unknown>;
}

export interface LmToolLike {
  readonly name: string;
  readonly description: string;
  readonly inputSchema?: object | undefined;
}

export class LmMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LmMessageError';
  }
}

export function toChatMessages(messages: readonly LmMessageLike[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const message of messages) {
    const texts: string[] = [];
    const calls: NonNullable<ChatMessage['toolCalls']> = [];
    const results: ChatMessage[] = [];
    for (const part of message.content) {
      if (isToolCall(part)) calls.push({ id: part.callId, name: part.name, arguments: part.input ?? {} });
      else if (isToolResult(part))
        results.push({ role: 'tool', toolCallId: part.callId, content: part.content.map(partText).join('') });
      else texts.push(partText(part));
    }
    const content = texts.join('');
    if (message.role === LM_ROLE.assistant) {
      out.push(calls.length ? { role: 'assistant', content, toolCalls: calls } : { role: 'assistant', content });
      continue;
    }
    if (calls.length) throw new LmMessageError('Only assistant messages can hold tool calls.');
    out.push(...results);
    if (message.role === LM_ROLE.system) out.push({ role: 'system', content });
    else if (content || results.length === 0) out.push({ role: 'user', content });
  }
  return out;
}

export function toChatTools(tools: readonly LmToolLike[] | undefined): ChatTool[] | undefined {
  if (!tools?.length) return undefined;
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    parameters: t.inputSchema as JsonSchema | undefined,
  }));
}

/** The text of a message, for counting its tokens. */
export function messageText(message: LmMessageLike): string {
  return message.content
    .map((part) =>
      isToolCall(part)
        ? `${part.name} ${JSON.stringify(part.input ?? {})}`
        : isToolResult(part)
          ? part.content.map(partText).join('')
          : partText(part),
    )
    .join('');
}

function partText(part: unknown): string {
  if (typeof part === 'string') return part;
  if (isRecord(part)) {
    if (typeof part.value === 'string') return part.value;
    if (typeof part.mimeType === 'string' && part.data instanceof Uint8Array) {
      if (/^text\/|json/.test(part.mimeType)) return new TextDecoder().decode(part.data);
      throw new LmMessageError(`Alembic's local models read text only; a ${part.mimeType} part cannot be sent.`);
    }
    // A prompt-tsx part or another structured value: the model reads it as JSON.
    if ('value' in part) return JSON.stringify(part.value);
  }
  return '';
}

function isToolCall(part: unknown): part is { callId: string; name: string; input: unknown } {
  return isRecord(part) && typeof part.callId === 'string' && typeof part.name === 'string' && 'input' in part;
}

function isToolResult(part: unknown): part is { callId: string; content: unknown[] } {
  return isRecord(part) && typeof part.callId === 'string' && Array.isArray(part.content);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
