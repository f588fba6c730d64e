// The status bar item: what the engine is doing, at a glance, with a menu on click. What it says is
// decided in the core (src/core/status/statusDescription.ts); features add their part (the
// completion latency, "completions off") through `contribute()`.
import * as vscode from 'vscode';
import { composeStatusItem, describeState, statusMenuEntries } from '../core/status/statusDescription';
import type { CommandRegistry } from './commands';
import { DisposableStore } from './disposable';
import type { EngineService } from './engineService';
import { describeServers } from './remote/serverViews';

/** Extra text a feature contributes to the item (e.g. completion latency); empty to show nothing. */
export interface StatusContribution {
  text(): string;
  tooltip(): string;
  readonly onDidChange: vscode.Event<void>;
}

/** The commands a contribution's tooltip may link to. */
export const TOOLTIP_COMMANDS = ['alembic.selectModel', 'alembic.downloadModel', 'alembic.openSettings'];

export class EngineStatusBar extends DisposableStore {
  private readonly item = this.register(
    vscode.window.createStatusBarItem('alembic.status', vscode.StatusBarAlignment.Right, 100),
  );
  private readonly contributions: StatusContribution[] = [];
  private modelConfigured = false;

  constructor(
    private readonly engine: EngineService,
    commands: CommandRegistry,
  ) {
    super();
    this.item.name = 'Alembic';
    this.item.command = 'alembic.statusMenu';
    this.register(engine.onDidChangeState(() => this.render()));
    // Busy flips with every completion: re-render without re-reading the settings.
    this.register(engine.onDidChangeBusy(() => this.render(false)));
    this.register(commands.registerCommand('alembic.statusMenu', () => this.showMenu()));
    this.render();
    this.item.show();
  }

  contribute(contribution: StatusContribution): vscode.Disposable {
    this.contributions.push(contribution);
    const sub = contribution.onDidChange(() => this.render());
    this.render();
    return new vscode.Disposable(() => {
      sub.dispose();
      this.contributions.splice(this.contributions.indexOf(contribution), 1);
      this.render();
    });
  }

  render(rereadSettings = true): void {
    if (rereadSettings) this.modelConfigured = this.engine.hasModelFor('completion') || this.engine.hasModelFor('chat');
    const view = composeStatusItem(
      // A feature on a server: the item says where requests go ("Alembic: gpu-box · llama-server").
      describeServers(this.engine.servers) ??
        describeState(this.engine.state, this.modelConfigured, this.engine.engine.busy),
      this.contributions.map((c) => ({ text: c.text(), tooltip: c.tooltip() })),
      this.modelConfigured,
    );
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltip, true);
    // Contributions may link to these commands (e.g. the completion timeout warning's ways out).
    tooltip.isTrusted = { enabledCommands: [...TOOLTIP_COMMANDS] };
    this.item.tooltip = tooltip;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    // Screen readers (and the end-to-end tests) read the state and each feature's summary.
    this.item.accessibilityInformation = { label: view.label };
  }

  private async showMenu(): Promise<void> {
    const state = this.engine.state;
    const entries = statusMenuEntries({
      modelConfigured: this.engine.hasModelFor('completion') || this.engine.hasModelFor('chat'),
      completionModelConfigured: this.engine.hasModelFor('completion'),
      modelLoaded: Boolean(state.models.completion ?? state.models.chat),
    });
    if (this.engine.servers.view('completion') || this.engine.servers.view('chat'))
      entries.splice(
        3,
        0,
        { label: '$(refresh) Check the Server Again', command: 'alembic.retryServer' },
        { label: '$(key) Set API Key…', command: 'alembic.setApiKey' },
      );
    const pick = await vscode.window.showQuickPick(entries, {
      title: `Alembic — engine ${state.phase}`,
      placeHolder: 'Choose an action',
    });
    if (pick) await vscode.commands.executeCommand(pick.command);
  }
}
