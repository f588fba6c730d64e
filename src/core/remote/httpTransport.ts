// HTTP to one server endpoint, on Node's http/https modules (not fetch: the connection must close
// the moment a request is cancelled, so the server stops generating, and VS Code's http.proxy must
// be honoured, which fetch cannot do here). Each request has three clocks: a connect timeout (TCP
// and TLS), a stall timeout (no first byte, or no next chunk, for that long) and an optional total
// timeout; and every reply is capped in size. The API key goes only to the endpoint's own origin,
// and redirects are never followed (they could carry it elsewhere). Failures become ServerErrors
// whose messages say what happened in plain words (TLS errors included).
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { describeNetworkError } from './networkErrors';
import { openTunnel, proxyFor, secureTunnel, type ProxySettings, type ResolvedProxy } from './proxy';
import { ServerError } from './serverError';
import { formatBytes } from '../util/format';

export interface TransportOptions {
  endpoint: URL;
  /** Sent as `Authorization: Bearer …`, only to the endpoint's origin. */
  apiKey?: string;
  connectTimeoutMs: number;
  /** Longest silence before the first byte of a reply, and between two chunks of it. */
  stallTimeoutMs: number;
  /** Largest reply body read, in bytes. */
  maxResponseBytes: number;
  proxy?: ProxySettings;
  /** Extra trusted CA certificates (PEM), e.g. a company CA. */
  ca?: string | Buffer;
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Cap on the whole exchange; its expiry is a ServerError with code 'timeout'. */
  totalTimeoutMs?: number;
}

type Method = 'GET' | 'POST';

export class HttpTransport {
  private readonly agents = new Map<string, http.Agent>();
  /** Sockets whose connection (and TLS handshake) completed: reusing one needs no connect timeout. */
  private readonly ready = new WeakSet<net.Socket>();

  constructor(readonly options: TransportOptions) {}

  get endpoint(): URL {
    return this.options.endpoint;
  }

  get hasApiKey(): boolean {
    return Boolean(this.options.apiKey);
  }

  async request(method: Method, url: URL, options: RequestOptions = {}): Promise<HttpResponse> {
    try {
      return await this.attempt(method, url, options);
    } catch (e) {
      // A kept-alive connection the server closed meanwhile (it restarted): once more on a new one.
      if (e instanceof RetryOnNewSocket) return this.attempt(method, url, options);
      throw e;
    }
  }

  /** Closes every kept-alive connection. */
  dispose(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private attempt(method: Method, url: URL, options: RequestOptions): Promise<HttpResponse> {
    if (options.signal?.aborted) return Promise.reject(abortedError());
    const secure = url.protocol === 'https:';
    const proxy = secure ? proxyFor(url, this.options.proxy) : undefined;
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: http.OutgoingHttpHeaders = {
      accept: 'application/json, text/event-stream, application/x-ndjson',
      'accept-encoding': 'identity',
      'user-agent': 'Alembic',
      ...(body && { 'content-type': 'application/json', 'content-length': body.length }),
      ...(this.options.apiKey && url.origin === this.options.endpoint.origin
        ? { authorization: `Bearer ${this.options.apiKey}` }
        : {}),
    };
    const target = { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (secure ? 443 : 80) };
    // Only https goes through a proxy: plain http is allowed to this machine alone, never proxied.
    const request: http.RequestOptions = {
      ...target,
      path: `${url.pathname}${url.search}`,
      headers,
      agent: secure
        ? this.agent(proxy ? `tunnel:${proxy.host}:${proxy.port}` : 'https', () => this.httpsAgent(proxy))
        : this.agent('http', () => new http.Agent({ keepAlive: true })),
    };
    return new Exchange(this, url, method, request, body, options, this.ready).start(secure ? https : http);
  }

  private agent(key: string, create: () => http.Agent): http.Agent {
    let agent = this.agents.get(key);
    if (!agent) this.agents.set(key, (agent = create()));
    return agent;
  }

  private httpsAgent(proxy: ResolvedProxy | undefined): https.Agent {
    const strict = this.options.proxy?.strictSSL ?? true;
    const tlsOptions = { ca: this.options.ca ? [...tls.rootCertificates, String(this.options.ca)] : undefined };
    const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: !proxy || strict, ...tlsOptions });
    if (!proxy) return agent;
    const ready = this.ready;
    // Through the proxy: each new connection is a CONNECT tunnel with TLS on top.
    (agent as unknown as { createConnection: unknown }).createConnection = (
      o: { host: string; port: number; servername?: string },
      done: (e: Error | null, s?: net.Socket) => void,
    ) => {
      openTunnel(proxy, o.host, o.port)
        .then((socket) => secureTunnel(socket, o.servername ?? o.host, { rejectUnauthorized: strict, ...tlsOptions }))
        .then((socket) => {
          ready.add(socket);
          done(null, socket);
        }, done);
      return undefined;
    };
    return agent;
  }
}

class RetryOnNewSocket extends Error {}

function abortedError(): ServerError {
  return new ServerError('aborted', 'The request was cancelled.');
}

/** One request and its reply, with the timers that guard them. */
class Exchange {
  private req?: http.ClientRequest;
  private failure?: Error;
  private timers: Partial<Record<'connect' | 'stall' | 'total', NodeJS.Timeout>> = {};
  private onAbort = () => this.fail(abortedError());

  constructor(
    private readonly transport: HttpTransport,
    readonly url: URL,
    private readonly method: Method,
    private readonly request: http.RequestOptions,
    private readonly body: Buffer | undefined,
    private readonly options: RequestOptions,
    private readonly ready: WeakSet<net.Socket>,
  ) {}

  start(module: typeof http | typeof https): Promise<HttpResponse> {
    const { connectTimeoutMs, stallTimeoutMs } = this.transport.options;
    return new Promise((resolve, reject) => {
      const req = module.request({ ...this.request, method: this.method });
      this.req = req;
      this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
      this.arm('connect', connectTimeoutMs, () => this.timeoutError('connect'));
      if (this.options.totalTimeoutMs) this.arm('total', this.options.totalTimeoutMs, () => this.timeoutError('total'));
      req.once('socket', (socket) => {
        const connected = () => {
          this.ready.add(socket);
          this.clear('connect');
          this.arm('stall', stallTimeoutMs, () => this.timeoutError('stall'));
        };
        if (this.ready.has(socket)) connected();
        else socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', connected);
      });
      req.once('response', (res) => {
        this.arm('stall', stallTimeoutMs, () => this.timeoutError('stall'));
        resolve(new HttpResponse(res, this));
      });
      // `on`, not `once`: a request destroyed after its reply began may report more than one error.
      req.on('error', (e: NodeJS.ErrnoException) => {
        this.cleanup();
        const reset = e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.message === 'socket hang up';
        if (!this.failure && req.reusedSocket && reset) reject(new RetryOnNewSocket());
        else reject(this.failure ?? (e instanceof ServerError ? e : describeNetworkError(e, this.url)));
      });
      req.end(this.body);
    });
  }

  get maxResponseBytes(): number {
    return this.transport.options.maxResponseBytes;
  }

  /** Called for every body chunk: the stall clock restarts. */
  progressed(): void {
    this.timers.stall?.refresh();
  }

  /** Turns an error from reading the body into the error that caused it. */
  explain(e: unknown): Error {
    if (this.failure) return this.failure;
    if (e instanceof ServerError) return e;
    return describeNetworkError(e as NodeJS.ErrnoException, this.url, true);
  }

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.cleanup();
    this.req?.destroy(error);
  }

  /** The reply was read to its end, or the reader stopped: no timer may fire any more. */
  finish(complete: boolean): void {
    this.cleanup();
    if (!complete && !this.failure) {
      this.failure = abortedError();
      this.req?.destroy(); // closes the connection: the server sees it and stops generating
    }
  }

  private timeoutError(kind: 'connect' | 'stall' | 'total'): void {
    const host = this.url.host;
    const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
    const o = this.transport.options;
    if (kind === 'connect')
      this.fail(
        new ServerError(
          'connectTimeout',
          `No connection to ${host} within ${seconds(o.connectTimeoutMs)}. Check that the server is ` +
            `running and reachable (firewall, VPN), or raise alembic.server.connectTimeoutMs.`,
        ),
      );
    else if (kind === 'stall')
      this.fail(
        new ServerError(
          'stalled',
          `${host} accepted the connection but sent nothing for ${seconds(o.stallTimeoutMs)}: the server ` +
            `is stuck or overloaded. Check it, or raise alembic.server.stallTimeoutMs.`,
        ),
      );
    else
      this.fail(
        new ServerError('timeout', `The request to ${host} took longer than ${seconds(this.options.totalTimeoutMs!)}.`),
      );
  }

  private arm(kind: 'connect' | 'stall' | 'total', ms: number, fire: () => void): void {
    this.clear(kind);
    this.timers[kind] = setTimeout(fire, ms);
  }

  private clear(kind: 'connect' | 'stall' | 'total'): void {
    clearTimeout(this.timers[kind]);
    delete this.timers[kind];
  }

  private cleanup(): void {
    for (const kind of ['connect', 'stall', 'total'] as const) this.clear(kind);
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** A reply: its status and headers at once, its body read as text chunks, whole or capped. */
export class HttpResponse {
  private bytes = 0;
  private consumed = false;

  constructor(
    private readonly res: http.IncomingMessage,
    private readonly exchange: Exchange,
  ) {
    // A connection cut while nobody reads the body must not become an unhandled 'error' event.
    res.on('error', () => undefined);
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  header(name: string): string | undefined {
    const v = this.res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  get url(): URL {
    return this.exchange.url;
  }

  /** The body as decoded text chunks; stopping early closes the connection. */
  async *chunks(maxBytes?: number): AsyncGenerator<string> {
    if (this.consumed) throw new Error('the response body was already read');
    this.consumed = true;
    const cap = maxBytes ?? Number.POSITIVE_INFINITY;
    const limit = Math.min(cap, this.exchange.maxResponseBytes);
    const decoder = new TextDecoder();
    let complete = false;
    try {
      for await (const chunk of this.res as AsyncIterable<Buffer>) {
        this.bytes += chunk.length;
        if (this.bytes > limit) {
          const error =
            limit < cap
              ? new ServerError(
                  'tooLarge',
                  `${this.url.host} sent a reply larger than ${formatBytes(limit)}; Alembic stopped reading it. ` +
                    `Raise alembic.server.maxResponseKB if the server is right to send that much.`,
                )
              : new ServerError('tooLarge', `${this.url.host} sent an error reply larger than ${formatBytes(limit)}.`);
          this.exchange.fail(error);
          throw error;
        }
        this.exchange.progressed();
        const text = decoder.decode(chunk, { stream: true });
        if (text) yield text;
      }
      const tail = decoder.decode();
      if (tail) yield tail;
      complete = true;
    } catch (e) {
      throw this.exchange.explain(e);
    } finally {
      this.exchange.finish(complete);
    }
  }

  async text(maxBytes?: number): Promise<string> {
    let out = '';
    for await (const chunk of this.chunks(maxBytes)) out += chunk;
    return out;
  }

  /** Stops reading and closes the connection. */
  close(): void {
    if (!this.consumed) {
      this.consumed = true;
      this.exchange.finish(false);
    }
  }
}
