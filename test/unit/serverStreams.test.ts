// The streaming formats servers answer in, cut anywhere, and the prompt forms for servers that
// do not take Alembic's segments as they are.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectFimTemplate, SERVER_FIM_TOKENS } from '../../src/core/completion/fimTemplates';
import { promptText, serverParts } from '../../src/core/remote/promptParts';
import { ndjsonValues, sseEvents } from '../../src/core/remote/streamParsers';

async function* pieces(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function collect(values: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of values) out.push(v);
  return out;
}

describe('server streams', () => {
  test('server-sent events cut at every byte give the same events, up to [DONE]', async () => {
    const stream =
      ': ping\n\ndata: {"content":"a"}\r\n\r\ndata: {"content":"b\\n"}\n\nevent: x\ndata: {"stop":true}\n\ndata: [DONE]\n\ndata: {"after":1}\n\n';
    for (const size of [1, 3, 7, 1000]) {
      assert.deepEqual(await collect(sseEvents(pieces(stream, size))), [
        { content: 'a' },
        { content: 'b\n' },
        { stop: true },
      ]);
    }
  });

  test('an error event after the headers is kept as an error', async () => {
    const events = await collect(sseEvents(pieces('event: error\ndata: {"message":"boom"}\n\n', 5)));
    assert.deepEqual(events, [{ error: { message: 'boom' } }]);
    const inline = await collect(sseEvents(pieces('error: {"code":500,"message":"boom"}\n\n', 4)));
    assert.deepEqual(inline, [{ error: { code: 500, message: 'boom' } }]);
  });

  test('a stream that is not JSON is refused with what it sent', async () => {
    await assert.rejects(collect(sseEvents(pieces('data: <html>\n\n', 3))), /sent an event that is not JSON: <html>/);
  });

  test('newline-delimited JSON cut anywhere gives every object, the last without a line break too', async () => {
    const stream = '{"response":"a","done":false}\n\n{"response":"b","done":false}\n{"done":true}';
    assert.deepEqual(await collect(ndjsonValues(pieces(stream, 2))), [
      { response: 'a', done: false },
      { response: 'b', done: false },
      { done: true },
    ]);
  });
});

describe('server prompt forms', () => {
  const template = selectFimTemplate({ name: 'server', fim: SERVER_FIM_TOKENS });
  const segments = template.render({
    prefix: ['import a\n', 'def f():\n'],
    middleStart: '    return ',
    suffix: '\nprint(f())\n',
    path: 'src/f.py',
    languageId: 'python',
    repoName: 'repo',
    snippets: [
      { uri: 'file:///w/a.py', path: 'src/a.py', languageId: 'python', text: 'A = 1\n', startLine: 0, tokens: 4 },
    ],
  });

  test('the parts a server formats itself are read back out of the prompt', () => {
    assert.equal(template.family, 'server');
    assert.deepEqual(serverParts(segments), {
      snippets: [{ path: 'src/a.py', text: 'A = 1\n' }],
      prefix: 'import a\ndef f():\n',
      suffix: '\nprint(f())\n',
      middleStart: '    return ',
    });
  });

  test('a prompt as one string spells the special tokens out', () => {
    assert.equal(
      promptText([
        { special: '<|fim_prefix|>' },
        { text: 'a' },
        { special: '<|fim_suffix|>' },
        { text: 'b' },
        { special: '<|fim_middle|>' },
      ]),
      '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>',
    );
  });
});
