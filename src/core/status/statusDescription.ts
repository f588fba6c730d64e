// How the engine's state reads in the status bar item and its menu, as plain data: the VS Code
// side (src/vscode/statusBar.ts) only puts it on screen, so what a user reads is tested in Node.
// Each state has its own icon, so "no model", "completions off" and "snoozed" never look alike.
import type { GpuInfo, LoadedModelInfo, ModelRole } from '../engine/protocol';

/** The parts of the engine client's state the status bar reads. */
export interface EngineStateLike {
  /** stopped, starting, idle, loading, ready, crashed or halted (busy is a separate signal). */
  phase: string;
  models: Partial<Record<ModelRole, Pick<LoadedModelInfo, 'name' | 'gpuLayers'>>>;
  gpu?: Pick<GpuInfo, 'backend' | 'deviceNames'>;
  error?: string;
  loadProgress?: number;
}

export interface StateView {
  /** The item's text, with codicons ("$(check) Alembic: CPU"). */
  text: string;
  /** One sentence after "Alembic — " in the tooltip and the accessible label. */
  tooltip: string;
  error: boolean;
}

/** The icon of the item when no model is chosen: a call to get one, unlike "off" (⊘) and "snoozed". */
export const NO_MODEL_ICON = '$(cloud-download)';

/** Where the loaded model runs: the GPU's name, or the CPU. */
export function whereItRuns(state: EngineStateLike): string {
  const model = state.models.completion ?? state.models.chat;
  if (!model) return '';
  if (state.gpu && state.gpu.backend !== 'cpu' && model.gpuLayers > 0)
    return state.gpu.deviceNames[0] ?? state.gpu.backend.toUpperCase();
  return 'CPU';
}

/** How an engine state reads in the status bar. `busy`: a generation runs now. */
export function describeState(state: EngineStateLike, modelConfigured: boolean, busy = false): StateView {
  const where = whereItRuns(state);
  switch (state.phase) {
    case 'halted':
      return { text: '$(error) Alembic', tooltip: `engine stopped: ${state.error ?? 'repeated crashes'}`, error: true };
    case 'crashed':
      return { text: '$(warning) Alembic', tooltip: state.error ?? 'the engine crashed', error: false };
    case 'starting':
      return { text: '$(loading~spin) Alembic', tooltip: 'starting the engine…', error: false };
    case 'loading': {
      const pct = state.loadProgress !== undefined ? ` ${Math.round(state.loadProgress * 100)}%` : '';
      return { text: `$(loading~spin) Alembic${pct}`, tooltip: 'loading the model…', error: false };
    }
    case 'ready': {
      if (busy) return { text: '$(sync~spin) Alembic', tooltip: `working on ${where}`, error: false };
      const name = state.models.completion?.name ?? state.models.chat?.name ?? 'model';
      // Ready with an error: a newly configured model was refused and the previous one still serves.
      if (state.error)
        return {
          text: `$(warning) Alembic: ${where}`,
          tooltip: `${name} ready on ${where}, but ${state.error}`,
          error: false,
        };
      return { text: `$(check) Alembic: ${where}`, tooltip: `${name} ready on ${where}`, error: false };
    }
    default:
      if (!modelConfigured)
        return {
          text: `${NO_MODEL_ICON} Alembic: no model`,
          tooltip: 'no model selected. Click to select or download one.',
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

/** A feature's part of the item (the completion latency, "completions off"…). */
export interface StatusPart {
  /** Short text after the engine's ("· 120 ms", "$(circle-slash)"); empty for none. */
  text: string;
  /** Markdown paragraphs for the tooltip; the first is the part's one-line summary. */
  tooltip: string;
}

export interface StatusItemView {
  text: string;
  /** Markdown. */
  tooltip: string;
  /** What a screen reader reads: the state and each part's summary. */
  label: string;
  error: boolean;
}

/** The whole item: the engine's state and the features' parts. With no model at all, the parts say
 * nothing (there is nothing to complete with) and the item only asks for a model. */
export function composeStatusItem(
  view: StateView,
  parts: readonly StatusPart[],
  modelConfigured: boolean,
): StatusItemView {
  const shown = modelConfigured ? parts : [];
  const texts = shown.map((p) => p.text).filter(Boolean);
  const tooltips = shown.map((p) => p.tooltip).filter(Boolean);
  const summaries = tooltips.map((t) => t.split('\n')[0]!.trim()).filter(Boolean);
  return {
    text: [view.text, ...texts].join(' '),
    tooltip: [`**Alembic** — ${view.tooltip}`, ...tooltips, 'Click for actions.'].join('\n\n'),
    label: [`Alembic: ${sentence(view.tooltip)}`, ...summaries].join(' '),
    error: view.error,
  };
}

const sentence = (s: string) => (/[.!?…]$/.test(s) ? s : `${s}.`);

export interface StatusMenuEntry {
  label: string;
  command: string;
}

export interface StatusMenuContext {
  /** A model file is set for completions or chat. */
  modelConfigured: boolean;
  completionModelConfigured: boolean;
  /** A model is in memory now (Unload frees it). */
  modelLoaded: boolean;
}

/** The status bar menu: only what can do something now (no Restart or Unload without a model). */
export function statusMenuEntries(c: StatusMenuContext): StatusMenuEntry[] {
  const entries: StatusMenuEntry[] = [
    { label: '$(chip) Select Model…', command: 'alembic.selectModel' },
    { label: '$(cloud-download) Download Model…', command: 'alembic.downloadModel' },
    { label: '$(pulse) Show Engine Status', command: 'alembic.showEngineStatus' },
  ];
  if (c.modelConfigured) entries.push({ label: '$(debug-restart) Restart Engine', command: 'alembic.restartEngine' });
  if (c.modelLoaded) entries.push({ label: '$(eject) Unload Model', command: 'alembic.unloadModel' });
  if (c.completionModelConfigured)
    entries.push(
      { label: '$(sparkle) Toggle Inline Completions', command: 'alembic.toggleInlineCompletions' },
      { label: '$(bell-slash) Snooze Inline Completions for 5 Minutes', command: 'alembic.snoozeInlineCompletions' },
      {
        label: '$(symbol-misc) Toggle Inline Completions for This Language',
        command: 'alembic.toggleInlineCompletionsForLanguage',
      },
      { label: '$(clear-all) Clear Completion Cache', command: 'alembic.clearCompletionCache' },
    );
  entries.push(
    { label: '$(gear) Open Alembic Settings', command: 'alembic.openSettings' },
    { label: '$(output) Show Log', command: 'alembic.showLog' },
  );
  return entries;
}
