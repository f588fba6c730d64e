// The chat's VS Code side of its state: the core ChatSession (conversations, the streaming answer,
// `ask()` for the commands) wired to the webview, the engine, the attachments and the settings.
// On every `ready` the webview gets the whole state in one `init`; then the changes.
import * as vscode from 'vscode';
import { buildUserContent } from '../../core/chat/chatPrompt';
import { ChatSession, type ChatAskOptions, type ChatAskResult } from '../../core/chat/chatSession';
import type { ChatTurn, Conversation } from '../../core/chat/conversation';
import type { ConversationStore } from '../../core/chat/conversationStore';
import type { AnswerStats } from '../../core/chat/webviewProtocol';
import { getSetting, watchSettings } from '../config';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import type { ChatAttachments } from './chatAttachments';
import { chatEngine } from './chatEngine';
import type { ChatViewProvider } from './chatViewProvider';
import { engineView } from './engineView';

export type { ChatAskOptions, ChatAskResult };

export class ChatController extends DisposableStore {
  private readonly session: ChatSession;

  constructor(
    private readonly view: ChatViewProvider,
    private readonly engine: EngineService,
    private readonly attachments: ChatAttachments,
    store: ConversationStore,
    log: Logger,
  ) {
    super();
    this.session = new ChatSession({
      engine: chatEngine(engine),
      store,
      post: (message) => view.post(message),
      settings: () => ({
        maxTokens: getSetting('chat.maxTokens'),
        timeoutSeconds: getSetting('chat.timeoutSeconds'),
        temperature: getSetting('chat.temperature'),
      }),
      onStreamingChange: (streaming) =>
        void vscode.commands.executeCommand('setContext', 'alembic.chat.streaming', streaming),
      log,
    });
    this.register({ dispose: () => this.session.dispose() });
    this.register(view.onDidBecomeReady(() => this.sendInit()));
    this.register(engine.onDidChangeState(() => this.postEngine()));
    this.register(
      attachments.onDidChange(() => this.view.post({ type: 'attachments', attachments: attachments.views() })),
    );
    this.register(
      watchSettings((change) => {
        if (change.affects('chat.model') || change.affects('completion.model')) this.postEngine();
      }),
    );
  }

  get currentConversation(): Conversation {
    return this.session.currentConversation;
  }

  get streaming(): boolean {
    return this.session.streaming;
  }

  get lastAnswerStats(): AnswerStats | undefined {
    return this.session.lastAnswerStats;
  }

  /** Sends what the user typed with the chips the view showed. */
  async send(requestId: string, text: string, attachmentIds: readonly string[]): Promise<void> {
    const { chips, read } = this.attachments.capture(attachmentIds);
    this.attachments.clearPinned();
    await this.session.send(requestId, text, chips, async () => buildUserContent(text, await read()));
  }

  /** Shows the chat and streams an answer to `options` into it (for the editing commands). */
  ask(options: ChatAskOptions): Promise<ChatAskResult> {
    void this.view.reveal();
    return this.session.ask(options);
  }

  stop(requestId?: string): void {
    this.session.stop(requestId);
  }

  newChat(): void {
    this.session.newChat();
  }

  open(id: string): boolean {
    return this.session.open(id);
  }

  delete(id: string): Promise<void> {
    return this.session.delete(id);
  }

  /** A turn of the open conversation, for the code-block actions. */
  turn(id: string): ChatTurn | undefined {
    return this.session.turn(id);
  }

  private postEngine(): void {
    this.view.post({ type: 'engine', engine: engineView(this.engine) });
  }

  private sendInit(): void {
    this.view.post({
      type: 'init',
      conversation: this.session.snapshot(),
      engine: engineView(this.engine),
      attachments: this.attachments.views(),
    });
  }
}
