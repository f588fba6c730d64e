// `alembic chat --model <gguf> "<prompt>"`: streams the answer to stdout (reasoning, if any, to
// stderr, dimmed), or prints one JSON object with --json.
import { flag, num, parseArgs, str, UsageError } from './args';
import { ENGINE_HELP, ENGINE_OPTIONS, startLoadedEngine } from './engineOptions';
import { openServer, SERVER_HELP, SERVER_OPTIONS, usesServer } from './serverOptions';
import type { ChatChunk, ChatMessage, ChatParams, ChatResult } from '../core/engine/protocol';
import { SETTING_DEFAULTS } from '../core/settings';
import { displayChunk } from '../core/util/displayText';

// The extension's chat defaults (alembic.chat.*), so that the same question gets the same answer.
const MAX_TOKENS = SETTING_DEFAULTS['chat.maxTokens'];
const TEMPERATURE = SETTING_DEFAULTS['chat.temperature'];
const TIMEOUT_MS = SETTING_DEFAULTS['chat.timeoutSeconds'] * 1000;

export const CHAT_HELP = `usage: alembic chat --model <file.gguf> [options] "<prompt>"
  --system <text>         a system prompt
  --max-tokens <n>        cap on the answer length (default ${MAX_TOKENS}, as in the extension)
  --timeout <ms>          wall-clock cap (default ${TIMEOUT_MS})
  --temperature <t>       sampling temperature (default ${TEMPERATURE})
  --json                  print {text, thought, stopReason, accounting} instead of streaming
  Exits 2 when the file is not a usable model, 1 when the engine (or the server) fails.
${ENGINE_HELP}
${SERVER_HELP}`;

export async function chatCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    ...ENGINE_OPTIONS,
    ...SERVER_OPTIONS,
    system: { type: 'string' },
    'max-tokens': { type: 'number' },
    timeout: { type: 'number' },
    temperature: { type: 'number' },
    json: { type: 'boolean' },
  });
  const prompt = args.positionals.join(' ').trim();
  if (!prompt) throw new UsageError('a prompt is required');
  const messages: ChatMessage[] = [];
  const system = str(args, 'system');
  if (system) messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: prompt });

  const engine: ChatEngine = usesServer(args)
    ? await serverChat(args)
    : (await startLoadedEngine(args, { chat: true })).engine;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const json = flag(args, 'json');
  const dim = process.stderr.isTTY ? (s: string) => `\x1b[2m${s}\x1b[0m` : (s: string) => s;
  let inThought = false;
  try {
    const result = await engine.chat(
      {
        messages,
        maxTokens: num(args, 'max-tokens') ?? MAX_TOKENS,
        timeoutMs: num(args, 'timeout') ?? TIMEOUT_MS,
        temperature: num(args, 'temperature') ?? TEMPERATURE,
      },
      {
        signal: controller.signal,
        onChunk: (chunk) => {
          if (json) return;
          if (chunk.segment === 'thought') {
            if (!inThought) process.stderr.write(dim('Thinking: '));
            inThought = true;
            process.stderr.write(dim(displayChunk(chunk.text)));
          } else {
            if (inThought) process.stderr.write('\n');
            inThought = false;
            process.stdout.write(displayChunk(chunk.text));
          }
        },
      },
    );
    if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      process.stdout.write('\n');
      const a = result.accounting;
      process.stderr.write(
        dim(
          `[${result.stopReason}: ${a.generatedTokens} tokens, ${a.tokensPerSecond} tok/s, first token after ${a.timeToFirstTokenMs} ms]\n`,
        ),
      );
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    await engine.dispose();
  }
}

interface ChatEngine {
  chat(
    params: ChatParams,
    options: { signal?: AbortSignal; onChunk?: (chunk: Pick<ChatChunk, 'segment' | 'text'>) => void },
  ): Promise<ChatResult>;
  dispose(): Promise<void>;
}

/** The server's chat, checked first (health, key, model). */
async function serverChat(args: Parameters<typeof openServer>[0]): Promise<ChatEngine> {
  const { backend } = await openServer(args, 'chat');
  return { chat: (params, options) => backend.chat(params, options), dispose: async () => backend.dispose() };
}
