// The HTTP side of `alembic serve`: the engine for other tools (aider, opencode, Copilot CLI, curl)
// through an OpenAI-compatible API and llama-server's /infill.
//
// What keeps it safe on a developer's machine:
//   - it listens on loopback unless told otherwise, and on loopback it answers only requests whose
//     Host names loopback (a web page that rebinds a DNS name to 127.0.0.1 gets nothing);
//   - every request, /health included, needs `Authorization: Bearer <token>` (compared in constant
//     time); a wrong or missing token is a 401 before anything else is read;
//   - request bodies are capped (413), and so are the time to send one (408) and the number of
//     generations at once (429);
//   - every generation has a wall-clock cap, and a client that closes its connection aborts its
//     generation at once (the engine stops between two tokens);
//   - no CORS headers, so a browser page cannot read an answer even with the token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { engineFailure, HttpError } from './httpError';
import * as handlers from './serveHandlers';
import { parseChatRequest, parseCompletionRequest, parseInfillRequest } from './serveRequests';

export interface ServeServerOptions extends handlers.ServeOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  maxBodyBytes: number;
  /** Generations at once (queued in the engine); more get a 429. */
  maxConcurrent: number;
  /** Time a client has to send its request, headers and body. */
  requestTimeoutMs: number;
  log?: (line: string) => void;
}

export interface ServeServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, reply: handlers.Reply) => Promise<void>;

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startServeServer(
  engine: handlers.ServeEngine,
  options: ServeServerOptions,
): Promise<ServeServer> {
  const expected = digest(options.token);
  let generating = 0;
  const generation =
    <T>(parse: (body: unknown) => T, run: (request: T, reply: handlers.Reply) => Promise<void>): Route =>
    async (req, reply) => {
      const request = parse(await readJson(req, options.maxBodyBytes));
      if (generating >= options.maxConcurrent)
        throw new HttpError(
          429,
          `${generating} generations are running or queued; try again shortly.`,
          'rate_limit_error',
        );
      generating++;
      try {
        await run(request, reply);
      } finally {
        generating--;
      }
    };
  const chat = generation(parseChatRequest, (r, reply) => handlers.chatCompletions(engine, r, reply, options));
  const text = generation(parseCompletionRequest, (r, reply) => handlers.completions(engine, r, reply, options));
  const routes: Record<string, Route> = {
    'GET /health': async (_req, reply) => handlers.health(engine, reply),
    'GET /v1/health': async (_req, reply) => handlers.health(engine, reply),
    'GET /v1/models': (_req, reply) => handlers.models(engine, reply),
    'GET /models': (_req, reply) => handlers.models(engine, reply),
    'POST /v1/chat/completions': chat,
    'POST /chat/completions': chat,
    'POST /v1/completions': text,
    'POST /completions': text,
    'POST /infill': generation(parseInfillRequest, (r, reply) => handlers.infill(engine, r, reply, options)),
  };
  const loopbackOnly = LOOPBACK_HOSTS.has(options.host);

  const server: Server = createServer((req, res) => {
    const started = Date.now();
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
      options.log?.(`${req.method} ${req.url?.slice(0, 100)} ${res.statusCode} ${Date.now() - started} ms`);
    });
    const reply = createReply(res, controller.signal);
    const path = (req.url ?? '/').split('?')[0]!;
    void (async () => {
      if (loopbackOnly && !isLoopbackHost(req.headers.host))
        throw new HttpError(403, 'This server answers only requests addressed to 127.0.0.1 or localhost.');
      if (!authorized(req.headers.authorization, expected))
        throw new HttpError(
          401,
          'A valid "Authorization: Bearer <token>" header is required.',
          'authentication_error',
          undefined,
          'invalid_api_key',
        );
      const route = routes[`${req.method} ${path}`];
      if (!route) {
        const known = Object.keys(routes).some((r) => r.endsWith(` ${path}`));
        throw known
          ? new HttpError(405, `${req.method} is not allowed on ${path}.`)
          : new HttpError(404, `No endpoint ${path.slice(0, 100)}.`, 'not_found_error');
      }
      await route(req, reply);
    })().catch((e: unknown) => {
      const failure = engineFailure(e);
      if (controller.signal.aborted) return; // the client is gone: nobody to tell
      if (res.headersSent) {
        res.end();
        return;
      }
      if (failure.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      if (failure.status === 429) res.setHeader('Retry-After', '1');
      // A body that was refused unread must not be parsed as the next request.
      if (failure.status === 413 || failure.status === 401 || failure.status === 403)
        res.setHeader('Connection', 'close');
      reply.json(failure.status, failure.toJSON());
    });
  });
  server.requestTimeout = options.requestTimeoutMs;
  server.headersTimeout = Math.min(options.requestTimeoutMs, 30_000);
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function createReply(res: ServerResponse, signal: AbortSignal): handlers.Reply {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  return {
    signal,
    json(status, body) {
      if (res.writableEnded) return;
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
    },
    events() {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      return {
        send: (data) => {
          if (!res.writableEnded) res.write(`data: ${JSON.stringify(data)}\n\n`);
        },
        end: (done = true) => {
          if (res.writableEnded) return;
          if (done) res.write('data: [DONE]\n\n');
          res.end();
        },
      };
    },
  };
}

/** The request body as JSON, refused past `maxBytes` without reading the rest. */
async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () =>
    new HttpError(
      413,
      `The request body is larger than ${maxBytes} bytes.`,
      'invalid_request_error',
      undefined,
      'body_too_large',
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new HttpError(400, 'The request body is empty; it must be a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  // Hashes of equal length, so the comparison takes the same time whatever was sent.
  return m ? timingSafeEqual(digest(m[1]!), expected) : false;
}

function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return LOOPBACK_HOSTS.has(name.toLowerCase());
}
