// The status bar item: what the engine is doing, at a glance, with a menu on click.
import * as vscode from 'vscode';
import type { EngineState } from '../engine/client/engineClient';
import { DisposableStore } from './disposable';
import type { EngineService } from './engineService';

/** Extra text a feature contributes to the item (e.g. completion latency); empty to show nothing. */
export interface StatusContribution {
  text(): string;
  tooltip(): string;
  readonly onDidChange: vscode.Event<void>;
}

/** The commands a contribution's tooltip may link to. */
export const TOOLTIP_COMMANDS = ['alembic.selectModel', 'alembic.downloadModel', 'workbench.action.openSettings'];

export class EngineStatusBar extends DisposableStore {
  private readonly item = this.register(
    vscode.window.createStatusBarItem('alembic.status', vscode.StatusBarAlignment.Right, 100),
  );
  private readonly contributions: StatusContribution[] = [];
  private modelConfigured = false;

  constructor(private readonly engine: EngineService) {
    super();
    this.item.name = 'Alembic';
    this.item.command = 'alembic.statusMenu';
    this.register(engine.onDidChangeState(() => this.render()));
    // Busy flips with every completion: re-render without re-reading the settings.
    this.register(engine.onDidChangeBusy(() => this.render(false)));
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
    const view = describeState(this.engine.state, this.modelConfigured, this.engine.engine.busy);
    const extra = this.contributions.map((c) => c.text()).filter(Boolean);
    this.item.text = [view.text, ...extra].join(' ');
    const tooltip = new vscode.MarkdownString(undefined, true);
    // Contributions may link to these commands (e.g. the completion timeout warning's ways out).
    tooltip.isTrusted = { enabledCommands: [...TOOLTIP_COMMANDS] };
    tooltip.appendMarkdown(`**Alembic** — ${view.tooltip}`);
    for (const c of this.contributions) {
      const t = c.tooltip();
      if (t) tooltip.appendMarkdown(`\n\n${t}`);
    }
    tooltip.appendMarkdown('\n\nClick for actions.');
    this.item.tooltip = tooltip;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    // Screen readers (and the end-to-end tests) read the state and each feature's summary.
    const summaries = this.contributions.map((c) => c.tooltip().split('\n')[0]).filter(Boolean);
    this.item.accessibilityInformation = { label: [`Alembic: ${view.tooltip}`, ...summaries].join(' ') };
  }
}

export interface StateView {
  text: string;
  tooltip: string;
  error: boolean;
}

/** How an engine state reads in the status bar (exported for tests). */
export function describeState(state: EngineState, modelConfigured: boolean, busy = false): StateView {
  const where = (): string => {
    const model = state.models.completion ?? state.models.chat;
    if (!model) return '';
    if (state.gpu?.backend !== 'cpu' && model.gpuLayers > 0)
      return state.gpu?.deviceNames[0] ?? state.gpu?.backend.toUpperCase() ?? 'GPU';
    return 'CPU';
  };
  switch (state.phase) {
    case 'halted':
      return { text: '$(error) Alembic', tooltip: `engine stopped: ${state.error ?? 'repeated crashes'}`, error: true };
    case 'crashed':
      return { text: '$(warning) Alembic', tooltip: `${state.error ?? 'the engine crashed'}`, error: false };
    case 'starting':
      return { text: '$(loading~spin) Alembic', tooltip: 'starting the engine…', error: false };
    case 'loading': {
      const pct = state.loadProgress !== undefined ? ` ${Math.round(state.loadProgress * 100)}%` : '';
      return { text: `$(loading~spin) Alembic${pct}`, tooltip: 'loading the model…', error: false };
    }
    case 'ready': {
      if (busy) return { text: `$(sync~spin) Alembic`, tooltip: `working on ${where()}`, error: false };
      const name = state.models.completion?.name ?? state.models.chat?.name ?? 'model';
      // Ready with an error: a newly configured model was refused and the previous one still serves.
      if (state.error)
        return {
          text: `$(warning) Alembic: ${where()}`,
          tooltip: `${name} ready on ${where()}, but ${state.error}`,
          error: false,
        };
      return { text: `$(check) Alembic: ${where()}`, tooltip: `${name} ready on ${where()}`, error: false };
    }
    default:
      if (!modelConfigured)
        return {
          text: '$(circle-slash) Alembic: no model',
          tooltip: 'no model selected. Click to pick or download one.',
          error: false,
        };
      if (state.error) return { text: '$(error) Alembic', tooltip: state.error, error: true };
      return {
        text: '$(circle-outline) Alembic',
        tooltip: 'model not loaded (it loads on the next request)',
        error: false,
      };
  }
}
