// The chat's state and behaviour, without VS Code: the open conversation, the answer streaming into
// it (at most one), and `ask()`, through which the editor's commands stream their answers.
// The webview is a view of this state: on every `ready` it gets all of it (`snapshot()` inside an
// `init`), then the changes (`conversation`, `turn`, `chunk`, `answerEnd`) through `post`.
// A command's answer (`ask()` with `newConversation`) goes into a conversation of its own, titled
// by the command, so it never lands in a chat the user was having about something else.
// Conversations are saved when a turn starts, twice a second while an answer streams, and when it
// ends, so a window reload mid-answer keeps the partial answer (marked interrupted on restore).
import type { ChatMessage, StopReason } from '../engine/protocol';
import type { Logger } from '../util/logger';
import { AnswerStream, type AnswerSettings, type ChatEngine } from './answerStream';
import { buildUserContent, CHAT_SYSTEM_PROMPT, titleFrom, type AttachmentContent } from './chatPrompt';
import { ChunkBatcher } from './chunkBatcher';
import { fitConversation } from './contextWindow';
import {
  conversationView,
  createConversation,
  newId,
  turnView,
  type ChatTurn,
  type Conversation,
} from './conversation';
import type { ConversationStore } from './conversationStore';
import type { AnswerStats, AttachmentKind, ConversationView, ToWebview, TurnStatus } from './webviewProtocol';

/** What a command (Explain, Fix…) asks the chat. */
export interface ChatAskOptions {
  /** The user turn shown in the chat, e.g. "Explain cart.js lines 3-9"; also the new conversation's title. */
  title: string;
  /** A message continuing the current conversation, or a complete prompt (system + user messages)
   * built by the caller; the latter is sent as is (fitted to the context), without chat history. */
  prompt: string | ChatMessage[];
  /** Stated in the prompt ("The user attached…") when `prompt` is a string; shown as chips. */
  attachments?: AttachmentContent[];
  /** Start a new conversation for this answer (what every editor command does). */
  newConversation?: boolean;
  /** Cancels the answer (like Stop). */
  signal?: AbortSignal;
}

export interface ChatAskResult {
  turnId: string;
  conversationId: string;
  /** The answer without its reasoning. */
  text: string;
  thought: string;
  status: TurnStatus;
  stopReason?: StopReason;
  error?: string;
}

export interface ChatSessionPorts {
  engine: ChatEngine;
  store: ConversationStore;
  /** To the webview; dropped (false) while it is not ready: the next `init` brings it up to date. */
  post(message: ToWebview): boolean;
  settings(): AnswerSettings;
  /** An answer started or ended streaming (VS Code: the `alembic.chat.streaming` context key). */
  onStreamingChange?(streaming: boolean): void;
  log: Logger;
}

interface AnswerRequest {
  requestId: string;
  display: string;
  /** The message as the model gets it (attachments read when the turn has been shown). */
  content: () => Promise<string>;
  chips: { kind: AttachmentKind; label: string }[];
  /** A complete prompt from ask(); otherwise the conversation is the prompt. */
  messages?: ChatMessage[];
  signal?: AbortSignal;
}

const SAVE_INTERVAL_MS = 500;

export class ChatSession {
  private conversation: Conversation;
  private current?: { stream: AnswerStream; conversation: Conversation; chunks: ChunkBatcher };
  private saveTimer?: ReturnType<typeof setTimeout>;
  private lastSavedAt = 0;
  private lastStats?: AnswerStats;

  constructor(private readonly ports: ChatSessionPorts) {
    const id = ports.store.currentId;
    this.conversation = (id && ports.store.load(id)) || createConversation();
  }

  get currentConversation(): Conversation {
    return this.conversation;
  }

  get streaming(): boolean {
    return this.current !== undefined;
  }

  /** The speed of the last answer that finished (for Engine Status). */
  get lastAnswerStats(): AnswerStats | undefined {
    return this.lastStats;
  }

  /** The open conversation for an `init`; pending pieces are dropped (the snapshot holds them). */
  snapshot(): ConversationView {
    this.current?.chunks.drop();
    return conversationView(this.conversation, this.streamingIdFor(this.conversation));
  }

  /** Sends what the user typed; `content` reads the attachments when the turn has been shown. */
  send(
    requestId: string,
    text: string,
    chips: { kind: AttachmentKind; label: string }[],
    content: () => Promise<string>,
  ): Promise<unknown> {
    return this.answer({ requestId, display: text, content, chips });
  }

  /** Streams an answer to `options` into the chat (for the editing commands). */
  async ask(options: ChatAskOptions): Promise<ChatAskResult> {
    if (options.newConversation) this.newChat();
    const attachments = options.attachments ?? [];
    const chips = attachments.map((a) => ({ kind: a.kind, label: chipLabel(a) }));
    const messages = typeof options.prompt === 'string' ? undefined : options.prompt;
    const lastUser = messages?.filter((m) => m.role === 'user').pop()?.content;
    const content = messages ? (lastUser ?? options.title) : buildUserContent(options.prompt as string, attachments);
    const { turn, stopReason, conversation } = await this.answer({
      requestId: `x${newId()}`,
      display: options.title,
      content: async () => content,
      chips,
      messages,
      signal: options.signal,
    });
    return {
      turnId: turn.id,
      conversationId: conversation.id,
      text: turn.text,
      thought: turn.thought ?? '',
      status: turn.status ?? 'done',
      stopReason,
      error: turn.error,
    };
  }

  /** Stops the streaming answer if it has this request id (any, when omitted). */
  stop(requestId?: string): void {
    const current = this.current;
    if (!current || (requestId !== undefined && current.stream.requestId !== requestId)) return;
    if (!current.stream.stopped) this.ports.log.info(`stopping the answer ${current.stream.requestId}`);
    current.stream.stop();
    // The view shows the stop at once; the engine's final stats follow in a second answerEnd.
    current.chunks.flush();
    this.postAnswerEnd(current.stream, current.conversation);
  }

  newChat(): void {
    this.stop();
    if (this.conversation.turns.length > 0) this.conversation = createConversation();
    void this.ports.store.setCurrent(undefined);
    this.ports.post({ type: 'conversation', conversation: conversationView(this.conversation) });
  }

  open(id: string): boolean {
    const loaded = id === this.conversation.id ? this.conversation : this.ports.store.load(id);
    if (!loaded) return false;
    if (loaded !== this.conversation) this.stop();
    this.conversation = loaded;
    void this.ports.store.setCurrent(id);
    this.ports.post({
      type: 'conversation',
      conversation: conversationView(loaded, this.streamingIdFor(loaded)),
    });
    return true;
  }

  async delete(id: string): Promise<void> {
    if (this.current?.conversation.id === id) this.stop();
    await this.ports.store.delete(id);
    if (this.conversation.id === id) {
      this.conversation = createConversation();
      this.ports.post({ type: 'conversation', conversation: conversationView(this.conversation) });
    }
  }

  /** A turn of the open conversation, for the code-block actions. */
  turn(id: string): ChatTurn | undefined {
    return this.conversation.turns.find((t) => t.id === id);
  }

  private async answer(
    request: AnswerRequest,
  ): Promise<{ turn: ChatTurn; stopReason?: StopReason; conversation: Conversation }> {
    this.stop();
    const { post, log } = this.ports;
    const conversation = this.conversation;
    const now = Date.now();
    const user: ChatTurn = {
      id: newId(),
      role: 'user',
      text: request.display,
      createdAt: now,
      ...(request.chips.length ? { attachments: request.chips } : {}),
    };
    const answer: ChatTurn = { id: newId(), role: 'assistant', text: '', createdAt: now, status: 'streaming' };
    if (conversation.turns.length === 0) conversation.title = titleFrom(request.display);
    conversation.turns.push(user, answer);
    conversation.updatedAt = now;
    const stream = new AnswerStream(request.requestId, answer, this.ports.engine);
    const chunks = new ChunkBatcher((piece) => {
      if (this.conversation === conversation)
        post({ type: 'chunk', requestId: request.requestId, turnId: answer.id, ...piece });
    });
    this.current = { stream, conversation, chunks };
    this.ports.onStreamingChange?.(true);
    post({ type: 'turn', turn: turnView(user) });
    post({ type: 'turn', turn: turnView(answer), streamingRequestId: request.requestId });
    void this.ports.store.setCurrent(conversation.id);
    const onAbort = () => this.stop(request.requestId);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) onAbort();

    user.content = await request.content().catch((e: unknown) => {
      log.error('could not read the attachments', e);
      return request.display;
    });
    await this.save(conversation);
    this.lastSavedAt = 0; // the first words are saved at once (a reload right after the start keeps them)
    const history = conversation.turns.slice(0, -1);
    const settings = this.ports.settings();
    await stream.run(
      (contextSize) => {
        const system = request.messages?.find((m) => m.role === 'system')?.content ?? CHAT_SYSTEM_PROMPT;
        const turns = request.messages ? [user] : history;
        const fitted = fitConversation({ system, turns, contextSize, maxAnswerTokens: settings.maxTokens });
        if (fitted.droppedTurns || fitted.shortened)
          log.info(
            `fitted the chat to ${contextSize} tokens: ${fitted.droppedTurns} earlier turn(s) left out${fitted.shortened ? ', the message shortened' : ''}`,
          );
        return fitted.messages;
      },
      settings,
      (chunk) => {
        chunks.push(chunk);
        this.saveSoon(conversation);
      },
    );
    chunks.flush();
    if (answer.stats && answer.stats.generatedTokens > 0) this.lastStats = answer.stats;
    request.signal?.removeEventListener('abort', onAbort);
    if (this.current?.stream === stream) {
      this.current = undefined;
      this.ports.onStreamingChange?.(false);
    }
    if (answer.error) log.warn(`chat answer ${answer.status}: ${answer.error}`);
    if (stream.stopLatencyMs !== undefined)
      log.info(`the engine ended the generation ${stream.stopLatencyMs} ms after Stop`);
    conversation.updatedAt = Date.now();
    await this.save(conversation);
    this.postAnswerEnd(stream, conversation);
    return { turn: answer, stopReason: stream.stopReason, conversation };
  }

  private postAnswerEnd(stream: AnswerStream, conversation: Conversation): void {
    if (this.conversation === conversation)
      this.ports.post({ type: 'answerEnd', requestId: stream.requestId, turn: turnView(stream.turn) });
  }

  private streamingIdFor(conversation: Conversation): string | undefined {
    return this.current?.conversation === conversation && !this.current.stream.stopped
      ? this.current.stream.requestId
      : undefined;
  }

  /** While an answer streams: saved at most every SAVE_INTERVAL_MS (a reload or crash loses at most
   * that much of it; a clean reload also saves it whole on dispose, when the host gets to it). */
  private saveSoon(conversation: Conversation): void {
    if (this.saveTimer) return;
    const wait = this.lastSavedAt + SAVE_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      void this.save(conversation);
      return;
    }
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save(conversation);
    }, wait);
  }

  private async save(conversation: Conversation): Promise<void> {
    this.lastSavedAt = Date.now();
    try {
      await this.ports.store.save(conversation);
    } catch (e) {
      this.ports.log.error('could not save the conversation', e);
    }
  }

  /** The window is closing or reloading: keep the partial answer, marked as interrupted. */
  dispose(): void {
    clearTimeout(this.saveTimer);
    const current = this.current;
    if (current) {
      current.stream.stop();
      current.stream.turn.status = 'interrupted';
      void this.save(current.conversation);
    }
  }
}

/** "cart.js:3-9" for a selection, the file name for a file. */
function chipLabel(a: AttachmentContent): string {
  if (!a.path) return a.description ?? a.kind;
  const name = a.path.split('/').pop();
  const lines = a.startLine ? `:${a.startLine}${a.endLine && a.endLine !== a.startLine ? `-${a.endLine}` : ''}` : '';
  return `${name}${lines}`;
}
