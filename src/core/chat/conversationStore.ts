// Keeps conversations across window reloads in a key-value store (VS Code's workspaceState, so
// chats belong to the workspace they were held in). One key per conversation plus an index, so
// saving a streaming answer (the chat controller saves it a few times a second) rewrites one
// conversation, not all of them.
// Stored data is read back as untrusted: a malformed entry is dropped or repaired, never trusted
// (it is rendered through the same sanitizer as a live answer anyway). Answers that were still
// streaming when the window went away are kept and marked "interrupted".
import { capText } from './chatPrompt';
import { markInterrupted, type ChatTurn, type Conversation } from './conversation';
import { ID_PATTERN, type AnswerStats, type TurnStatus } from './webviewProtocol';

/** The part of vscode.Memento the store needs. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface ConversationSummary {
  id: string;
  title: string;
  updatedAt: number;
  turns: number;
}

const INDEX_KEY = 'alembic.chat.index';
const CURRENT_KEY = 'alembic.chat.current';
const conversationKey = (id: string) => `alembic.chat.conversation.${id}`;

/** Stored text caps: a turn's shown text and its model content. */
const MAX_TEXT = 200_000;
const MAX_CONTENT = 64_000;

export class ConversationStore {
  /** `maxConversations` is read at each save, so a changed setting applies at once. */
  constructor(
    private readonly store: KeyValueStore,
    private readonly maxConversations: number | (() => number) = 50,
  ) {}

  private get limit(): number {
    return Math.max(1, typeof this.maxConversations === 'function' ? this.maxConversations() : this.maxConversations);
  }

  /** Newest first. */
  list(): ConversationSummary[] {
    const raw = this.store.get<unknown>(INDEX_KEY);
    if (!Array.isArray(raw)) return [];
    return raw.filter(isSummary).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  load(id: string): Conversation | undefined {
    if (!ID_PATTERN.test(id)) return undefined;
    const c = parseConversation(this.store.get<unknown>(conversationKey(id)));
    if (c) markInterrupted(c);
    return c;
  }

  get currentId(): string | undefined {
    const id = this.store.get<unknown>(CURRENT_KEY);
    return typeof id === 'string' && ID_PATTERN.test(id) ? id : undefined;
  }

  async setCurrent(id: string | undefined): Promise<void> {
    await this.store.update(CURRENT_KEY, id);
  }

  /** Saves a conversation (an empty one is not listed) and forgets the oldest beyond the limit. */
  async save(c: Conversation): Promise<void> {
    if (c.turns.length === 0) return;
    await this.store.update(conversationKey(c.id), compact(c));
    const others = this.list().filter((s) => s.id !== c.id);
    const index = [{ id: c.id, title: c.title, updatedAt: c.updatedAt, turns: c.turns.length }, ...others].sort(
      (a, b) => b.updatedAt - a.updatedAt,
    );
    const limit = this.limit;
    const kept = index.slice(0, limit);
    await this.store.update(INDEX_KEY, kept);
    for (const old of index.slice(limit)) await this.store.update(conversationKey(old.id), undefined);
  }

  async delete(id: string): Promise<void> {
    await this.store.update(conversationKey(id), undefined);
    await this.store.update(
      INDEX_KEY,
      this.list().filter((s) => s.id !== id),
    );
    if (this.currentId === id) await this.setCurrent(undefined);
  }
}

function compact(c: Conversation): Conversation {
  return {
    ...c,
    turns: c.turns.map((t) => ({
      ...t,
      text: t.text.length > MAX_TEXT ? capText(t.text, MAX_TEXT).text : t.text,
      ...(t.content !== undefined && t.content.length > MAX_CONTENT
        ? { content: capText(t.content, MAX_CONTENT).text }
        : {}),
    })),
  };
}

function isSummary(v: unknown): v is ConversationSummary {
  const s = v as ConversationSummary;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof s.id === 'string' &&
    ID_PATTERN.test(s.id) &&
    typeof s.title === 'string' &&
    typeof s.updatedAt === 'number' &&
    typeof s.turns === 'number'
  );
}

const STATUSES: readonly TurnStatus[] = ['streaming', 'done', 'stopped', 'interrupted', 'error'];
const str = (v: unknown, max = MAX_TEXT) => (typeof v === 'string' ? v.slice(0, max) : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Reads a stored conversation, keeping only well-formed fields. */
export function parseConversation(raw: unknown): Conversation | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const id = str(r.id, 64);
  if (!id || !ID_PATTERN.test(id) || !Array.isArray(r.turns)) return undefined;
  const turns = r.turns.map(parseTurn).filter((t): t is ChatTurn => t !== undefined);
  const createdAt = num(r.createdAt) ?? 0;
  return { id, title: str(r.title, 200) ?? 'Chat', createdAt, updatedAt: num(r.updatedAt) ?? createdAt, turns };
}

function parseTurn(raw: unknown): ChatTurn | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const id = str(r.id, 64);
  const text = str(r.text);
  if (!id || !ID_PATTERN.test(id) || text === undefined || (r.role !== 'user' && r.role !== 'assistant'))
    return undefined;
  const turn: ChatTurn = { id, role: r.role, text, createdAt: num(r.createdAt) ?? 0 };
  const content = str(r.content);
  if (content !== undefined) turn.content = content;
  if (Array.isArray(r.attachments)) {
    turn.attachments = r.attachments
      .filter(
        (a): a is { kind: NonNullable<ChatTurn['attachments']>[number]['kind']; label: string } =>
          typeof a === 'object' &&
          a !== null &&
          ['selection', 'file', 'diagnostics', 'text'].includes(a.kind) &&
          typeof a.label === 'string',
      )
      .slice(0, 32)
      .map((a) => ({ kind: a.kind, label: a.label.slice(0, 200) }));
  }
  const thought = str(r.thought);
  if (thought) turn.thought = thought;
  const thoughtMs = num(r.thoughtMs);
  if (thoughtMs !== undefined) turn.thoughtMs = thoughtMs;
  if (STATUSES.includes(r.status as TurnStatus)) turn.status = r.status as TurnStatus;
  const error = str(r.error, 2000);
  if (error) turn.error = error;
  const stats = parseStats(r.stats);
  if (stats) turn.stats = stats;
  return turn;
}

function parseStats(raw: unknown): AnswerStats | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const model = str(r.model, 200);
  if (model === undefined) return undefined;
  return {
    model,
    tokensPerSecond: num(r.tokensPerSecond) ?? 0,
    generatedTokens: num(r.generatedTokens) ?? 0,
    totalMs: num(r.totalMs) ?? 0,
  };
}
