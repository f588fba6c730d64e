// The chat feature: the view in the "Alembic" activity-bar container, its controller and the chat
// commands. The editing commands use `ask()` to stream their answers into the chat. Apply proposes
// code through the diff review, a feature of its own that the chat is given (when the review
// failed to start, Apply says so).
import * as vscode from 'vscode';
import { ConversationStore } from '../../core/chat/conversationStore';
import { codeBlocksOf } from '../../core/chat/markdownParser';
import type { FromWebview, WebviewCommand } from '../../core/chat/webviewProtocol';
import { getSetting } from '../config';
import type { CommandRegistry } from '../commands';
import type { DiffReview } from '../diff/diffReview';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { ChatAttachments } from './chatAttachments';
import { ChatController, type ChatAskOptions, type ChatAskResult } from './chatController';
import { openLink, showHistory } from './chatPickers';
import { ChatViewProvider } from './chatViewProvider';
import { runCodeAction } from './codeBlockActions';

/** The commands this feature implements (the chat model's picker is the model commands'). */
export const CHAT_COMMANDS = [
  'alembic.chat.focus',
  'alembic.chat.newChat',
  'alembic.chat.showHistory',
  'alembic.chat.stop',
  'alembic.chat.addSelection',
] as const;

export class ChatFeature extends DisposableStore {
  readonly controller: ChatController;
  private readonly attachments: ChatAttachments;
  private readonly store: ConversationStore;

  constructor(
    context: vscode.ExtensionContext,
    engine: EngineService,
    private readonly diffReview: DiffReview | undefined,
    commands: CommandRegistry,
    private readonly log: Logger,
  ) {
    super();
    const view = this.register(new ChatViewProvider(context.extensionUri, log));
    this.attachments = this.register(new ChatAttachments());
    this.store = new ConversationStore(context.workspaceState, () => getSetting('chat.maxConversations'));
    this.controller = this.register(new ChatController(view, engine, this.attachments, this.store, log));
    this.register(
      view.onDidReceiveMessage((m) =>
        this.onMessage(m).catch((e) => log.error(`the chat could not handle "${m.type}"`, e)),
      ),
    );
    const command = (id: string, run: (...args: never[]) => unknown) =>
      this.register(commands.registerCommand(id, run));
    command('alembic.chat.focus', () => view.focusInput());
    command('alembic.chat.newChat', async () => {
      this.controller.newChat();
      await view.focusInput();
    });
    command('alembic.chat.showHistory', () => showHistory(this.controller, this.store));
    command('alembic.chat.stop', () => this.controller.stop());
    command('alembic.chat.addSelection', async () => {
      const editor = vscode.window.activeTextEditor;
      if (editor) this.attachments.addSelection(editor);
      await view.focusInput();
    });
  }

  /** Opens the chat and streams an answer into the current (or a new) conversation. */
  ask(options: ChatAskOptions): Promise<ChatAskResult> {
    return this.controller.ask(options);
  }

  private async onMessage(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'send':
        return this.controller.send(message.requestId, message.text, message.attachmentIds);
      case 'stop':
        return this.controller.stop(message.requestId);
      case 'addAttachment':
        if (message.kind === 'file') return this.attachments.pickFile();
        if (message.kind === 'diagnostics') return this.attachments.addDiagnostics();
        return this.attachments.addCurrent();
      case 'removeAttachment':
        return this.attachments.remove(message.id);
      case 'codeAction': {
        const turn = this.controller.turn(message.turnId);
        const block = turn?.role === 'assistant' ? codeBlocksOf(turn.text)[message.block] : undefined;
        if (!block) {
          this.log.warn(`no code block ${message.block} in turn ${message.turnId}`);
          return;
        }
        return runCodeAction(message.action, block.code, {
          editor: () => this.attachments.targetEditor,
          diffReview: this.diffReview,
          log: this.log,
        });
      }
      case 'openLink':
        return openLink(message.url);
      case 'command':
        return this.runWebviewCommand(message.command);
      case 'ready':
        return;
    }
  }

  private async runWebviewCommand(command: WebviewCommand): Promise<void> {
    const ids: Record<WebviewCommand, string> = {
      newChat: 'alembic.chat.newChat',
      showHistory: 'alembic.chat.showHistory',
      selectModel: 'alembic.chat.selectModel',
      downloadModel: 'alembic.downloadModel',
      restartEngine: 'alembic.restartEngine',
      showLog: 'alembic.showLog',
    };
    await vscode.commands.executeCommand(ids[command]);
  }
}
