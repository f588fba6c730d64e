// The next-edit part of the status bar item: whether next edits are active and on which model, and
// in the tooltip the last latency, the speed and how often the model was not needed.
import * as vscode from 'vscode';
import type { NextEditPipeline } from '../../core/nes/nextEditPipeline';
import { DisposableStore } from '../disposable';
import type { StatusContribution } from '../statusBar';

export interface NesState {
  /** Why next edits are off, or undefined when they are on. */
  off?: string;
  /** The model and its format, when on. */
  model?: string;
}

export class NesStatus extends DisposableStore implements StatusContribution {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly pipeline: NextEditPipeline,
    private readonly state: () => NesState,
  ) {
    super();
  }

  refresh(): void {
    this.changed.fire();
  }

  text(): string {
    return this.state().off ? '' : '$(arrow-swap)';
  }

  tooltip(): string {
    const { off, model } = this.state();
    if (off) return `Next edits: off (${off}).`;
    const s = this.pipeline.stats.snapshot();
    const lines = [`Next edits: on with ${model}.`];
    if (s.lastLatencyMs !== undefined)
      lines.push(
        `Last model answer in ${Math.round(s.lastLatencyMs)} ms${s.lastTokensPerSecond ? `, ${Math.round(s.lastTokensPerSecond)} tokens/s` : ''}; ` +
          `${s.modelCalls} model calls for ${s.requests} requests (${s.cacheHits} from the cache, ` +
          `${s.restHits} from a previous answer); ${s.accepted} accepted.`,
      );
    if (s.draftTokens > 0)
      lines.push(
        `Input lookup: ${Math.round((100 * s.acceptedDraftTokens) / s.draftTokens)}% of drafted tokens confirmed.`,
      );
    lines.push('Tab goes to the suggested edit and accepts it; Escape dismisses it.');
    return lines.join('\n\n');
  }
}
