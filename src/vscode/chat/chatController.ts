// The chat's state and behaviour, between the webview, the engine and the workspace storage:
// the current conversation, the answer streaming into it (at most one), attachments, and the
// `ask()` API through which the editing commands stream their answers into the chat.
// The webview is a view of this state: on every `ready` it gets all of it (`init`), then the
// changes (`turn`, `chunk`, `answerEnd`, `engine`, `attachments`).
// Conversations are saved when a turn starts, twice a second while an answer streams, and when it
// ends, so a window reload mid-answer keeps the partial answer (marked interrupted on restore).
import * as vscode from 'vscode';
import { buildUserContent, CHAT_SYSTEM_PROMPT, titleFrom, type AttachmentContent } from '../../core/chat/chatPrompt';
import { ChunkBatcher } from '../../core/chat/chunkBatcher';
import { fitConversation } from '../../core/chat/contextWindow';
import {
  conversationView,
  createConversation,
  newId,
  turnView,
  type ChatTurn,
  type Conversation,
} from '../../core/chat/conversation';
import type { ConversationStore } from '../../core/chat/conversationStore';
import type { AttachmentKind, TurnStatus } from '../../core/chat/webviewProtocol';
import type { ChatMessage, StopReason } from '../../core/engine/protocol';
import { getSetting, watchSettings } from '../config';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { AnswerStream } from './answerStream';
import type { ChatAttachments } from './chatAttachments';
import { engineView } from './engineView';
import type { ChatViewProvider } from './chatViewProvider';

/** What a command (issue 6: Explain, Fix…) asks the chat. */
export interface ChatAskOptions {
  /** The user turn shown in the chat, e.g. "Explain cart.js lines 3-9". */
  title: string;
  /** A message continuing the current conversation, or a complete prompt (system + user messages)
   * built by the caller; the latter is sent as is (fitted to the context), without chat history. */
  prompt: string | ChatMessage[];
  /** Stated in the prompt ("The user attached…") when `prompt` is a string; shown as chips. */
  attachments?: AttachmentContent[];
  /** Start a new conversation for this answer. */
  newConversation?: boolean;
  /** Cancels the answer (like Stop). */
  signal?: AbortSignal;
}

export interface ChatAskResult {
  turnId: string;
  /** The answer without its reasoning. */
  text: string;
  thought: string;
  status: TurnStatus;
  stopReason?: StopReason;
  error?: string;
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

export class ChatController extends DisposableStore {
  private conversation: Conversation;
  private current?: { stream: AnswerStream; conversation: Conversation; chunks: ChunkBatcher };
  private saveTimer?: NodeJS.Timeout;
  private lastSavedAt = 0;

  constructor(
    private readonly view: ChatViewProvider,
    private readonly engine: EngineService,
    private readonly attachments: ChatAttachments,
    private readonly store: ConversationStore,
    private readonly log: Logger,
  ) {
    super();
    const id = store.currentId;
    this.conversation = (id && store.load(id)) || createConversation();
    this.register(view.onDidBecomeReady(() => this.sendInit()));
    this.register(engine.onDidChangeState(() => this.view.post({ type: 'engine', engine: engineView(engine) })));
    this.register(
      attachments.onDidChange(() => this.view.post({ type: 'attachments', attachments: attachments.views() })),
    );
    this.register(
      watchSettings((change) => {
        if (change.affects('chat.model') || change.affects('completion.model'))
          this.view.post({ type: 'engine', engine: engineView(engine) });
      }),
    );
    this.register({ dispose: () => clearTimeout(this.saveTimer) });
  }

  get currentConversation(): Conversation {
    return this.conversation;
  }

  get streaming(): boolean {
    return this.current !== undefined;
  }

  /** Sends what the user typed with the chips the view showed. */
  async send(requestId: string, text: string, attachmentIds: readonly string[]): Promise<void> {
    const { chips, read } = this.attachments.capture(attachmentIds);
    this.attachments.clearPinned();
    await this.answer({ requestId, display: text, content: async () => buildUserContent(text, await read()), chips });
  }

  /** Opens the chat and streams an answer to `options` into it (for the editing commands). */
  async ask(options: ChatAskOptions): Promise<ChatAskResult> {
    if (options.newConversation) this.newChat();
    void this.view.reveal();
    const attachments = options.attachments ?? [];
    const chips = attachments.map((a) => ({
      kind: a.kind,
      label: a.path
        ? `${a.path.split('/').pop()}${a.startLine ? `:${a.startLine}${a.endLine && a.endLine !== a.startLine ? `-${a.endLine}` : ''}` : ''}`
        : (a.description ?? a.kind),
    }));
    const messages = typeof options.prompt === 'string' ? undefined : options.prompt;
    const lastUser = messages?.filter((m) => m.role === 'user').pop()?.content;
    const content = messages ? (lastUser ?? options.title) : buildUserContent(options.prompt as string, attachments);
    const { turn, stopReason } = await this.answer({
      requestId: `x${newId()}`,
      display: options.title,
      content: async () => content,
      chips,
      messages,
      signal: options.signal,
    });
    return {
      turnId: turn.id,
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
    if (!current.stream.stopped) this.log.info(`stopping the answer ${current.stream.requestId}`);
    current.stream.stop();
    // The view shows the stop at once; the engine's final stats follow in a second answerEnd.
    current.chunks.flush();
    this.postAnswerEnd(current.stream, current.conversation);
  }

  newChat(): void {
    this.stop();
    if (this.conversation.turns.length > 0) this.conversation = createConversation();
    void this.store.setCurrent(undefined);
    this.view.post({ type: 'conversation', conversation: conversationView(this.conversation) });
  }

  open(id: string): boolean {
    const loaded = id === this.conversation.id ? this.conversation : this.store.load(id);
    if (!loaded) return false;
    if (loaded !== this.conversation) this.stop();
    this.conversation = loaded;
    void this.store.setCurrent(id);
    this.view.post({ type: 'conversation', conversation: conversationView(loaded, this.streamingIdFor(loaded)) });
    return true;
  }

  async delete(id: string): Promise<void> {
    if (this.current?.conversation.id === id) this.stop();
    await this.store.delete(id);
    if (this.conversation.id === id) {
      this.conversation = createConversation();
      this.view.post({ type: 'conversation', conversation: conversationView(this.conversation) });
    }
  }

  /** A turn of the current conversation, for the code-block actions. */
  turn(id: string): ChatTurn | undefined {
    return this.conversation.turns.find((t) => t.id === id);
  }

  private async answer(request: AnswerRequest): Promise<{ turn: ChatTurn; stopReason?: StopReason }> {
    this.stop();
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
    const stream = new AnswerStream(request.requestId, answer, this.engine);
    const chunks = new ChunkBatcher((piece) => {
      if (this.conversation === conversation)
        this.view.post({ type: 'chunk', requestId: request.requestId, turnId: answer.id, ...piece });
    });
    this.current = { stream, conversation, chunks };
    void vscode.commands.executeCommand('setContext', 'alembic.chat.streaming', true);
    this.view.post({ type: 'turn', turn: turnView(user) });
    this.view.post({ type: 'turn', turn: turnView(answer), streamingRequestId: request.requestId });
    void this.store.setCurrent(conversation.id);
    const onAbort = () => this.stop(request.requestId);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) onAbort();

    user.content = await request.content().catch((e: unknown) => {
      this.log.error('could not read the attachments', e);
      return request.display;
    });
    await this.save(conversation);
    this.lastSavedAt = 0; // the first words are saved at once (a reload right after the start keeps them)
    const history = conversation.turns.slice(0, -1);
    await stream.run(
      (contextSize) => {
        const system = request.messages?.find((m) => m.role === 'system')?.content ?? CHAT_SYSTEM_PROMPT;
        const turns = request.messages ? [user] : history;
        const fitted = fitConversation({ system, turns, contextSize, maxAnswerTokens: getSetting('chat.maxTokens') });
        if (fitted.droppedTurns || fitted.shortened)
          this.log.info(
            `fitted the chat to ${contextSize} tokens: ${fitted.droppedTurns} earlier turn(s) left out${fitted.shortened ? ', the message shortened' : ''}`,
          );
        return fitted.messages;
      },
      (chunk) => {
        chunks.push(chunk);
        this.saveSoon(conversation);
      },
    );
    chunks.flush();
    request.signal?.removeEventListener('abort', onAbort);
    if (this.current?.stream === stream) {
      this.current = undefined;
      void vscode.commands.executeCommand('setContext', 'alembic.chat.streaming', false);
    }
    if (answer.error) this.log.warn(`chat answer ${answer.status}: ${answer.error}`);
    if (stream.stopLatencyMs !== undefined)
      this.log.info(`the engine ended the generation ${stream.stopLatencyMs} ms after Stop`);
    conversation.updatedAt = Date.now();
    await this.save(conversation);
    this.postAnswerEnd(stream, conversation);
    return { turn: answer, stopReason: stream.stopReason };
  }

  private postAnswerEnd(stream: AnswerStream, conversation: Conversation): void {
    if (this.conversation === conversation)
      this.view.post({ type: 'answerEnd', requestId: stream.requestId, turn: turnView(stream.turn) });
  }

  private streamingIdFor(conversation: Conversation): string | undefined {
    return this.current?.conversation === conversation && !this.current.stream.stopped
      ? this.current.stream.requestId
      : undefined;
  }

  private sendInit(): void {
    // The snapshot holds the streamed text so far, pending pieces included: they must not follow it.
    this.current?.chunks.drop();
    this.view.post({
      type: 'init',
      conversation: conversationView(this.conversation, this.streamingIdFor(this.conversation)),
      engine: engineView(this.engine),
      attachments: this.attachments.views(),
    });
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
      await this.store.save(conversation);
    } catch (e) {
      this.log.error('could not save the conversation', e);
    }
  }

  override dispose(): void {
    // The window is closing or reloading: keep the partial answer, marked as interrupted.
    const current = this.current;
    if (current) {
      current.stream.stop();
      current.stream.turn.status = 'interrupted';
      void this.save(current.conversation);
    }
    super.dispose();
  }
}
