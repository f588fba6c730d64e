// "Alembic: Show Engine Status": a webview page with the backend, the GPU, the threads, each model's
// context and memory, the measured speeds and the last errors (the report is built in the core,
// src/core/status/engineReport.ts), and a Copy button that puts it on the clipboard as Markdown
// for a bug report. The page is kept as safe as the chat's: its CSP allows nothing but its own
// nonce'd script and the media folder's styles, it has no command links, and every message it
// sends is validated (an invalid one is dropped with a log line).
// While the page is open it refreshes on engine changes and every few seconds, only ever asking a
// running engine (statusIfRunning): a refresh must never start an engine that is being stopped.
import * as vscode from 'vscode';
import type { AnswerStats } from '../core/chat/webviewProtocol';
import type { CompletionStatsSnapshot } from '../core/completion/completionStats';
import { engineReport, reportAsMarkdown, type EngineReport } from '../core/status/engineReport';
import {
  validateStatusViewMessage,
  type StatusViewCommand,
  type ToStatusView,
} from '../core/status/engineStatusProtocol';
import type { CommandRegistry } from './commands';
import { engineLoadParams, getSetting } from './config';
import { DisposableStore } from './disposable';
import type { EngineService } from './engineService';
import type { Logger } from './log';
import { serverReportSections } from './remote/serverViews';
import { webviewHtml, webviewOptions } from './webviewHtml';

export const ENGINE_STATUS_COMMANDS = ['alembic.showEngineStatus'] as const;
const VIEW_TYPE = 'alembic.engineStatus';
const REFRESH_MS = 3000;

/** Figures other features measured, read when the report is built. */
export interface StatusSources {
  completion?: () => CompletionStatsSnapshot | undefined;
  chat?: () => AnswerStats | undefined;
}

export class EngineStatusView extends DisposableStore {
  private panel?: vscode.WebviewPanel;
  private ready = false;
  private report?: EngineReport;
  private refreshTimer?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: EngineService,
    commands: CommandRegistry,
    private readonly sources: StatusSources,
    private readonly log: Logger,
  ) {
    super();
    this.register(commands.registerCommand('alembic.showEngineStatus', () => this.show()));
    this.register(engine.onDidChangeState(() => this.refreshSoon()));
    this.register({ dispose: () => this.panel?.dispose() });
  }

  /** The report the page shows now (for the extension-host tests). */
  get shownReport(): EngineReport | undefined {
    return this.report;
  }

  async show(): Promise<void> {
    if (this.panel) {
      this.panel.reveal(undefined, false);
    } else {
      const panel = vscode.window.createWebviewPanel(
        VIEW_TYPE,
        'Alembic Engine Status',
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
        webviewOptions(this.context.extensionUri),
      );
      this.panel = panel;
      this.ready = false;
      panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'chat', 'alembic.svg');
      const subs = [
        panel.webview.onDidReceiveMessage((raw: unknown) => this.onMessage(raw)),
        panel.onDidChangeViewState(() => {
          if (!panel.visible) this.ready = false; // the page reloads when shown again and says ready
        }),
      ];
      panel.onDidDispose(() => {
        subs.forEach((s) => s.dispose());
        clearInterval(this.refreshTimer);
        if (this.panel === panel) this.panel = undefined;
      });
      panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, {
        script: 'engine-status.js',
        style: 'engine-status.css',
        title: 'Alembic Engine Status',
      });
      this.refreshTimer = setInterval(() => this.panel?.visible && void this.refresh(), REFRESH_MS);
    }
    // Opening the page starts the engine when it is not running, so the backend can be shown.
    await this.engine.engine.status().catch(() => undefined);
    await this.refresh();
  }

  private refreshSoon(): void {
    if (!this.panel || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.refresh();
    }, 250);
  }

  private async refresh(): Promise<void> {
    if (!this.panel) return;
    const status = await this.engine.engine.statusIfRunning();
    const completion = this.sources.completion?.();
    const chat = this.sources.chat?.();
    const params = engineLoadParams();
    const pkg = this.context.extension.packageJSON as { version: string };
    const report = engineReport({
      state: this.engine.state,
      status,
      gpuSetting: getSetting('engine.gpu'),
      configured: { completion: params.completionModel, chat: params.chatModel },
      completion,
      lastChatAnswer: chat,
      recentErrors: this.engine.recentErrors,
      versions: {
        alembic: pkg.version,
        vscode: `${vscode.version}${vscode.env.remoteName ? ` (remote: ${vscode.env.remoteName})` : ''}`,
        platform: `${process.platform}-${process.arch}`,
        node: process.version,
      },
      now: Date.now(),
    });
    // A feature on a server: its server, state, model and context after the engine's sections.
    this.report = { ...report, sections: [...report.sections, ...serverReportSections(this.engine.servers)] };
    this.post();
  }

  private post(): void {
    if (!this.panel || !this.ready || !this.report) return;
    const modelConfigured = this.engine.hasModelFor('completion') || this.engine.hasModelFor('chat');
    const actions: StatusViewCommand[] = ['copy', 'refresh', 'selectModel'];
    if (modelConfigured) actions.push('restartEngine');
    actions.push('showLog');
    const message: ToStatusView = { type: 'report', report: this.report, actions };
    void this.panel.webview.postMessage(message).then(undefined, () => undefined);
  }

  private onMessage(raw: unknown): void {
    const result = validateStatusViewMessage(raw);
    if (!result.ok) {
      this.log.warn(`dropped a message from the Engine Status page: ${result.reason}`);
      return;
    }
    const message = result.message;
    if (message.type === 'ready') {
      this.ready = true;
      this.post();
      return;
    }
    void this.run(message.command);
  }

  private async run(command: StatusViewCommand): Promise<void> {
    switch (command) {
      case 'copy':
        if (!this.report) return;
        await vscode.env.clipboard.writeText(reportAsMarkdown(this.report));
        vscode.window.setStatusBarMessage('$(check) Alembic: engine status copied as Markdown', 4000);
        this.log.info('engine status copied to the clipboard');
        return;
      case 'refresh':
        return this.refresh();
      case 'selectModel':
        await vscode.commands.executeCommand('alembic.selectModel');
        return;
      case 'restartEngine':
        await vscode.commands.executeCommand('alembic.restartEngine');
        return;
      case 'showLog':
        await vscode.commands.executeCommand('alembic.showLog');
        return;
    }
  }

  override dispose(): void {
    clearInterval(this.refreshTimer);
    clearTimeout(this.pending);
    super.dispose();
  }
}
