// The HTTP transport of the server backends against small local servers that misbehave on purpose:
// timeouts, caps, TLS, redirects, proxies and where the API key goes.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseEndpoint } from '../../src/core/remote/endpoint';
import { ensureOk } from '../../src/core/remote/httpErrors';
import { HttpTransport, type TransportOptions } from '../../src/core/remote/httpTransport';
import { ServerError } from '../../src/core/remote/serverError';
import {
  startLocalServer,
  startSilentServer,
  startTestProxy,
  TEST_CERT,
  type LocalServer,
} from '../helpers/localServer';

const open: { close(): Promise<void> }[] = [];
after(() => Promise.all(open.map((s) => s.close())));

async function server(handler: Parameters<typeof startLocalServer>[0], tls = false): Promise<LocalServer> {
  const s = await startLocalServer(handler, { tls });
  open.push(s);
  return s;
}

function transport(endpoint: string, options: Partial<TransportOptions> = {}): HttpTransport {
  const t = new HttpTransport({
    endpoint: parseEndpoint(endpoint),
    connectTimeoutMs: 2000,
    stallTimeoutMs: 2000,
    maxResponseBytes: 64 * 1024,
    ...options,
  });
  open.push({ close: async () => t.dispose() });
  return t;
}

async function failure(p: Promise<unknown>): Promise<ServerError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ServerError, `a ServerError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

describe('server endpoints', () => {
  test('accept https anywhere and plain http only for this machine', () => {
    assert.equal(parseEndpoint('https://gpu-box:8080/').href, 'https://gpu-box:8080/');
    assert.equal(parseEndpoint('http://127.0.0.1:8080').host, '127.0.0.1:8080');
    assert.equal(parseEndpoint('http://localhost:11434').hostname, 'localhost');
    const insecure = assert.throws(
      () => parseEndpoint('http://gpu-box:8080'),
      (e: ServerError) => e.code === 'insecure',
    );
    void insecure;
    assert.throws(() => parseEndpoint('https://user:pw@gpu-box'), /user name or password.*Set API Key/);
    assert.throws(() => parseEndpoint('gpu-box:8080'), /must start with https|not a server address/);
    assert.throws(() => parseEndpoint(''), /No server endpoint/);
  });
});

describe('server transport', () => {
  test('sends the API key to the endpoint and to no other origin', async () => {
    const a = await server((_req, res) => res.end('{}'));
    const b = await server((_req, res) => res.end('{}'));
    const t = transport(a.url, { apiKey: 'k-123' });
    (await t.request('GET', new URL(`${a.url}/props`))).close();
    (await t.request('GET', new URL(`${b.url}/props`))).close();
    assert.equal(a.requests[0]!.headers.authorization, 'Bearer k-123');
    assert.equal(b.requests[0]!.headers.authorization, undefined);
  });

  test('does not follow a redirect, and names where it pointed', async () => {
    const elsewhere = await server((_req, res) => res.end('{}'));
    const s = await server((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/v1` }).end());
    const t = transport(s.url, { apiKey: 'k-123' });
    const e = await failure(ensureOk(await t.request('GET', new URL(`${s.url}/props`)), 'the request', true));
    assert.equal(e.code, 'badResponse');
    assert.match(e.message, new RegExp(`redirected the request to ${elsewhere.url}/v1.*set the endpoint`));
    assert.equal(elsewhere.requests.length, 0, 'the key never travelled to the redirect target');
  });

  test('a refused connection says nothing answers there', async () => {
    const silent = await startSilentServer();
    await silent.close(); // the port is free now: connections are refused
    const e = await failure(
      transport(`http://127.0.0.1:${silent.port}`).request('GET', new URL(`http://127.0.0.1:${silent.port}/health`)),
    );
    assert.equal(e.code, 'unreachable');
    assert.match(e.message, /Nothing answers at 127\.0\.0\.1:\d+ \(connection refused\)/);
  });

  test('a TLS handshake that never completes fails with the connect timeout', async () => {
    const silent = await startSilentServer();
    open.push(silent);
    const url = `https://127.0.0.1:${silent.port}`;
    const started = performance.now();
    const e = await failure(transport(url, { connectTimeoutMs: 300 }).request('GET', new URL(`${url}/health`)));
    assert.equal(e.code, 'connectTimeout');
    assert.match(e.message, /No connection to 127\.0\.0\.1:\d+ within 0\.3 s.*connectTimeoutMs/);
    assert.ok(performance.now() - started < 5000);
  });

  test('a server that accepts the request and never answers fails with the stall timeout', async () => {
    const s = await server(() => undefined); // never answers
    const e = await failure(
      transport(s.url, { stallTimeoutMs: 300 }).request('POST', new URL(`${s.url}/completion`), { body: {} }),
    );
    assert.equal(e.code, 'stalled');
    assert.match(e.message, /accepted the connection but sent nothing for 0\.3 s/);
  });

  test('a reply that stops halfway fails with the stall timeout, and the connection is closed', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"content":"a"}\n\n'); // then nothing more
    });
    const res = await transport(s.url, { stallTimeoutMs: 300 }).request('POST', new URL(`${s.url}/completion`));
    const e = await failure(res.text());
    assert.equal(e.code, 'stalled');
    await waitFor(() => s.closedSockets === 1);
  });

  test('the total timeout ends a reply that keeps trickling in', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('data: {}\n\n'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const res = await transport(s.url).request('POST', new URL(`${s.url}/completion`), { totalTimeoutMs: 400 });
    const e = await failure(res.text());
    assert.equal(e.code, 'timeout');
  });

  test('a reply larger than the cap is cut off with a message naming the setting', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      res.end('x'.repeat(200_000));
    });
    const res = await transport(s.url, { maxResponseBytes: 10 * 1024 }).request('GET', new URL(`${s.url}/v1/models`));
    const e = await failure(res.text());
    assert.equal(e.code, 'tooLarge');
    assert.match(e.message, /larger than 10\.0 KB.*alembic\.server\.maxResponseKB/);
  });

  test('aborting a request closes its connection at once', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      res.write('data: {"content":"a"}\n\n');
    });
    const controller = new AbortController();
    const res = await transport(s.url).request('POST', new URL(`${s.url}/completion`), { signal: controller.signal });
    const reading = res.text();
    controller.abort();
    const e = await failure(reading);
    assert.equal(e.code, 'aborted');
    await waitFor(() => s.closedSockets === 1);
  });

  test('a kept-alive connection that a restarted server closed is retried once on a new one', async () => {
    const s = await server((_req, res) => res.end('{"ok":true}'));
    const t = transport(s.url);
    assert.equal(await (await t.request('GET', new URL(`${s.url}/health`))).text(), '{"ok":true}');
    // The server drops the idle connection without telling (as a restarted server's old socket).
    s.handler = (req, res) => {
      if (s.requests.length === 2) req.socket.destroy();
      else res.end('{"ok":"again"}');
    };
    assert.equal(await (await t.request('GET', new URL(`${s.url}/health`))).text(), '{"ok":"again"}');
  });

  test('an untrusted certificate fails with the reason in plain words', async () => {
    const s = await server((_req, res) => res.end('{}'), true);
    const e = await failure(transport(s.url).request('GET', new URL(`${s.url}/health`)));
    assert.equal(e.code, 'tls');
    assert.match(
      e.message,
      /The secure connection to 127\.0\.0\.1:\d+ failed: the server's certificate is self-signed.*DEPTH_ZERO_SELF_SIGNED_CERT/,
    );
    // Trusted, the same server answers.
    const ok = await transport(s.url, { ca: TEST_CERT }).request('GET', new URL(`${s.url}/health`));
    assert.equal(ok.status, 200);
    ok.close();
  });

  test('https to a plain http server is reported as not TLS', async () => {
    const s = await server((_req, res) => res.end('{}'));
    const url = s.url.replace('http:', 'https:');
    const e = await failure(transport(url).request('GET', new URL(`${url}/health`)));
    assert.equal(e.code, 'tls');
    assert.match(e.message, /did not answer in TLS/);
  });

  test('goes through the http.proxy with a CONNECT tunnel, the API key staying inside it', async () => {
    const s = await server((_req, res) => res.end('{"via":"tunnel"}'), true);
    const proxy = await startTestProxy();
    open.push(proxy);
    const endpoint = `https://gpu-box.test:${s.port}`;
    const t = transport(endpoint, {
      apiKey: 'k-123',
      ca: TEST_CERT,
      proxy: { url: proxy.url, authorization: 'Basic cHJveHk6cHc=' },
    });
    assert.equal(await (await t.request('GET', new URL(`${endpoint}/props`))).text(), '{"via":"tunnel"}');
    assert.equal(proxy.seen[0]!.line, `CONNECT gpu-box.test:${s.port}`);
    assert.equal(proxy.seen[0]!.headers['proxy-authorization'], 'Basic cHJveHk6cHc=');
    assert.equal(proxy.seen[0]!.headers.authorization, undefined, 'the proxy never sees the API key');
    assert.equal(s.requests[0]!.headers.authorization, 'Bearer k-123');
  });

  test('a proxy that refuses the tunnel is named with its answer', async () => {
    const proxy = await startTestProxy();
    open.push(proxy);
    proxy.refuseWith = 407;
    const t = transport('https://gpu-box.test:9', { proxy: { url: proxy.url } });
    const e = await failure(t.request('GET', new URL('https://gpu-box.test:9/health')));
    assert.equal(e.code, 'proxy');
    assert.match(e.message, /refused the tunnel to gpu-box\.test: it asks for credentials \(HTTP 407\)/);
  });

  test('hosts in http.noProxy and this machine bypass the proxy', async () => {
    const s = await server((_req, res) => res.end('{}'));
    const proxy = await startTestProxy();
    open.push(proxy);
    const t = transport(s.url, { proxy: { url: proxy.url, noProxy: ['.corp.example'] } });
    (await t.request('GET', new URL(`${s.url}/health`))).close();
    assert.equal(proxy.seen.length, 0);
    assert.equal(s.requests.length, 1);
  });
});

describe('server error replies', () => {
  test("a 401 quotes the server's message and points to Set API Key", async () => {
    const s = await server((_req, res) =>
      res.writeHead(401).end('{"error":{"message":"Invalid API Key","type":"authentication_error","code":401}}'),
    );
    const res = await transport(s.url, { apiKey: 'wrong' }).request('GET', new URL(`${s.url}/props`));
    const e = await failure(ensureOk(res, 'the request', true));
    assert.equal(e.code, 'unauthorized');
    assert.equal(
      e.message,
      `127.0.0.1:${s.port} refused the API key (HTTP 401: "Invalid API Key"). Set the right key with "Alembic: Set API Key…".`,
    );
    assert.deepEqual(e.remedies, ['setApiKey', 'openSettings']);
  });

  test('a context-size error carries both sizes so the prompt can be refitted', async () => {
    const s = await server((_req, res) =>
      res
        .writeHead(400)
        .end(
          '{"error":{"code":400,"message":"request (17668 tokens) exceeds the available context size (2048 ' +
            'tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":17668,"n_ctx":2048}}',
        ),
    );
    const e = await failure(
      ensureOk(await transport(s.url).request('POST', new URL(`${s.url}/completion`)), 'the completion request', false),
    );
    assert.equal(e.code, 'promptTooLong');
    assert.deepEqual(e.details, { promptTokens: 17668, contextSize: 2048 });
    assert.match(e.message, /exceeds the available context size \(2048 tokens\)/);
  });

  test("vLLM's detail field and a plain text body are quoted too", async () => {
    const s = await server((req, res) =>
      req.url === '/a' ? res.writeHead(404).end('{"detail":"Not Found"}') : res.writeHead(500).end('upstream exploded'),
    );
    const t = transport(s.url);
    const a = await failure(ensureOk(await t.request('GET', new URL(`${s.url}/a`)), 'the request', false));
    assert.match(a.message, /HTTP 404: "Not Found"/);
    const b = await failure(ensureOk(await t.request('GET', new URL(`${s.url}/b`)), 'the request', false));
    assert.match(b.message, /HTTP 500: "upstream exploded"/);
  });
});

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) assert.fail('the condition did not come true in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
