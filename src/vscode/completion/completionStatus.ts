// The completion part of the status bar item: last latency, tokens per second and how many
// requests were answered without the model (cache, typed-ahead, in-flight reuse).
import * as vscode from 'vscode';
import type { CompletionPipeline } from '../../core/completion/completionPipeline';
import type { CompletionStatsSnapshot } from '../../core/completion/completionStats';
import { DisposableStore } from '../disposable';
import type { StatusContribution } from '../statusBar';

const REFRESH_MS = 250; // stats change on every keystroke; the status bar needs far less

export class CompletionStatus extends DisposableStore implements StatusContribution {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private pending?: NodeJS.Timeout;
  private stats?: CompletionStatsSnapshot;

  constructor(
    private readonly pipeline: CompletionPipeline,
    private readonly offReason: () => string | undefined,
  ) {
    super();
    this.register(pipeline.stats.onDidChange(() => this.scheduleRefresh()));
    this.register({ dispose: () => clearTimeout(this.pending) });
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.refresh()));
  }

  refresh(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    this.stats = undefined;
    this.changed.fire();
  }

  private snapshot(): CompletionStatsSnapshot {
    return (this.stats ??= this.pipeline.stats.snapshot());
  }

  private scheduleRefresh(): void {
    this.pending ??= setTimeout(() => this.refresh(), REFRESH_MS);
  }

  text(): string {
    if (this.offReason()) return '$(circle-slash)';
    const s = this.snapshot();
    return s.lastLatencyMs > 0 ? `· ${Math.round(s.lastLatencyMs)} ms` : '';
  }

  tooltip(): string {
    const off = this.offReason();
    if (off) return `Inline completions: ${off}.`;
    const s = this.snapshot();
    if (s.requests === 0) return 'Inline completions: on. Start typing.';
    const answeredWithoutModel = s.cacheHits + s.typedAheadHits + s.inFlightReuses;
    const hitRate = Math.round((100 * answeredWithoutModel) / Math.max(1, s.requests));
    const reuse = s.promptTokens > 0 ? Math.round((100 * (s.promptTokens - s.evaluatedTokens)) / s.promptTokens) : 0;
    return [
      `Inline completions: last suggestion in ${Math.round(s.lastLatencyMs)} ms, ${Math.round(s.tokensPerSecond)} tokens/s.`,
      `${hitRate}% of ${s.requests} requests answered without the model (cache ${s.cacheHits}, typed ahead ${s.typedAheadHits}, in flight ${s.inFlightReuses}); ${s.modelCalls} model calls.`,
      `${reuse}% of prompt tokens reused from the KV cache.`,
    ].join('\n\n');
  }
}
