// A chat conversation as the extension keeps and stores it, and its view for the webview.
// A user turn keeps two texts: what the user typed (shown) and the full content sent to the model
// (with the attachments), so later turns can give the model the same context again.
// An assistant turn keeps only the answer as `text`; its reasoning is kept apart in `thought` and
// is never sent back to the model.
import type { AnswerStats, ConversationView, TurnStatus, TurnView } from './webviewProtocol';

export interface ChatTurn extends TurnView {
  /** User turns: the message as the model received it (attachments included). */
  content?: string;
}

export interface Conversation {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  turns: ChatTurn[];
}

/** A short random id (letters and digits), usable in messages and storage keys. */
export function newId(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 20);
}

export function createConversation(now = Date.now()): Conversation {
  return { id: newId(), title: 'New Chat', createdAt: now, updatedAt: now, turns: [] };
}

export function turnView(turn: ChatTurn): TurnView {
  const { content: _content, ...view } = turn;
  return view;
}

export function conversationView(c: Conversation, streamingRequestId?: string): ConversationView {
  return {
    id: c.id,
    title: c.title,
    turns: c.turns.map(turnView),
    ...(streamingRequestId ? { streamingRequestId } : {}),
  };
}

/** The note shown after an answer that did not end normally. */
export function statusNote(status: TurnStatus | undefined): string {
  switch (status) {
    case 'stopped':
      return 'stopped';
    case 'interrupted':
      return 'interrupted';
    case 'error':
      return 'failed';
    default:
      return '';
  }
}

/** After a reload: answers that were still streaming are kept, marked as interrupted. */
export function markInterrupted(c: Conversation): boolean {
  let changed = false;
  for (const turn of c.turns) {
    if (turn.role === 'assistant' && turn.status === 'streaming') {
      turn.status = 'interrupted';
      changed = true;
    }
  }
  return changed;
}

/** One line under an answer: model, speed, tokens, time. */
export function formatStats(stats: AnswerStats): string {
  const parts = [stats.model];
  if (stats.tokensPerSecond > 0) parts.push(`${stats.tokensPerSecond.toFixed(1)} tokens/s`);
  if (stats.generatedTokens > 0) parts.push(`${stats.generatedTokens} tokens`);
  if (stats.totalMs > 0) parts.push(`${(stats.totalMs / 1000).toFixed(1)} s`);
  return parts.join(' · ');
}
