// `alembic serve [--model M] [--host 127.0.0.1] [--port N]`: the engine over HTTP for other tools,
// with an OpenAI-compatible API (/v1/models, /v1/chat/completions, /v1/completions), llama-server's
// /infill and /health. It runs until Ctrl-C (or SIGTERM), then stops the engine it started.
import { basename, join } from 'node:path';
import { SETTING_DEFAULTS } from '../core/settings';
import { LOOPBACK_HOSTS, startServeServer } from '../core/serve/httpServer';
import { loadOrCreateToken } from '../core/serve/serveToken';
import { connectSocket, sharedPaths, type SharedPaths } from '../engine/shared/rendezvous';
import { EngineClient } from '../engine/client/engineClient';
import { CliExit, flag, num, parseArgs, str, UsageError } from './args';
import { ENGINE_HELP, ENGINE_OPTIONS, startEngine } from './engineOptions';

export const DEFAULT_SERVE_PORT = 8012; // llama.vscode's default endpoint

export const SERVE_HELP = `usage: alembic serve [--model <file.gguf>] [options]
  Serves the model over HTTP for other tools (aider, opencode, Copilot CLI, curl):
    GET  /v1/models, /health
    POST /v1/chat/completions   OpenAI chat, streamed with "stream": true; tools (function calls
                                whose arguments follow each tool's JSON schema)
    POST /v1/completions        text completion; with "suffix", fill-in-the-middle
    POST /infill                llama-server's fill-in-the-middle (input_prefix, input_suffix, input_extra)
  Every request needs "Authorization: Bearer <token>". The token is made on the first run, shown
  once and kept in a file only you can read (default: ~/.config/alembic/serve-token).
  --host <address>        where to listen (default 127.0.0.1; anything else is reachable from the network)
  --port <n>              port (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)
  --token-file <path>     where the token is kept
  --new-token             replace the token with a new one
  --max-body-mb <n>       largest request body (default 8)
  --timeout <seconds>     cap on one generation (default 300)
  --max-tokens <n>        chat answer length when a request names none (default ${SETTING_DEFAULTS['chat.maxTokens']})
  --max-concurrent <n>    generations running or queued at once; more get 429 (default 8)
  --model <file.gguf>     the model (optional while the editors' shared engine runs: then serve
                          uses the model it has loaded)
  --own-engine            start an engine of its own even when the editors' shared engine runs
                          (by default serve uses it: one model copy for the editors and the tools)
${ENGINE_HELP}`;

export async function serveCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    ...ENGINE_OPTIONS,
    host: { type: 'string' },
    port: { type: 'number' },
    'token-file': { type: 'string' },
    'new-token': { type: 'boolean' },
    'max-body-mb': { type: 'number' },
    timeout: { type: 'number' },
    'max-tokens': { type: 'number' },
    'max-concurrent': { type: 'number' },
    'own-engine': { type: 'boolean' },
  });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const host = str(args, 'host') ?? '127.0.0.1';
  const port = num(args, 'port') ?? DEFAULT_SERVE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be from 0 to 65535');
  const positive = (name: string, fallback: number) => {
    const v = num(args, name) ?? fallback;
    if (!(v > 0)) throw new UsageError(`--${name} must be more than 0`);
    return v;
  };
  const maxBodyBytes = Math.round(positive('max-body-mb', 8) * 1024 * 1024);
  const timeoutMs = Math.round(positive('timeout', 300) * 1000);
  const maxTokens = Math.round(positive('max-tokens', SETTING_DEFAULTS['chat.maxTokens']));
  const maxConcurrent = Math.round(positive('max-concurrent', 8));

  let token;
  try {
    token = loadOrCreateToken(str(args, 'token-file'), flag(args, 'new-token'));
  } catch (e) {
    throw new CliExit(1, e instanceof Error ? e.message : String(e));
  }
  // One model copy for the editors and the tools: with the shared engine running, serve uses it.
  const paths = sharedPaths();
  const attach = !flag(args, 'own-engine') && (await hostIsRunning(paths));
  const shared = attach
    ? {
        shared: {
          paths,
          hostPath: join(__dirname, 'engineHost.js'),
          version: require('../../package.json').version as string,
          label: 'alembic serve',
        },
      }
    : {};
  // Without --model, serve takes whatever model the shared engine has loaded for the editors.
  const modelArg = str(args, 'model');
  if (!modelArg && !attach)
    throw new UsageError('--model <file.gguf> is required (no shared engine runs whose model serve could use)');
  const engine = modelArg
    ? startEngine(args, { completion: true, chat: true }, shared)
    : new EngineClient({ enginePath: join(__dirname, 'engine.js'), ...shared });
  if (attach) process.stdout.write(`Using the shared engine that the editors run (${paths.socket}).\n`);
  const model = modelArg ? basename(modelArg).replace(/\.gguf$/i, '') : "the editors' model";
  let server;
  try {
    server = await startServeServer(engine, {
      host,
      port,
      token: token.token,
      maxBodyBytes,
      maxConcurrent,
      requestTimeoutMs: 60_000,
      timeoutMs,
      defaultChatMaxTokens: maxTokens,
      defaultChatTemperature: 0.7,
      log: flag(args, 'verbose') ? (line) => process.stderr.write(`[serve] ${line}\n`) : undefined,
    });
  } catch (e) {
    await engine.dispose();
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new CliExit(1, `port ${port} is in use; pick another with --port`);
    throw e;
  }
  process.stdout.write(`Alembic serves ${model} on ${server.url} (OpenAI-compatible API under ${server.url}/v1)\n`);
  process.stdout.write(
    token.created
      ? `  token (shown this once; kept in ${token.path}): ${token.token}\n`
      : `  token: in ${token.path}\n`,
  );
  process.stdout.write(`  try: curl ${server.url}/v1/models -H "Authorization: Bearer $(cat ${token.path})"\n`);
  if (!LOOPBACK_HOSTS.has(host))
    process.stderr.write(
      `alembic serve: listening on ${host}: anyone who can reach this machine and has the token can use the model, over plain HTTP.\n`,
    );
  process.stdout.write('Loading the model… (Ctrl-C stops)\n');
  engine.load().then(
    () => process.stdout.write('Ready.\n'),
    (e: unknown) =>
      process.stderr.write(`alembic serve: the model did not load: ${e instanceof Error ? e.message : String(e)}\n`),
  );

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('Stopping…\n');
  await server.close();
  await engine.dispose();
  return 0;
}

/** True when a shared engine host answers on its socket (nothing is started to find out). */
async function hostIsRunning(paths: SharedPaths): Promise<boolean> {
  try {
    (await connectSocket(paths.socket, 1000)).destroy();
    return true;
  } catch {
    return false;
  }
}
