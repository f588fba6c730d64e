import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConversationStore, parseConversation, type KeyValueStore } from '../../src/core/chat/conversationStore';
import { conversationView, createConversation, formatStats, type Conversation } from '../../src/core/chat/conversation';

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

function conversation(title: string, updatedAt: number): Conversation {
  const c = createConversation(updatedAt);
  c.title = title;
  c.updatedAt = updatedAt;
  c.turns.push({
    id: `u${updatedAt}`,
    role: 'user',
    text: title,
    content: `content of ${title}`,
    createdAt: updatedAt,
  });
  return c;
}

describe('conversation store', () => {
  test('keeps conversations and lists them newest first', async () => {
    const store = new ConversationStore(new MemoryStore());
    await store.save(conversation('old', 1));
    await store.save(conversation('new', 2));
    assert.deepEqual(
      store.list().map((s) => s.title),
      ['new', 'old'],
    );
  });

  test('reads back what it saved, the model content of user turns included', async () => {
    const store = new ConversationStore(new MemoryStore());
    const c = conversation('q', 5);
    c.turns.push({
      id: 'a1',
      role: 'assistant',
      text: 'answer',
      thought: 'hmm',
      thoughtMs: 1200,
      createdAt: 6,
      status: 'done',
      stats: { model: 'Tiny', tokensPerSecond: 42.5, generatedTokens: 10, totalMs: 300 },
    });
    await store.save(c);
    assert.deepEqual(store.load(c.id), c);
  });

  test('marks an answer that was streaming when the window closed as interrupted, keeping its text', async () => {
    const store = new ConversationStore(new MemoryStore());
    const c = conversation('q', 5);
    c.turns.push({ id: 'a1', role: 'assistant', text: 'half of the ans', createdAt: 6, status: 'streaming' });
    await store.save(c);
    const loaded = store.load(c.id)!;
    assert.equal(loaded.turns[1]!.status, 'interrupted');
    assert.equal(loaded.turns[1]!.text, 'half of the ans');
  });

  test('does not list an empty conversation', async () => {
    const store = new ConversationStore(new MemoryStore());
    await store.save(createConversation());
    assert.deepEqual(store.list(), []);
  });

  test('forgets the oldest conversations beyond the limit, their data included', async () => {
    const memory = new MemoryStore();
    const store = new ConversationStore(memory, 3);
    const all = [1, 2, 3, 4, 5].map((i) => conversation(`c${i}`, i));
    for (const c of all) await store.save(c);
    assert.deepEqual(
      store.list().map((s) => s.title),
      ['c5', 'c4', 'c3'],
    );
    assert.equal(store.load(all[0]!.id), undefined);
    assert.equal([...memory.data.keys()].filter((k) => k.startsWith('alembic.chat.conversation.')).length, 3);
  });

  test('deletes a conversation and clears it as the current one', async () => {
    const store = new ConversationStore(new MemoryStore());
    const c = conversation('gone', 1);
    await store.save(c);
    await store.setCurrent(c.id);
    await store.delete(c.id);
    assert.deepEqual(store.list(), []);
    assert.equal(store.load(c.id), undefined);
    assert.equal(store.currentId, undefined);
  });

  test('repairs or drops malformed stored data instead of trusting it', () => {
    assert.equal(parseConversation(null), undefined);
    assert.equal(parseConversation({ id: '../x', turns: [] }), undefined);
    const c = parseConversation({
      id: 'abc',
      title: 7,
      turns: [
        {
          id: 't1',
          role: 'user',
          text: 'ok',
          createdAt: 1,
          attachments: [
            { kind: 'file', label: 'a.ts' },
            { kind: 'evil', label: 'x' },
          ],
        },
        { id: 't2', role: 'system', text: 'injected' },
        { id: 't3', role: 'assistant', text: 42 },
        { id: 't4', role: 'assistant', text: 'fine', status: 'pwned', stats: { model: 'M', tokensPerSecond: 'fast' } },
      ],
    })!;
    assert.equal(c.title, 'Chat');
    assert.deepEqual(
      c.turns.map((t) => t.id),
      ['t1', 't4'],
    );
    assert.deepEqual(c.turns[0]!.attachments, [{ kind: 'file', label: 'a.ts' }]);
    assert.equal(c.turns[1]!.status, undefined);
    assert.deepEqual(c.turns[1]!.stats, { model: 'M', tokensPerSecond: 0, generatedTokens: 0, totalMs: 0 });
  });

  test('caps a huge stored turn', async () => {
    const store = new ConversationStore(new MemoryStore());
    const c = conversation('big', 1);
    c.turns[0]!.content = 'x'.repeat(500_000);
    await store.save(c);
    assert.ok(store.load(c.id)!.turns[0]!.content!.length < 70_000);
  });

  test('the webview view of a conversation leaves out the model content of user turns', () => {
    const view = conversationView(conversation('q', 1), 'r1');
    assert.equal('content' in view.turns[0]!, false);
    assert.equal(view.streamingRequestId, 'r1');
  });

  test('formats answer stats as one line with the model name and the speed', () => {
    assert.equal(
      formatStats({ model: 'Tiny', tokensPerSecond: 41.26, generatedTokens: 30, totalMs: 900 }),
      'Tiny · 41.3 tokens/s · 30 tokens · 0.9 s',
    );
  });
});
