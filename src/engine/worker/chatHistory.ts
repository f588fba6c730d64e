// The protocol's conversation (ChatMessage[], with tool calls and their results as separate
// messages, the way VS Code and OpenAI clients send them) as node-llama-cpp's chat history, where
// a call and its result are one item inside the model's response. The chat wrapper then renders
// calls and results in the model's own format (Qwen's <tool_call>/<tool_response>, …).
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatModelResponse } from 'node-llama-cpp';
import type { ChatMessage, ChatTool } from '../../core/engine/protocol';
import { toGrammarSchema, ToolSchemaError } from '../../core/tools/grammarSchema';
import { EngineError } from './engineError';

const TOOL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const MAX_TOOLS = 128;

/** The history to generate from: it ends with the model response to write (or to continue, after
 * tool results). */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const last = messages[messages.length - 1];
  if (!last || (last.role !== 'user' && last.role !== 'tool'))
    throw new EngineError('badRequest', 'A chat request must end with a user message or tool results.');
  const history: ChatHistoryItem[] = [];
  let open: { response: ChatModelResponse; calls: Map<string, ChatModelFunctionCall> } | undefined;
  for (const message of messages) {
    if (message.role === 'tool') {
      const call = open && findCall(open.calls, message.toolCallId);
      if (!call) throw new EngineError('badRequest', `A tool result answers no call${idText(message.toolCallId)}.`);
      call.result = parseResult(message.content);
      continue;
    }
    if (open) checkAnswered(open.calls);
    open = undefined;
    if (message.role === 'system') history.push({ type: 'system', text: message.content });
    else if (message.role === 'user') history.push({ type: 'user', text: message.content });
    else {
      const response: ChatModelResponse = { type: 'model', response: message.content ? [message.content] : [] };
      if (message.toolCalls?.length) {
        const calls = new Map<string, ChatModelFunctionCall>();
        for (const c of message.toolCalls) {
          const call: ChatModelFunctionCall = {
            type: 'functionCall',
            name: c.name,
            params: c.arguments,
            result: undefined,
          };
          calls.set(c.id, call);
          response.response.push(call);
        }
        open = { response, calls };
      }
      history.push(response);
    }
  }
  if (open) checkAnswered(open.calls);
  // After a user message the model starts a new response; after tool results it continues its own.
  if (last.role === 'user') history.push({ type: 'model', response: [] });
  return history;
}

/** The tools as node-llama-cpp functions, their parameter schemas turned into grammar schemas. */
export function toChatFunctions(tools: readonly ChatTool[] | undefined): ChatModelFunctions | undefined {
  if (!tools || tools.length === 0) return undefined;
  if (tools.length > MAX_TOOLS)
    throw new EngineError('badRequest', `At most ${MAX_TOOLS} tools can be offered at once.`);
  const functions: Record<string, { description?: string; params?: never }> = {};
  for (const tool of tools) {
    if (!TOOL_NAME.test(tool.name))
      throw new EngineError(
        'badRequest',
        `"${tool.name.slice(0, 80)}" is not a valid tool name (letters, digits, _ . -).`,
      );
    if (Object.hasOwn(functions, tool.name))
      throw new EngineError('badRequest', `Tool "${tool.name}" is offered twice.`);
    try {
      functions[tool.name] = {
        description: tool.description?.slice(0, 4000),
        params: toGrammarSchema(tool.parameters, tool.name) as never,
      };
    } catch (e) {
      if (e instanceof ToolSchemaError) throw new EngineError('badRequest', e.message);
      throw e;
    }
  }
  return functions;
}

function findCall(
  calls: Map<string, ChatModelFunctionCall>,
  id: string | undefined,
): ChatModelFunctionCall | undefined {
  if (id !== undefined) return calls.get(id);
  // Without an id, the only call still waiting for its result.
  const waiting = [...calls.values()].filter((c) => c.result === undefined);
  return waiting.length === 1 ? waiting[0] : undefined;
}

function checkAnswered(calls: Map<string, ChatModelFunctionCall>): void {
  for (const [id, call] of calls)
    if (call.result === undefined)
      throw new EngineError('badRequest', `The result of tool call ${id} (${call.name}) is missing.`);
}

/** A JSON result stays structured (the wrapper writes it as JSON); anything else is text. */
function parseResult(content: string): unknown {
  const trimmed = content.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      /* plain text that starts with a bracket */
    }
  }
  return content;
}

function idText(id: string | undefined): string {
  return id ? ` with id ${id.slice(0, 80)}` : '';
}
