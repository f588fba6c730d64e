// A server chooses its models' ids, and Alembic shows them: in the status bar, in `alembic complete
// --verbose`, in `alembic bench team`'s header. A hostile (or broken) server's id must reach none of
// them with escape sequences, control characters or bidirectional overrides. The server here is a
// small one on 127.0.0.1 answering /v1/models as an OpenAI-compatible server does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OpenAiBackend } from '../../src/core/remote/openAiBackend';
import { displayModelName } from '../../src/core/remote/serverBackend';
import { startLocalServer, type LocalServer } from '../helpers/localServer';

/** Retitles the terminal (OSC 0), forges a hyperlink (OSC 8), colours and clears the screen (CSI),
 * rings the bell, carries a C1 CSI and a right-to-left override that reorders what is read. */
const HOSTILE_ID =
  '/models/\u001b]0;pwned\u0007\u001b]8;;https://evil.example/\u0007qwen2.5-coder\u001b]8;;\u0007' +
  '\u001b[31m-1.5b\u001b[2J\u0008\u0007\u009b6n\u202etxt.exe\u2066\r\n-q8_0.gguf';

function assertSafe(name: string): void {
  assert.doesNotMatch(name, /[\u0000-\u001f\u007f-\u009f]/, `no control character in ${JSON.stringify(name)}`);
  assert.doesNotMatch(name, /[\u202a-\u202e\u2066-\u2069]/, `no bidirectional override in ${JSON.stringify(name)}`);
}

describe("A server's model name", () => {
  let server: LocalServer;
  before(async () => {
    server = await startLocalServer((_req, res) => {
      const data = [{ id: HOSTILE_ID, object: 'model', max_model_len: 8192 }];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
    });
  });
  after(() => server.close());

  test('reaches the probe without escape sequences, control characters or bidirectional overrides', async () => {
    const backend = new OpenAiBackend({ backend: 'openai', endpoint: `${server.url}/v1` });
    const facts = await backend.probe('chat');
    assert.equal(facts.id, HOSTILE_ID, 'the id sent back to the server is kept as the server spelled it');
    assertSafe(facts.name);
    assert.equal(facts.name, 'qwen2.5-coder-1.5btxt.exe -q8_0');
    assert.doesNotMatch(facts.name, /pwned|evil/);
  });

  test('keeps an ordinary id readable: the file name without its folder and .gguf', () => {
    assert.equal(displayModelName('/models/qwen2.5-coder-1.5b-q8_0.gguf'), 'qwen2.5-coder-1.5b-q8_0');
    assert.equal(displayModelName('qwen2.5-coder:7b'), 'qwen2.5-coder:7b');
  });

  test('is cut to 200 characters however long the id is', () => {
    const name = displayModelName(`${'x'.repeat(100_000)}\u001b[0m`);
    assertSafe(name);
    assert.ok(name.startsWith('x'.repeat(200)));
    assert.match(name, /… \([\d,]+ more characters\)$/);
    assert.ok(name.length < 260, `${name.length} characters`);
  });

  test('made only of control characters is shown as a question mark, never as nothing', () => {
    assert.equal(displayModelName('\u001b[2J\u0007'), '?');
  });
});
