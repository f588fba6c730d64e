// The completion request manager: context → prompt → cache → engine → post-processing, with no
// VS Code in sight (the adapter and the benchmark's simulated typist both drive `provide`).
//
// Design. Every request first reads a bounded context window around the cursor and identifies it
// (hash of the window above the cursor line and the suffix, plus the current line in clear). Then
// `answer` takes four named steps, cheapest first:
//   1. serve from the cache: the same context was answered before, or the user is typing a
//      suggestion made a few characters ago (typed-ahead);
//   2. join the running generation when the new context extends the one it was started for (wait
//      for it, serve the rest); a running generation it cannot use is aborted at once (the engine
//      stops between prompt chunks or tokens);
//   3. wait for the pause (the adaptive debounce) unless step 2 waited already, and give way if a
//      newer request arrived meanwhile (latest wins); then serve from the cache and join once more,
//      because a generation may have finished or started (a prefetch) during the wait;
//   4. generate in the single slot and serve what the generation cached.
// Each step runs at most once, so a request waits for at most two generations it did not start
// and one pause before its own: it can never chase generations that keep replacing each other.
// Generations write their post-processed result into the cache and requests read it from there,
// so a request whose VS Code token was cancelled still leaves its answer for the next keystroke.
// When a served suggestion stays on screen for a pause, the completion that follows its acceptance
// is prefetched, if the slot is free and suggestions are taken often enough to pay for it.
//
// Step 3 waits no time when the call is cheap (eager): only the cursor line changed since the engine
// last started on this window, so the KV cache holds everything before it, and the engine's own
// measured speeds project the call within the pause it would wait for (EngineSpeed).
// The extra context is the front of every prompt, so its changes are held back (CommittedSnippets)
// until a quiet moment (idlePrefillMs without a request), then committed and pre-evaluated
// (prefill): no keystroke pays for them. The first key in a window the KV cache does not hold (a
// file just opened, a jump) starts a prefill of its prompt at once, while the user types on. A
// request never stops a prefill of its own window (either kind): the call at the pause waits for
// it, and evaluates only the cursor line.
import { type Clock, systemClock } from './clock';
import { CompletionCache, identify, typedSince } from './completionCache';
import { DEFAULT_COMPLETION_SETTINGS, type CompletionSettings } from './completionSettings';
import { CompletionStats, OverheadTimer } from './completionStats';
import { InsertedTextDocument, type CompletionDocument, type Position } from './documentWindow';
import type { CompletionEngine } from './engineContract';
import { EngineSpeed } from './engineSpeed';
import { CommittedSnippets, ExtraContext } from './extraContext';
import { shouldCompleteMultiline } from './multiline';
import { GenerationJobs, type GenerationTarget } from './generationJobs';
import { fitRemainderToSuffix } from './postprocess';
import { PromptAssembler, type CompletionModel } from './promptAssembler';
import { GenerationSlot, SuggestionUsefulness, TypingRhythm, waitUnlessAborted } from './scheduler';
import { TokenEstimator } from './tokenEstimate';
import type { Disposable } from '../util/emitter';
import { silentLogger, type Logger } from '../util/logger';

export type { CompletionEngine } from './engineContract';
export type { CompletionModel } from './promptAssembler';

export interface CompletionRequest {
  doc: CompletionDocument;
  position: Position;
  /** 'invoke': the user asked explicitly (no debounce, no right-of-cursor guard). */
  triggerKind?: 'automatic' | 'invoke';
  signal?: AbortSignal;
}

export type SuggestionSource = 'cache' | 'typedAhead' | 'inFlight' | 'model';

export interface CompletionSuggestion {
  /** Text to insert at the cursor (the range is empty: nothing after the cursor is replaced). */
  insertText: string;
  range: { start: Position; end: Position };
  source: SuggestionSource;
  multiline: boolean;
}

export interface PipelineOptions {
  engine: CompletionEngine;
  settings?: Partial<CompletionSettings>;
  clock?: Clock;
  extraContext?: ExtraContext;
  /** Repository name for templates with a repository-level form. */
  repoName?: string;
  /** Already tagged by the caller (the extension's `log.child('completion')`). */
  log?: Logger;
}

type Target = GenerationTarget;

/** What the steps of one request share. */
interface RequestState {
  seq: number;
  signal: AbortSignal;
  explicit: boolean;
  started: number;
  timer: OverheadTimer;
}

const NEVER = new AbortController().signal;
const CLOSERS_AND_SPACE = /[\s)\]}>;,'"`]/g;

export class CompletionPipeline {
  readonly stats = new CompletionStats();
  readonly extraContext: ExtraContext;
  /** The ring as prompts show it: changes are committed at a quiet moment and prefilled then. */
  private readonly committed: CommittedSnippets;
  private settings: CompletionSettings;
  private readonly engine: CompletionEngine;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly estimator = new TokenEstimator();
  /** The engine's speeds, from its own timings: they decide whether a call is cheap. */
  readonly speed = new EngineSpeed();
  private readonly cache: CompletionCache;
  private readonly rhythm: TypingRhythm;
  private readonly usefulness = new SuggestionUsefulness();
  private readonly slot: GenerationSlot<Target | undefined>;
  private assembler?: PromptAssembler;
  private modelProblem?: string;
  private seq = 0;
  private lastDoc?: { uri: string; version: number };
  private lastTarget?: Target;
  /** What the engine's KV cache holds, as of the last generation or prefill started. */
  private lastStarted?: { windowId: string; lineSuffix: string; extraVersion: number };
  private readonly jobs: GenerationJobs;
  private idleTimer?: AbortController;
  private disposed = false;
  private automatic = true;
  private readonly extraContextChanged: Disposable;

  constructor(private readonly options: PipelineOptions) {
    this.engine = options.engine;
    this.settings = { ...DEFAULT_COMPLETION_SETTINGS, ...options.settings };
    this.clock = options.clock ?? systemClock;
    this.extraContext = options.extraContext ?? new ExtraContext({}, this.estimator);
    this.cache = new CompletionCache(this.settings.cacheSize);
    this.rhythm = new TypingRhythm(this.clock, {
      minMs: this.settings.debounceMinMs,
      maxMs: this.settings.debounceMaxMs,
    });
    this.log = options.log ?? silentLogger;
    this.slot = new GenerationSlot((e) =>
      this.log.warn(`completion failed: ${e instanceof Error ? e.message : String(e)}`),
    );
    this.committed = new CommittedSnippets(this.extraContext);
    this.extraContextChanged = this.extraContext.onDidChange(() => this.scheduleQuietMoment());
    this.jobs = new GenerationJobs({
      engine: this.engine,
      estimator: this.estimator,
      stats: this.stats,
      speed: this.speed,
      cache: this.cache,
      settings: () => this.settings,
      log: this.log,
      onNoFim: (message) => (this.modelProblem = message),
    });
  }

  /** Binds the pipeline to the loaded completion model. Throws NoFimSupportError (with a message
   * for the user) when the model cannot fill in the middle; requests then answer nothing. */
  setModel(model: CompletionModel | undefined): void {
    if (model?.id !== this.assembler?.model.id) this.stats.forgetAnswers();
    this.assembler = undefined;
    this.modelProblem = undefined;
    this.slot.abortCurrent();
    this.cache.clear();
    this.lastStarted = undefined; // a new model starts with an empty KV cache
    if (!model) return;
    try {
      this.assembler = new PromptAssembler(
        model,
        this.settings,
        this.estimator,
        this.committed,
        this.options.repoName ?? 'workspace',
      );
    } catch (e) {
      this.modelProblem = e instanceof Error ? e.message : String(e);
      throw e;
    }
  }

  /** Why completions are unavailable, for the status bar; undefined when they work. */
  get problem(): string | undefined {
    return this.modelProblem ?? (this.assembler ? undefined : 'No completion model is loaded.');
  }

  get template(): PromptAssembler['template'] | undefined {
    return this.assembler?.template;
  }

  /** Applies new settings at once. `rebuild` (what the settings registry says a change of a prompt
   * budget or a generation cap requires) also re-plans the prompt for the model and drops the
   * cached suggestions, which the old values shaped; without it (the debounce, prefetch, the
   * timeout) the cache stays. cacheSize is read when the pipeline is created. */
  updateSettings(settings: Partial<CompletionSettings>, options: { rebuild: boolean } = { rebuild: true }): void {
    if (settings.timeoutMs !== undefined && settings.timeoutMs !== this.settings.timeoutMs) this.stats.forgetAnswers();
    this.settings = { ...this.settings, ...settings };
    this.rhythm.setBounds({ minMs: this.settings.debounceMinMs, maxMs: this.settings.debounceMaxMs });
    if (options.rebuild && this.assembler) this.setModel(this.assembler.model);
  }

  async provide(request: CompletionRequest): Promise<CompletionSuggestion | null> {
    const timer = new OverheadTimer();
    const started = this.clock.now();
    const seq = ++this.seq;
    const signal = request.signal ?? NEVER;
    const explicit = request.triggerKind === 'invoke';
    this.stats.increment('requests');
    this.noteTyping(request.doc);
    this.scheduleQuietMoment();
    try {
      const assembler = this.assembler;
      if (!assembler || signal.aborted || (!explicit && !this.automatic)) return this.none();
      const ctx = assembler.contextAt(request.doc, request.position);
      if (!explicit && ctx.lineSuffix.replace(CLOSERS_AND_SPACE, '').length > this.settings.maxCharsRightOfCursor)
        return this.none();
      const target: Target = {
        id: identify(assembler.model.id, ctx),
        ctx,
        doc: request.doc,
        multiline: shouldCompleteMultiline(ctx, this.settings.multiline),
      };
      this.lastTarget = target;
      this.extraContext.setWindow({
        uri: request.doc.uri,
        firstLine: ctx.windowStartLine,
        endLine: ctx.position.line + 1 + ctx.nextLines.length,
      });
      // With nothing evaluated yet there is no KV cache to keep: ring changes apply at once.
      if (!this.lastStarted && this.committed.pending) this.committed.commit();
      return await this.answer(target, { seq, signal, explicit, started, timer });
    } finally {
      this.stats.recordOverhead(timer.stop());
    }
  }

  /** The request's steps, cheapest first; each runs at most once, which is the bound on how long
   * a request can wait (see the design comment). Time spent waiting is not overhead. */
  private async answer(target: Target, r: RequestState): Promise<CompletionSuggestion | null> {
    // 1. Serve from the cache: this context (or one it types into) was answered before.
    let found = this.lookup(target, undefined);
    if (found) return this.serve(found, target, r.started, r.seq);
    // 2. Join the running generation when this context extends the one it was started for.
    let joined = await this.joinRunning(target, r);
    if (joined === 'cancelled') return this.none();
    if (joined === 'none' && !r.explicit) this.warmNewWindow(target, r);
    if (joined === 'joined') {
      found = this.lookup(target, 'inFlight');
      if (found) return this.serve(found, target, r.started, r.seq);
    } else {
      // 3. Wait for the typing pause (the join above, when there was one, was the pause).
      if (!(await this.waitForPause(target, r))) return this.none();
      found = this.lookup(target, undefined);
      if (found) return this.serve(found, target, r.started, r.seq);
      joined = await this.joinRunning(target, r); // a prefetch may have started meanwhile
      if (joined === 'cancelled') return this.none();
      if (joined === 'joined') {
        found = this.lookup(target, 'inFlight');
        if (found) return this.serve(found, target, r.started, r.seq);
      }
    }
    // 4. Generate: only the newest request may take the slot (it stops what is running there).
    if (r.signal.aborted || r.seq !== this.seq) return this.none();
    const warming = this.warmingFor(target);
    if (warming) {
      r.timer.pause();
      const warmed = await waitUnlessAborted(warming.done, r.signal);
      r.timer.resume();
      if (!warmed || r.seq !== this.seq) return this.none();
    }
    if (this.slot.current) this.abortStale();
    let overheadMs = 0;
    const gen = this.slot.start('request', target, async (s) => {
      overheadMs = await this.startJob(target, s);
    });
    r.timer.pause();
    const finished = await waitUnlessAborted(gen.done, r.signal);
    r.timer.resume();
    if (!finished) return this.none();
    r.timer.add(overheadMs);
    found = this.lookup(target, 'model');
    return found ? this.serve(found, target, r.started, r.seq) : this.none();
  }

  /** Waits for the running generation when this request's context extends its context (the user
   * typed on from where it started): its answer, cached when it ends, serves the rest. A running
   * generation this request cannot use is stopped at once when this is the newest request. */
  private async joinRunning(target: Target, r: RequestState): Promise<'joined' | 'none' | 'cancelled'> {
    const running = this.slot.current;
    if (!running) return 'none';
    if (running.context && running.kind !== 'prefill' && typedSince(running.context.id, target.id) !== undefined) {
      r.timer.pause();
      const finished = await waitUnlessAborted(running.done, r.signal);
      r.timer.resume();
      return finished ? 'joined' : 'cancelled';
    }
    // Only the newest request may stop a generation; a prefill of this window is its own prompt.
    if (r.seq === this.seq && !this.warmingFor(target)) this.abortStale();
    return 'none';
  }

  /** The adaptive debounce; false when the request was cancelled or a newer one arrived meanwhile
   * (latest wins). */
  private async waitForPause(target: Target, r: RequestState): Promise<boolean> {
    let delay = this.rhythm.delayFor({ linePrefix: target.ctx.linePrefix, explicit: r.explicit });
    if (delay > 0 && this.cheapNow(target, delay)) {
      delay = 0;
      this.stats.increment('eagerCalls');
    }
    r.timer.pause();
    const waited = await this.clock.sleep(delay, r.signal);
    r.timer.resume();
    return waited && r.seq === this.seq;
  }

  /** Automatic completions on or off (the setting, a snooze). While they are off the pipeline
   * does no engine work of its own: automatic requests answer nothing, and there is no prefetch
   * and no background prefill (which would also reload a model unloaded after idle time); a
   * generation running when they are turned off is stopped. Explicit requests are still answered. */
  setAutomatic(on: boolean): void {
    if (this.automatic === on) return;
    this.automatic = on;
    if (on) return;
    this.idleTimer?.abort();
    this.slot.abortCurrent();
  }

  /** A suggestion was shown: prefetch the completion that follows its acceptance. */
  onShown(shown: { doc: CompletionDocument; position: Position; insertText: string }): void {
    const assembler = this.assembler;
    if (!assembler || this.disposed || !this.automatic || !this.settings.prefetch || this.slot.current) return;
    const doc = new InsertedTextDocument(shown.doc, shown.position, shown.insertText);
    const ctx = assembler.contextAt(doc, doc.end);
    const target: Target = {
      id: identify(assembler.model.id, ctx),
      ctx,
      doc,
      multiline: shouldCompleteMultiline(ctx, this.settings.multiline),
    };
    if (this.cache.get(target.id)) return;
    this.stats.increment('prefetches');
    this.slot.start('prefetch', target, async (s) => void (await this.startJob(target, s)));
  }

  /** How long a silence means the user stopped typing (the pause the adaptive debounce waits). */
  pauseMs(): number {
    return this.rhythm.pauseMs();
  }

  /** A suggestion was accepted: the next request is answered without debounce. */
  onAccepted(): void {
    this.stats.increment('accepted');
    this.usefulness.noteTaken();
    this.rhythm.noteAccepted();
  }

  /** Forget every cached suggestion (the model, or something outside the windows, changed). */
  clearCache(): void {
    this.cache.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.idleTimer?.abort();
    this.slot.abortCurrent();
    this.extraContextChanged.dispose();
  }

  /** A cached answer for this context, directly or by typed-ahead; null = known to be empty. */
  private lookup(
    target: Target,
    via: 'inFlight' | 'model' | undefined,
  ): { text: string | null; source: CompletionSuggestion['source'] } | undefined {
    const exact = this.cache.get(target.id) ?? this.cache.takeOnce(target.id);
    if (exact) return { text: exact.text || null, source: via ?? 'cache' };
    const ahead = this.cache.lookupTypedAhead(target.id);
    if (!ahead) return undefined;
    const text = ahead.autoClosed
      ? fitRemainderToSuffix(ahead.remainder, {
          ...target.ctx,
          multiline: ahead.entry.multiline,
          maxLines: this.settings.maxLines,
          truncated: false,
        })
      : ahead.remainder;
    this.cache.set(target.id, { text: text ?? '', multiline: ahead.entry.multiline });
    return { text, source: via ?? 'typedAhead' };
  }

  private serve(
    found: { text: string | null; source: CompletionSuggestion['source'] },
    target: Target,
    started: number,
    seq: number,
  ): CompletionSuggestion | null {
    const counter = (
      { cache: 'cacheHits', typedAhead: 'typedAheadHits', inFlight: 'inFlightReuses', model: undefined } as const
    )[found.source];
    if (counter) this.stats.increment(counter);
    // A request served without the model leaves a running request generation it cannot use
    // pointless; a prefetch aims at a later context and keeps going.
    const running = this.slot.current;
    if (
      seq === this.seq &&
      running?.kind === 'request' &&
      running.context &&
      typedSince(running.context.id, target.id) === undefined
    )
      this.abortStale();
    if (found.text === null) return this.none();
    if (found.source === 'model') this.stats.recordLatency(this.clock.now() - started);
    const position = target.ctx.position;
    const suggestion: CompletionSuggestion = {
      insertText: found.text,
      range: { start: position, end: position },
      source: found.source,
      multiline: found.text.includes('\n'),
    };
    if (found.source === 'typedAhead') this.usefulness.noteTaken();
    else {
      this.usefulness.noteShown();
      // The document after accepting a typed-ahead remainder is the one after accepting the
      // suggestion it came from, which was considered for prefetch when it was served.
      this.schedulePrefetch(target.doc, position, found.text, seq);
    }
    return suggestion;
  }

  /** Prefetch once the suggestion has stayed on screen for a pause (no newer request, document
   * unchanged), and only while suggestions are being taken often enough to pay for it. */
  private schedulePrefetch(doc: CompletionDocument, position: Position, insertText: string, seq: number): void {
    if (!this.automatic || !this.settings.prefetch || !this.usefulness.worthPrefetching) return;
    const version = doc.version;
    void this.clock.sleep(this.rhythm.pauseMs()).then(() => {
      if (seq === this.seq && doc.version === version) this.onShown({ doc, position, insertText });
    });
  }

  private abortStale(): void {
    const gen = this.slot.abortCurrent();
    if (gen && gen.kind !== 'prefill') this.stats.increment('aborted');
  }

  private none(): null {
    this.stats.increment('empty');
    return null;
  }

  private noteTyping(doc: CompletionDocument): void {
    const last = this.lastDoc;
    this.lastDoc = { uri: doc.uri, version: doc.version };
    if (last && last.uri !== doc.uri) this.rhythm.reset();
    else if (!last || last.version !== doc.version) this.rhythm.noteKeystroke();
  }

  /** A quiet moment is a pause of idlePrefillMs with no request and no ring change. */
  private scheduleQuietMoment(): void {
    this.idleTimer?.abort();
    if (this.disposed) return;
    const timer = new AbortController();
    this.idleTimer = timer;
    void this.clock.sleep(this.settings.idlePrefillMs, timer.signal).then((idle) => {
      if (idle) this.onQuietMoment();
    });
  }

  /** Commits the ring's changes and pre-evaluates the prompt with them (prefill), so that the
   * next keystroke finds the new front of the prompt in the KV cache. No engine work while
   * automatic completions are off. */
  private onQuietMoment(): void {
    if (this.disposed || !this.committed.pending || this.slot.current) return;
    this.committed.commit();
    const assembler = this.assembler;
    const target = this.lastTarget;
    if (!assembler || !target || !this.engine.prefill || !this.automatic) return;
    this.noteStarted(target);
    this.slot.start('prefill', target, (signal) => this.jobs.prefill(assembler, target, signal));
  }

  /** The first key in a window the KV cache does not hold: when the slot is free, evaluate the
   * window's prompt now (a prefill), while the user types on, instead of in the call at the
   * pause. Nothing is generated, so nothing is wasted but the prefill itself when the user leaves
   * the window before pausing. */
  private warmNewWindow(target: Target, r: RequestState): void {
    const assembler = this.assembler;
    if (!assembler || !this.engine.prefill || !this.automatic || r.seq !== this.seq) return;
    const running = this.slot.current; // what the newest request could not use is being stopped
    if ((running && !running.signal.aborted) || this.lastStarted?.windowId === target.id.windowId) return;
    this.stats.increment('windowWarmUps');
    this.noteStarted(target);
    this.slot.start('prefill', target, (signal) => this.jobs.prefill(assembler, target, signal));
  }

  /** The running prefill (a new window's, or a quiet moment's with the committed ring), when it
   * evaluates this target's window: its prompt is the front of the request's own, so the request
   * waits for it instead of stopping it. */
  private warmingFor(target: Target) {
    const running = this.slot.current;
    return running?.kind === 'prefill' && running.context?.id.windowId === target.id.windowId ? running : undefined;
  }

  /** Eager when cheap: when only the cursor line changed since the engine last started on this
   * window (the layout puts the cursor line after everything else, so the KV cache holds all
   * before it), and the engine's measured speeds say that evaluating the line and writing a usual
   * answer takes no longer than the typing pause the request would wait, waiting would cost more
   * than the call (on a GPU, not on a laptop CPU). A key that comes meanwhile joins the call or aborts it (the
   * engine stops within a token). */
  private cheapNow(target: Target, pauseMs: number): boolean {
    const held = this.lastStarted;
    if (
      !held ||
      held.windowId !== target.id.windowId ||
      held.lineSuffix !== target.id.lineSuffix ||
      held.extraVersion !== this.committed.version
    )
      return false;
    const projected = this.speed.projectMs(this.estimator.estimate(target.ctx.linePrefix) + 1);
    return projected !== undefined && projected <= pauseMs;
  }

  private noteStarted(target: Target): void {
    this.lastStarted = {
      windowId: target.id.windowId,
      lineSuffix: target.id.lineSuffix,
      extraVersion: this.committed.version,
    };
  }

  /** Runs the completion job; resolves with its time outside the engine. */
  private startJob(target: Target, signal: AbortSignal): Promise<number> {
    const assembler = this.assembler;
    if (!assembler) return Promise.resolve(0);
    this.noteStarted(target);
    return this.jobs.complete(assembler, target, signal);
  }
}
