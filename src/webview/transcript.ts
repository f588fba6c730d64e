// The conversation as the user reads it: user turns as plain text with their attachment chips,
// answers as sanitized markdown that re-renders while it streams (once per animation frame at
// most), a folded "Thinking…" block for the reasoning with its duration, and a footer with the
// model, the speed and any status ("stopped", "interrupted") or error.
import { formatStats, statusNote } from '../core/chat/conversation';
import type { AttachmentKind, ConversationView, TurnView } from '../core/chat/webviewProtocol';
import { h, icon } from './dom';
import { setMarkdown } from './markdownView';
import { post } from './vscodeApi';

interface Entry {
  turn: TurnView;
  root: HTMLElement;
  thinking?: HTMLDetailsElement;
  thinkingLabel?: HTMLElement;
  thoughtBody?: HTMLElement;
  answer?: HTMLElement;
  footer?: HTMLElement;
  /** When this page saw the first thought chunk (for the live "Thinking… 3 s"). */
  thoughtSeenAt?: number;
}

export const ATTACHMENT_ICONS: Record<AttachmentKind, string> = {
  selection: 'selection',
  file: 'file',
  diagnostics: 'warning',
  text: 'note',
};

export class Transcript {
  readonly element = h('main', {
    class: 'transcript',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': 'Conversation',
    tabindex: '0',
  });
  private readonly entries = new Map<string, Entry>();
  private streaming?: { requestId: string; turnId: string };
  private readonly dirty = new Set<Entry>();
  private frame?: number;
  private timer?: number;
  private lastFlushAt = 0;
  private lastRenderMs = 0;
  private ticker?: number;

  constructor(private readonly onStreamingChange: () => void) {
    this.element.addEventListener('click', (e) => this.onClick(e));
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target instanceof HTMLElement && e.target.matches('a.md-link')) this.onClick(e);
    });
  }

  get streamingRequestId(): string | undefined {
    return this.streaming?.requestId;
  }

  setConversation(conversation: ConversationView): void {
    this.entries.clear();
    this.element.replaceChildren();
    this.streaming = undefined;
    for (const turn of conversation.turns) this.upsert(turn);
    const last = conversation.turns[conversation.turns.length - 1];
    if (conversation.streamingRequestId && last?.role === 'assistant')
      this.streaming = { requestId: conversation.streamingRequestId, turnId: last.id };
    if (conversation.turns.length === 0) this.element.append(emptyState());
    this.flush();
    this.scrollToEnd();
    this.onStreamingChange();
  }

  upsert(turn: TurnView, streamingRequestId?: string): void {
    this.element.querySelector('.empty-state')?.remove();
    let entry = this.entries.get(turn.id);
    if (!entry) {
      entry = turn.role === 'user' ? userEntry(turn) : assistantEntry(turn);
      this.entries.set(turn.id, entry);
      this.element.append(entry.root);
    }
    entry.turn = turn;
    if (streamingRequestId) {
      this.streaming = { requestId: streamingRequestId, turnId: turn.id };
      this.onStreamingChange();
    }
    this.markDirty(entry);
  }

  appendChunk(requestId: string, turnId: string, segment: 'text' | 'thought', text: string): void {
    if (this.streaming?.requestId !== requestId) return; // stopped here, or from another conversation
    const entry = this.entries.get(turnId);
    if (!entry) return;
    if (segment === 'thought') {
      entry.thoughtSeenAt ??= Date.now();
      entry.turn = { ...entry.turn, thought: (entry.turn.thought ?? '') + text };
    } else {
      if (entry.thoughtSeenAt !== undefined && entry.turn.thoughtMs === undefined)
        entry.turn = { ...entry.turn, thoughtMs: Date.now() - entry.thoughtSeenAt };
      entry.turn = { ...entry.turn, text: entry.turn.text + text };
    }
    this.markDirty(entry);
  }

  endAnswer(requestId: string, turn: TurnView): void {
    if (this.streaming?.requestId === requestId) {
      this.streaming = undefined;
      this.onStreamingChange();
    }
    if (this.entries.has(turn.id)) this.upsert(turn);
  }

  /** Stop pressed: the answer stops on screen at once; the extension confirms with answerEnd. */
  stopLocally(): string | undefined {
    const current = this.streaming;
    if (!current) return undefined;
    this.streaming = undefined;
    const entry = this.entries.get(current.turnId);
    if (entry) {
      entry.turn = { ...entry.turn, status: 'stopped' };
      this.markDirty(entry);
    }
    this.onStreamingChange();
    return current.requestId;
  }

  /** A streaming answer re-renders whole (markdown cannot be patched safely), so frames are spaced
   * by a multiple of the last render's cost: a long answer never keeps the page busy, and the
   * Stop click and the extension's messages stay responsive. */
  private markDirty(entry: Entry): void {
    this.dirty.add(entry);
    if (this.frame !== undefined || this.timer !== undefined) return;
    const wait = this.lastFlushAt + Math.max(33, this.lastRenderMs * 4) - performance.now();
    if (wait > 0)
      this.timer = window.setTimeout(() => {
        this.timer = undefined;
        this.frame = requestAnimationFrame(() => this.flush());
      }, wait);
    else this.frame = requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.frame = undefined;
    this.timer = undefined;
    const started = performance.now();
    const stick = this.nearEnd();
    for (const entry of this.dirty) renderEntry(entry);
    this.dirty.clear();
    this.lastFlushAt = performance.now();
    this.lastRenderMs = this.lastFlushAt - started;
    this.updateTicker();
    if (stick) this.scrollToEnd();
  }

  /** While something is thinking, its label counts seconds. */
  private updateTicker(): void {
    const thinking = [...this.entries.values()].some(isThinking);
    if (thinking && this.ticker === undefined) {
      this.ticker = window.setInterval(
        () => [...this.entries.values()].filter(isThinking).forEach(renderThinking),
        500,
      );
    } else if (!thinking && this.ticker !== undefined) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  private nearEnd(): boolean {
    const el = this.element;
    return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  }

  private scrollToEnd(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }

  private onClick(e: Event): void {
    const target = e.target instanceof Element ? e.target : null;
    const link = target?.closest<HTMLElement>('a.md-link');
    if (link?.dataset.href) {
      e.preventDefault();
      post({ type: 'openLink', url: link.dataset.href });
      return;
    }
    const button = target?.closest<HTMLButtonElement>('button.code-action');
    const turnId = button?.closest<HTMLElement>('[data-turn-id]')?.dataset.turnId;
    const action = button?.dataset.action;
    if (!button || !turnId || (action !== 'copy' && action !== 'insert' && action !== 'apply')) return;
    post({ type: 'codeAction', action, turnId, block: Number(button.dataset.block) });
    if (action === 'copy') flashCopied(button);
  }
}

function isThinking(entry: Entry): boolean {
  return entry.turn.status === 'streaming' && !!entry.turn.thought && entry.turn.thoughtMs === undefined;
}

function emptyState(): HTMLElement {
  return h(
    'div',
    { class: 'empty-state' },
    icon('comment-discussion', 'empty-icon'),
    h('p', {}, 'Ask about your code. The model runs on this machine; nothing leaves it.'),
    h(
      'p',
      { class: 'hint' },
      'The active file or selection is attached; remove its chip to leave it out. Type @ to attach another file.',
    ),
  );
}

function userEntry(turn: TurnView): Entry {
  const root = h('article', { class: 'turn user', 'data-turn-id': turn.id, 'aria-label': 'You' });
  return { turn, root };
}

function assistantEntry(turn: TurnView): Entry {
  const thinkingLabel = h('span', { class: 'thinking-label' });
  const thoughtBody = h('div', { class: 'thought-body markdown' });
  const thinking = h('details', { class: 'thinking' }, h('summary', {}, icon('lightbulb'), thinkingLabel), thoughtBody);
  const answer = h('div', { class: 'answer markdown' });
  const footer = h('div', { class: 'turn-footer' });
  const root = h(
    'article',
    { class: 'turn assistant', 'data-turn-id': turn.id, 'aria-label': 'Alembic' },
    thinking,
    answer,
    footer,
  );
  return { turn, root, thinking, thinkingLabel, thoughtBody, answer, footer };
}

function renderEntry(entry: Entry): void {
  const { turn } = entry;
  if (turn.role === 'user') {
    const chips = (turn.attachments ?? []).map((a) =>
      h(
        'span',
        { class: 'chip static', title: a.label },
        icon(ATTACHMENT_ICONS[a.kind]),
        h('span', { class: 'chip-label' }, a.label),
      ),
    );
    entry.root.replaceChildren(
      ...(chips.length ? [h('div', { class: 'chips' }, ...chips)] : []),
      h('div', { class: 'user-text' }, turn.text),
    );
    return;
  }
  entry.root.classList.toggle('streaming', turn.status === 'streaming');
  renderThinking(entry);
  if (turn.thought && entry.thoughtBody) setMarkdown(entry.thoughtBody, turn.thought);
  if (entry.answer) setMarkdown(entry.answer, turn.text);
  const footer = entry.footer!;
  const note = statusNote(turn.status);
  footer.replaceChildren(
    ...(turn.stats ? [h('span', { class: 'stats' }, formatStats(turn.stats))] : []),
    ...(note ? [h('span', { class: `turn-status ${turn.status}` }, `(${note})`)] : []),
    ...(turn.error ? [h('div', { class: 'turn-error', role: 'alert' }, icon('error'), ` ${turn.error}`)] : []),
  );
}

function renderThinking(entry: Entry): void {
  const { turn, thinking, thinkingLabel } = entry;
  if (!thinking || !thinkingLabel) return;
  thinking.hidden = !turn.thought;
  if (!turn.thought) return;
  if (isThinking(entry)) {
    const seconds = entry.thoughtSeenAt ? Math.floor((Date.now() - entry.thoughtSeenAt) / 1000) : 0;
    thinkingLabel.textContent = `Thinking… ${seconds} s`;
  } else {
    thinkingLabel.textContent =
      turn.thoughtMs !== undefined ? `Thought for ${(turn.thoughtMs / 1000).toFixed(1)} s` : 'Thought';
  }
}

function flashCopied(button: HTMLButtonElement): void {
  const glyph = button.querySelector('.codicon');
  glyph?.classList.replace('codicon-copy', 'codicon-check');
  setTimeout(() => glyph?.classList.replace('codicon-check', 'codicon-copy'), 1200);
}
