// The two protocols' handlers and schemas are typed by the protocol itself. The `@ts-expect-error`
// lines are the compile-time half of these tests (`npm run typecheck` fails if any of them stops
// being an error); the runtime half checks the engine's dispatch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EngineHandlers, EngineRequest } from '../../src/core/engine/protocol';
import type { FieldCheck, WebviewSchemas } from '../../src/core/chat/webviewMessageValidator';
import { dispatch } from '../../src/engine/worker/handlers';
import { EngineError } from '../../src/engine/worker/engineError';

const accounting = {
  promptTokens: 1,
  evaluatedTokens: 1,
  reusedTokens: 0,
  generatedTokens: 0,
  timeToFirstTokenMs: 0,
  tokensPerSecond: 0,
  totalMs: 0,
};
const gpu = { backend: 'cpu' as const, deviceNames: [], vramTotalBytes: 0, vramFreeBytes: 0 };

const handlers: EngineHandlers<{ calls: string[] }> = {
  load: async (_p, c) => (c.calls.push('load'), { models: {}, gpu }),
  complete: async (_p, c) => (c.calls.push('complete'), { text: 'x', stopReason: 'eos', accounting, replayed: false }),
  prefill: async (_p, c) => (c.calls.push('prefill'), { accounting }),
  nextEdit: async (_p, c) => (
    c.calls.push('nextEdit'),
    { text: 'x', stopReason: 'eos', accounting, draftTokens: 0, acceptedDraftTokens: 0 }
  ),
  chat: async (_p, c) => (c.calls.push('chat'), { text: 'x', thought: '', stopReason: 'eos', accounting }),
  tokenize: async (p, c) => (c.calls.push('tokenize'), { tokens: [p.text.length] }),
  status: async (_p, c) => (
    c.calls.push('status'),
    { gpu, models: {}, speeds: { promptChunkTokens: 32 }, running: [], pid: 1, uptimeMs: 0, rssBytes: 0 }
  ),
  unload: async (_p, c) => (c.calls.push('unload'), { unloaded: [] }),
};

// @ts-expect-error: a handler that returns another request's result does not compile.
const wrongResult: EngineHandlers<unknown>['tokenize'] = async () => ({ unloaded: [] });
// @ts-expect-error: nor does a handler map that leaves a request kind out.
const missingKind: EngineHandlers<unknown> = { load: handlers.load };
const check: FieldCheck = () => undefined;
// @ts-expect-error: a webview schema that misses one of its message's fields does not compile.
const missingField: WebviewSchemas['send'] = { requestId: check, text: check };
// @ts-expect-error: nor does one that checks a field its message does not have.
const extraField: WebviewSchemas['stop'] = { requestId: check, text: check };
void [wrongResult, missingKind, missingField, extraField];

describe('typed engine handlers', () => {
  test('the dispatch runs the handler of the request kind with its parameters', async () => {
    const calls: string[] = [];
    const request: EngineRequest = { type: 'request', id: 7, kind: 'tokenize', params: { role: 'chat', text: 'abc' } };
    assert.deepEqual(await dispatch(handlers, request, { calls }), { tokens: [3] });
    assert.deepEqual(calls, ['tokenize']);
  });

  test('an unknown request kind is a bad request, not a crash', async () => {
    const request = { type: 'request', id: 8, kind: 'constructor', params: {} } as unknown as EngineRequest;
    await assert.rejects(
      dispatch(handlers, request, { calls: [] }),
      (e: EngineError) =>
        e instanceof EngineError && e.code === 'badRequest' && /Unknown request kind constructor/.test(e.message),
    );
  });
});
