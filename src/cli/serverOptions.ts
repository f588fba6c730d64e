// The server options of `complete`, `chat` and `bench`: with --endpoint the command talks to a
// server (llama-server, an OpenAI-compatible server or Ollama) instead of starting the local
// engine, through the same pipeline. --model then names the server's model (optional), and the
// API key is read from a file (never from the command line, where other users could see it).
import { readFileSync } from 'node:fs';
import { NAMED_FIM_FAMILIES, type NamedFimFamily } from '../core/completion/fimTemplates';
import type { CompletionEngine } from '../core/completion/engineContract';
import type { CompletionModel } from '../core/completion/promptAssembler';
import type { ThreadsInfo } from '../core/engine/protocol';
import { createServerBackend } from '../core/remote/createBackend';
import { LlamaServerBackend } from '../core/remote/llamaServerBackend';
import { parseEndpoint, SERVER_BACKENDS, type ServerBackendKind } from '../core/remote/endpoint';
import type { ServerBackend, ServerConfig, ServerModelFacts } from '../core/remote/serverBackend';
import { isServerError, type ServerError } from '../core/remote/serverError';
import { CliExit, num, str, UsageError, type OptionSpec, type ParsedArgs } from './args';

export const SERVER_OPTIONS: Record<string, OptionSpec> = {
  endpoint: { type: 'string' },
  backend: { type: 'string' },
  'api-key-file': { type: 'string' },
  'fim-template': { type: 'string' },
};

export const SERVER_HELP = `server options (instead of the local engine):
  --endpoint <url>        a server: https://gpu-box:8080 (http only for 127.0.0.1/localhost)
  --backend <name>        llama-server (default), openai (vLLM, LM Studio, TGI…) or ollama
  --model <name>          with --endpoint: the server's model (default: its only or first one)
  --api-key-file <file>   a file holding the API key (sent only to the endpoint)
  --fim-template <name>   the model's FIM template when its name does not say it:
                          ${NAMED_FIM_FAMILIES.join(', ')}, or server (the
                          server formats it: llama-server's /infill, Ollama's suffix)
  --context-size <n>      with --endpoint: the context to ask for (Ollama's num_ctx; default 8192)`;

export function usesServer(args: ParsedArgs): boolean {
  return str(args, 'endpoint') !== undefined;
}

/** The server configuration from the command line (checked: endpoint, backend, key file). */
export function serverConfig(args: ParsedArgs): ServerConfig {
  const endpoint = str(args, 'endpoint') ?? '';
  const backend = (str(args, 'backend') ?? 'llama-server') as ServerBackendKind;
  if (!SERVER_BACKENDS.includes(backend))
    throw new UsageError(`--backend must be one of ${SERVER_BACKENDS.join(', ')}, got "${backend}"`);
  try {
    parseEndpoint(endpoint);
  } catch (e) {
    throw new CliExit(2, `--endpoint: ${(e as Error).message}`);
  }
  const template = str(args, 'fim-template');
  if (template && ![...NAMED_FIM_FAMILIES, 'server'].includes(template))
    throw new UsageError(`--fim-template must be one of ${NAMED_FIM_FAMILIES.join(', ')} or server`);
  return {
    backend,
    endpoint,
    model: str(args, 'model'),
    apiKey: readApiKey(str(args, 'api-key-file')),
    fimTemplate: (template as NamedFimFamily | 'server' | undefined) ?? 'auto',
    contextSize: num(args, 'context-size'),
  };
}

function readApiKey(path: string | undefined): string | undefined {
  if (!path) return undefined;
  let key: string;
  try {
    key = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new CliExit(2, `cannot read the API key file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!key) throw new CliExit(2, `the API key file ${path} is empty`);
  if (/\s/.test(key)) throw new CliExit(2, `the API key file ${path} holds more than one word`);
  return key;
}

/** A failed probe as the command's error: exit 1, the server's message. */
export function serverExit(e: unknown): never {
  if (isServerError(e)) throw new CliExit(e.code === 'badEndpoint' || e.code === 'insecure' ? 2 : 1, e.message);
  throw e;
}

export interface OpenedServer {
  backend: ServerBackend;
  facts: ServerModelFacts;
}

/** Opens the server for a role and checks it (health, key, model); exits with its message. */
export async function openServer(args: ParsedArgs, role: 'completion' | 'chat'): Promise<OpenedServer> {
  const backend = createServerBackend(serverConfig(args));
  try {
    return { backend, facts: await backend.probe(role) };
  } catch (e) {
    backend.dispose();
    return serverExit(e as ServerError);
  }
}

/** A completion engine, local or on a server, with the model the pipeline binds to. */
export interface CompletionTarget {
  engine: CompletionEngine;
  model: CompletionModel;
  /** For reports: the model's name, where it runs, and its path or server id. */
  name: string;
  backend: string;
  modelPath: string;
  contextSize: number;
  /** The local engine's KV cache size and threads (unknown for a server). */
  kvCacheBytes?: number;
  threads?: () => ThreadsInfo | null;
  /** The model's end-of-text token, when known (the naive strategy starts prompts with it). */
  endToken?: string;
  /** The server's own count of the prompt tokens it evaluated (llama-server --metrics), when published. */
  serverEvaluated?: () => Promise<number | undefined>;
  dispose(): Promise<void>;
}

/** The server's completion engine; `freshSlots` empties llama-server's KV caches first, so a
 * benchmark does not inherit what an earlier run left there. */
export async function openServerCompletion(
  args: ParsedArgs,
  options: { freshSlots?: boolean } = {},
): Promise<CompletionTarget> {
  const { backend, facts } = await openServer(args, 'completion');
  if (options.freshSlots && backend instanceof LlamaServerBackend) await backend.eraseSlots().catch(() => false);
  const model = backend.completionModel(facts);
  return {
    engine: backend,
    model,
    name: facts.name,
    backend: `${backend.kind} at ${backend.endpoint.host}`,
    modelPath: facts.id,
    contextSize: model.contextSize,
    ...(backend instanceof LlamaServerBackend && {
      serverEvaluated: () =>
        backend.counters().then(
          (c) => c?.evaluated,
          () => undefined,
        ),
    }),
    dispose: async () => backend.dispose(),
  };
}
