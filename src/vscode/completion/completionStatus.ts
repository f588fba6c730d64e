// The completion part of the status bar item: last latency, tokens per second and how many
// requests were answered without the model (cache, typed-ahead, in-flight reuse). When suggestions
// keep timing out it says so, with the figure and the ways out (a smaller model, the GPU, a longer
// timeout), in the item, its tooltip and once in a notification: a local model that is too slow
// for the machine must never fail silently.
import * as vscode from 'vscode';
import type { CompletionPipeline } from '../../core/completion/completionPipeline';
import { timeoutWarning, type CompletionStatsSnapshot } from '../../core/completion/completionStats';
import { DisposableStore } from '../disposable';
import type { StatusContribution } from '../statusBar';

const REFRESH_MS = 250; // stats change on every keystroke; the status bar needs far less

/** The ways out of timeouts, as buttons and as tooltip links. */
export const TIMEOUT_REMEDIES = [
  { button: 'Smaller Model…', link: 'pick a smaller model', command: 'alembic.selectModel', args: [] },
  {
    button: 'GPU Setting',
    link: 'run it on the GPU',
    // Alembic's command: in a remote window the GPU setting is on the Settings editor's Remote tab.
    command: 'alembic.openSettings',
    args: ['engine.gpu'],
  },
  {
    button: 'Timeout Setting',
    link: 'allow more time',
    command: 'alembic.openSettings',
    args: ['completion.timeoutMs'],
  },
] as const;

export class CompletionStatus extends DisposableStore implements StatusContribution {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private pending?: NodeJS.Timeout;
  private stats?: CompletionStatsSnapshot;
  private warnedAboutTimeouts = false;

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
    this.notifyTimeouts();
    this.changed.fire();
  }

  private snapshot(): CompletionStatsSnapshot {
    return (this.stats ??= this.pipeline.stats.snapshot());
  }

  private scheduleRefresh(): void {
    this.pending ??= setTimeout(() => this.refresh(), REFRESH_MS);
  }

  text(): string {
    const off = this.offReason();
    // Snoozed reads apart from off (and both apart from the item's "no model").
    if (off) return off.startsWith('snoozed') ? '$(bell-slash)' : '$(circle-slash)';
    const s = this.snapshot();
    if (timeoutWarning(s.timeouts)) return `$(watch) ${s.timeouts.timedOut}/${s.timeouts.answers} timed out`;
    return s.lastLatencyMs > 0 ? `· ${Math.round(s.lastLatencyMs)} ms` : '';
  }

  tooltip(): string {
    const off = this.offReason();
    if (off) return `Inline completions: ${off}.`;
    const s = this.snapshot();
    const warning = timeoutWarning(s.timeouts);
    if (warning) {
      const links = TIMEOUT_REMEDIES.map((r) => `[${r.link}](${commandUri(r.command, r.args)})`);
      return [
        `Inline completions: ${warning}.`,
        `The model is too slow for this machine as it is set up: ${links[0]}, ${links[1]}, or ${links[2]}.`,
      ].join('\n\n');
    }
    if (s.requests === 0) return 'Inline completions: on. Start typing.';
    const answeredWithoutModel = s.cacheHits + s.typedAheadHits + s.inFlightReuses;
    const hitRate = Math.round((100 * answeredWithoutModel) / Math.max(1, s.requests));
    const reuse = s.promptTokens > 0 ? Math.round((100 * (s.promptTokens - s.evaluatedTokens)) / s.promptTokens) : 0;
    return [
      `Inline completions: last suggestion in ${Math.round(s.lastLatencyMs)} ms, ${Math.round(s.tokensPerSecond)} tokens/s.`,
      `${hitRate}% of ${s.requests} requests answered without the model (cache ${s.cacheHits}, typed ` +
        `ahead ${s.typedAheadHits}, in flight ${s.inFlightReuses}); ${s.modelCalls} model calls.`,
      `${reuse}% of prompt tokens reused from the KV cache.`,
    ].join('\n\n');
  }

  /** Once per run of timeouts (the count starts again when the timeout or the model changes). */
  private notifyTimeouts(): void {
    const s = this.snapshot();
    if (s.timeouts.answers === 0) this.warnedAboutTimeouts = false;
    const warning = timeoutWarning(s.timeouts);
    if (!warning || this.warnedAboutTimeouts || this.offReason()) return;
    this.warnedAboutTimeouts = true;
    void vscode.window
      .showWarningMessage(
        `Alembic: ${warning}: the model is too slow for this machine as it is set up. Pick a smaller model, run it on the GPU, or allow more time.`,
        ...TIMEOUT_REMEDIES.map((r) => r.button),
      )
      .then((choice) => {
        const remedy = TIMEOUT_REMEDIES.find((r) => r.button === choice);
        if (remedy) void vscode.commands.executeCommand(remedy.command, ...remedy.args);
      });
  }
}

function commandUri(command: string, args: readonly unknown[]): string {
  return args.length ? `command:${command}?${encodeURIComponent(JSON.stringify(args))}` : `command:${command}`;
}
