// The chat's turn state in plain Node (src/core/chat/chatSession.ts, answerStream.ts): which
// conversation an answer goes into, what the view is told, and how Stop, a crash and a missing
// model leave the answer. The engine is a scripted stand-in for the ChatEngine port (the real
// engine's chat is tested in test/engine; the view in the e2e chat scenarios).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatEngine, ChatFailure } from '../../src/core/chat/answerStream';
import { ChatSession } from '../../src/core/chat/chatSession';
import { ConversationStore, type KeyValueStore } from '../../src/core/chat/conversationStore';
import type { ToWebview } from '../../src/core/chat/webviewProtocol';
import type { ChatParams, ChatResult } from '../../src/core/engine/protocol';
import { silentLogger } from '../../src/core/util/logger';

class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return structuredClone(this.data.get(key)) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.data.delete(key);
    else this.data.set(key, structuredClone(value));
  }
}

class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Script {
  /** Streamed before the answer ends. */
  chunks?: string[];
  /** Throws this after the chunks. */
  fail?: CodedError;
  /** Waits for the abort signal after the chunks (a never-ending answer). */
  hang?: boolean;
  noModel?: boolean;
}

function scriptedEngine(script: Script = {}): ChatEngine & { calls: ChatParams[] } {
  const calls: ChatParams[] = [];
  return {
    calls,
    async chatModel() {
      if (script.noModel) throw new CodedError('noModel', 'No chat model is selected.');
      return { name: 'Scripted', contextSize: 4096 };
    },
    async chat(params, { signal, onChunk }): Promise<ChatResult> {
      calls.push(params);
      const chunks = script.chunks ?? ['Hello', ' there.'];
      for (const text of chunks) {
        await new Promise((r) => setImmediate(r));
        onChunk({ segment: 'text', text });
      }
      if (script.fail) throw script.fail;
      if (script.hang) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      const accounting = {
        promptTokens: 10,
        evaluatedTokens: 10,
        reusedTokens: 0,
        generatedTokens: chunks.length,
        timeToFirstTokenMs: 1,
        tokensPerSecond: 42,
        totalMs: 5,
      };
      return { text: chunks.join(''), thought: '', stopReason: signal.aborted ? 'abort' : 'eos', accounting };
    },
    failure(e): ChatFailure {
      const code = (e as CodedError).code;
      const message = (e as Error).message;
      if (code === 'crashed') return { kind: 'crashed', cause: 'exit code 134' };
      return { kind: 'other', message };
    },
  };
}

function session(engine: ChatEngine, kv = new MemoryStore()) {
  const posted: ToWebview[] = [];
  const store = new ConversationStore(kv);
  const s = new ChatSession({
    engine,
    store,
    post: (m) => (posted.push(m), true),
    settings: () => ({ maxTokens: 256, timeoutSeconds: 30, temperature: 0.3 }),
    log: silentLogger,
  });
  return { s, posted, store };
}

const prompt = [
  { role: 'system' as const, content: 'You explain code.' },
  { role: 'user' as const, content: 'Explain this.' },
];

describe('chat session', () => {
  test("a command's answer goes into a new conversation titled by the command, and the open chat keeps its turns", async () => {
    const { s, posted, store } = session(scriptedEngine());
    await s.send('r1', 'How do I sort a list?', [], async () => 'How do I sort a list?');
    const chat = s.currentConversation;
    assert.equal(chat.turns.length, 2);

    const result = await s.ask({ title: 'Explain cart.js lines 3-9', prompt, newConversation: true });
    const command = s.currentConversation;
    assert.notEqual(command.id, chat.id);
    assert.equal(result.conversationId, command.id);
    assert.equal(command.title, 'Explain cart.js lines 3-9');
    assert.deepEqual(
      command.turns.map((t) => t.text),
      ['Explain cart.js lines 3-9', 'Hello there.'],
    );
    assert.equal(store.load(chat.id)?.turns.length, 2, 'the earlier chat is unchanged');
    const shown = posted.findIndex((m) => m.type === 'conversation' && m.conversation.id === command.id);
    assert.ok(shown >= 0, 'the view is told to show the new conversation');
    assert.ok(
      posted.slice(shown + 1).some((m) => m.type === 'turn' && m.turn.text === 'Explain cart.js lines 3-9'),
      "the command's turn follows in the view",
    );
    assert.deepEqual(
      store.list().map((c) => c.title),
      ['Explain cart.js lines 3-9', 'How do I sort a list?'],
    );
  });

  test('two commands in a row get a conversation each', async () => {
    const { s, store } = session(scriptedEngine());
    await s.ask({ title: 'Explain a.js line 1', prompt, newConversation: true });
    await s.ask({ title: 'Document a.js line 1', prompt, newConversation: true });
    assert.equal(store.list().length, 2);
    assert.equal(s.currentConversation.turns.length, 2);
  });

  test('a message typed in the chat continues the open conversation and sends its history', async () => {
    const engine = scriptedEngine();
    const { s } = session(engine);
    await s.send('r1', 'first', [], async () => 'first');
    await s.send('r2', 'second', [], async () => 'second');
    assert.equal(s.currentConversation.turns.length, 4);
    const lastMessages = engine.calls[1]!.messages.map((m) => m.content);
    assert.ok(
      lastMessages.includes('first') && lastMessages.includes('Hello there.') && lastMessages.includes('second'),
    );
  });

  test('Stop keeps what was streamed and marks the answer stopped', async () => {
    const { s, posted } = session(scriptedEngine({ chunks: ['partial'], hang: true }));
    const done = s.send('r1', 'go', [], async () => 'go');
    while (!s.currentConversation.turns[1]?.text) await new Promise((r) => setImmediate(r));
    s.stop('r1');
    await done;
    const answer = s.currentConversation.turns[1]!;
    assert.equal(answer.status, 'stopped');
    assert.equal(answer.text, 'partial');
    assert.ok(posted.some((m) => m.type === 'answerEnd' && m.turn.status === 'stopped'));
    assert.equal(s.streaming, false);
  });

  test('an engine crash mid-answer keeps the partial answer, marked interrupted with the cause', async () => {
    const { s } = session(
      scriptedEngine({ chunks: ['half an'], fail: new CodedError('crashed', 'The engine crashed (exit code 134).') }),
    );
    await s.send('r1', 'go', [], async () => 'go');
    const answer = s.currentConversation.turns[1]!;
    assert.equal(answer.status, 'interrupted');
    assert.equal(answer.text, 'half an');
    assert.match(answer.error ?? '', /stopped unexpectedly \(exit code 134\)\. What was written so far is kept/);
  });

  test('without a chat model the answer fails with what to do, and nothing is sent to the engine', async () => {
    const engine = scriptedEngine({ noModel: true });
    const { s } = session(engine);
    await s.send('r1', 'hello', [], async () => 'hello');
    const answer = s.currentConversation.turns[1]!;
    assert.equal(answer.status, 'error');
    assert.match(answer.error ?? '', /No chat model/);
    assert.equal(engine.calls.length, 0);
  });

  test('the last finished answer gives its speed for Engine Status', async () => {
    const { s } = session(scriptedEngine());
    assert.equal(s.lastAnswerStats, undefined);
    await s.send('r1', 'hello', [], async () => 'hello');
    assert.deepEqual(s.lastAnswerStats, { model: 'Scripted', tokensPerSecond: 42, generatedTokens: 2, totalMs: 5 });
  });

  test('a session reopens the conversation that was open, with an answer cut by a reload marked interrupted', async () => {
    const kv = new MemoryStore();
    const first = session(scriptedEngine({ chunks: ['so far'], hang: true }), kv);
    void first.s.send('r1', 'go', [], async () => 'go');
    while (!first.s.currentConversation.turns[1]?.text) await new Promise((r) => setImmediate(r));
    first.s.dispose(); // the window reloads
    await new Promise((r) => setImmediate(r));
    const second = session(scriptedEngine(), kv);
    const answer = second.s.currentConversation.turns[1]!;
    assert.equal(answer.status, 'interrupted');
    assert.equal(answer.text, 'so far');
  });
});
