// What the engine's KV cache holds for completions, and the background work that keeps it warm
// so that no keystroke pays for what could be evaluated while the user types or rests:
//   - the quiet moment: the extra context is the front of every prompt, so its changes are held
//     back (CommittedSnippets) until idlePrefillMs without a request, then committed and
//     pre-evaluated (a prefill);
//   - a new window: the first key in a window the KV cache does not hold (a file just opened, a
//     jump) starts a prefill of its prompt at once, while the user types on;
//   - the eager rule: when only the cursor line changed since the engine last started on a
//     window, the call is cheap, and the engine's measured speeds say whether it fits within the
//     typing pause the request would wait (then it is made at once).
// A request never stops a prefill of its own window (either kind): the call at the pause waits
// for it, and evaluates only the cursor line.
import type { Clock } from './clock';
import type { CompletionSettings } from './completionSettings';
import type { CompletionStats } from './completionStats';
import type { EngineSpeed } from './engineSpeed';
import type { CommittedSnippets } from './extraContext';
import type { GenerationJobs, GenerationTarget } from './generationJobs';
import type { PromptAssembler } from './promptAssembler';
import type { Generation, GenerationSlot } from './scheduler';
import type { TokenEstimator } from './tokenEstimate';

export interface KvWarmthDeps {
  slot: GenerationSlot<GenerationTarget | undefined>;
  committed: CommittedSnippets;
  jobs: GenerationJobs;
  stats: CompletionStats;
  speed: EngineSpeed;
  estimator: TokenEstimator;
  clock: Clock;
  settings: () => CompletionSettings;
  /** Whether the engine can evaluate a prompt without generating. */
  canPrefill: boolean;
  /** The bound model's prompt assembler (undefined while no model is bound). */
  assembler: () => PromptAssembler | undefined;
  /** Automatic completions are on: background engine work is allowed. */
  automatic: () => boolean;
  disposed: () => boolean;
  /** The context of the newest request, which a quiet moment's prefill evaluates. */
  lastTarget: () => GenerationTarget | undefined;
}

export class KvWarmth {
  /** What the engine's KV cache holds, as of the last generation or prefill started. */
  private held?: { windowId: string; lineSuffix: string; extraVersion: number };
  private idleTimer?: AbortController;

  constructor(private readonly deps: KvWarmthDeps) {}

  /** True until the engine has started on anything (or since the model changed). */
  get holdsNothing(): boolean {
    return this.held === undefined;
  }

  /** A generation or prefill for `target` starts: the KV cache will hold its prompt. */
  noteStarted(target: GenerationTarget): void {
    this.held = {
      windowId: target.id.windowId,
      lineSuffix: target.id.lineSuffix,
      extraVersion: this.deps.committed.version,
    };
  }

  /** A new model starts with an empty KV cache. */
  forget(): void {
    this.held = undefined;
  }

  /** A quiet moment is a pause of idlePrefillMs with no request and no ring change: each one
   * starts the wait again. */
  scheduleQuietMoment(): void {
    this.cancelQuietMoment();
    if (this.deps.disposed()) return;
    const timer = new AbortController();
    this.idleTimer = timer;
    void this.deps.clock.sleep(this.deps.settings().idlePrefillMs, timer.signal).then((idle) => {
      if (idle) this.onQuietMoment();
    });
  }

  cancelQuietMoment(): void {
    this.idleTimer?.abort();
  }

  /** The first key in a window the KV cache does not hold: when the slot is free, evaluate the
   * window's prompt now (a prefill), while the user types on, instead of in the call at the
   * pause. Nothing is generated, so nothing is wasted but the prefill itself when the user leaves
   * the window before pausing. Only for the newest request. */
  warmNewWindow(target: GenerationTarget): void {
    const { slot, jobs, stats, canPrefill } = this.deps;
    const assembler = this.deps.assembler();
    if (!assembler || !canPrefill || !this.deps.automatic()) return;
    const running = slot.current; // what the newest request could not use is being stopped
    if ((running && !running.signal.aborted) || this.held?.windowId === target.id.windowId) return;
    stats.increment('windowWarmUps');
    this.noteStarted(target);
    slot.start('prefill', target, (signal) => jobs.prefill(assembler, target, signal));
  }

  /** The running prefill (a new window's, or a quiet moment's with the committed ring), when it
   * evaluates this target's window: its prompt is the front of the request's own, so the request
   * waits for it instead of stopping it. */
  warmingFor(target: GenerationTarget): Generation<GenerationTarget | undefined> | undefined {
    const running = this.deps.slot.current;
    return running?.kind === 'prefill' && running.context?.id.windowId === target.id.windowId ? running : undefined;
  }

  /** Eager when cheap: when only the cursor line changed since the engine last started on this
   * window (the layout puts the cursor line after everything else, so the KV cache holds all
   * before it), and the engine's measured speeds say that evaluating the line and writing a usual
   * answer takes no longer than the typing pause the request would wait, waiting would cost more
   * than the call (on a GPU, not on a laptop CPU). A key that comes meanwhile joins the call or
   * aborts it (the engine stops within a token). */
  cheapNow(target: GenerationTarget, pauseMs: number): boolean {
    const held = this.held;
    if (
      !held ||
      held.windowId !== target.id.windowId ||
      held.lineSuffix !== target.id.lineSuffix ||
      held.extraVersion !== this.deps.committed.version
    )
      return false;
    const projected = this.deps.speed.projectMs(this.deps.estimator.estimate(target.ctx.linePrefix) + 1);
    return projected !== undefined && projected <= pauseMs;
  }

  /** Commits the ring's changes and pre-evaluates the prompt with them (prefill), so that the
   * next keystroke finds the new front of the prompt in the KV cache. No engine work while
   * automatic completions are off. */
  private onQuietMoment(): void {
    const { slot, committed, jobs, canPrefill } = this.deps;
    if (this.deps.disposed() || !committed.pending || slot.current) return;
    committed.commit();
    const assembler = this.deps.assembler();
    const target = this.deps.lastTarget();
    if (!assembler || !target || !canPrefill || !this.deps.automatic()) return;
    this.noteStarted(target);
    slot.start('prefill', target, (signal) => jobs.prefill(assembler, target, signal));
  }
}
