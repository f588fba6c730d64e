// The chat's webview view: its options, the message pump, and the ready handshake.
// Nothing is posted before the webview says `ready`. The view does not keep its page while hidden
// (no retainContextWhenHidden: a hidden chat then costs no renderer memory); each time it is shown
// again the page reloads, says `ready` again and gets the whole state in one `init` from the
// controller, and the draft input comes back from the webview's own setState.
// Every incoming message is validated; an invalid one is dropped with a log line.
import * as vscode from 'vscode';
import { validateWebviewMessage } from '../../core/chat/webviewMessageValidator';
import type { FromWebview, ToWebview } from '../../core/chat/webviewProtocol';
import { DisposableStore } from '../disposable';
import type { Logger } from '../log';
import { webviewHtml, webviewOptions } from '../webviewHtml';

export const CHAT_VIEW_ID = 'alembic.chatView';

export class ChatViewProvider extends DisposableStore implements vscode.WebviewViewProvider {
  private view?: vscode.WebviewView;
  private ready = false;
  private focusWanted = false;
  private readonly readyEmitter = this.register(new vscode.EventEmitter<void>());
  /** The webview (re)loaded and waits for its state. */
  readonly onDidBecomeReady = this.readyEmitter.event;
  private readonly messageEmitter = this.register(new vscode.EventEmitter<FromWebview>());
  /** A validated message from the webview (other than `ready`). */
  readonly onDidReceiveMessage = this.messageEmitter.event;
  private viewDisposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Logger,
  ) {
    super();
    this.register(vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, this));
    this.register({ dispose: () => this.viewDisposables.forEach((d) => d.dispose()) });
  }

  get isReady(): boolean {
    return this.ready;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.viewDisposables.forEach((d) => d.dispose());
    this.view = view;
    this.ready = false;
    view.webview.options = webviewOptions(this.extensionUri);
    this.viewDisposables = [
      view.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)),
      view.onDidChangeVisibility(() => {
        if (!view.visible) this.ready = false; // its page is gone; it says ready again when shown
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.view = undefined;
        this.ready = false;
      }),
    ];
    view.webview.html = webviewHtml(view.webview, this.extensionUri, {
      script: 'chat.js',
      style: 'chat.css',
      title: 'Alembic Chat',
    });
  }

  /** Posts to the webview if it is ready; otherwise drops the message (`init` brings it up to date). */
  post(message: ToWebview): boolean {
    if (!this.ready || !this.view) return false;
    void this.view.webview
      .postMessage(message)
      .then(undefined, (e: unknown) => this.log.debug(`post failed: ${String(e)}`));
    return true;
  }

  /** Shows the view (creating it if needed) without taking the focus from the editor. */
  async reveal(): Promise<void> {
    if (this.view) this.view.show(true);
    else await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
  }

  /** Shows the view and puts the keyboard focus in its input, now or as soon as it is ready. */
  async focusInput(): Promise<void> {
    this.focusWanted = true;
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    if (this.ready) this.flushFocus();
  }

  private flushFocus(): void {
    if (this.focusWanted && this.post({ type: 'focusInput' })) this.focusWanted = false;
  }

  private onMessage(raw: unknown): void {
    const result = validateWebviewMessage(raw);
    if (!result.ok) {
      this.log.warn(`dropped a message from the chat webview: ${result.reason}`);
      return;
    }
    if (result.message.type === 'ready') {
      this.ready = true;
      this.readyEmitter.fire();
      this.flushFocus();
      return;
    }
    this.messageEmitter.fire(result.message);
  }
}
