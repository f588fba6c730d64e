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
// Step 3 waits no time when the call is cheap (eager), and the engine's KV cache is kept warm in
// the background (a quiet moment's prefill of a changed extra context, a new window's prefill at
// its first key): both live in KvWarmth (kvWarmth.ts).
// An answer still being written partialAfterMs after its key shows its first words (step 4 takes
// them as soon as the streamed answer has a whole word past that moment); when the whole answer is
// cached, onDidRefine asks the editor to ask again (a 'refresh' request, answered from the cache
// only), and the ghost text grows to the whole suggestion.
import { type Clock, systemClock } from './clock';
import { CompletionCache, identify, typedSince } from './completionCache';
import { DEFAULT_COMPLETION_SETTINGS, type CompletionSettings } from './completionSettings';
import { CompletionStats, OverheadTimer } from './completionStats';
import { InsertedTextDocument, type CompletionDocument, type Position } from './documentWindow';
import type { CompletionEngine } from './engineContract';
import { EngineSpeed } from './engineSpeed';
import { CommittedSnippets, ExtraContext } from './extraContext';
import { shouldCompleteMultiline } from './multiline';
import { GenerationJobs, type GenerationTarget, type PartialPlan } from './generationJobs';
import { KvWarmth } from './kvWarmth';
import { fitRemainderToSuffix } from './postprocess';
import { PromptAssembler, type CompletionModel } from './promptAssembler';
import { GenerationSlot, SuggestionUsefulness, TypingRhythm, waitUnlessAborted } from './scheduler';
import { TokenEstimator } from './tokenEstimate';
import { Emitter, type Disposable } from '../util/emitter';
import { silentLogger, type Logger } from '../util/logger';

export type { CompletionEngine } from './engineContract';
export type { CompletionModel } from './promptAssembler';

export interface CompletionRequest {
  doc: CompletionDocument;
  position: Position;
  /** 'invoke': the user asked explicitly (no debounce, no right-of-cursor guard). 'refresh': the
   * editor asks again where first words were shown (onDidRefine): answered from the cache only. */
  triggerKind?: 'automatic' | 'invoke' | 'refresh';
  signal?: AbortSignal;
}

export type SuggestionSource = 'cache' | 'typedAhead' | 'inFlight' | 'model';

export interface CompletionSuggestion {
  /** Text to insert at the cursor (the range is empty: nothing after the cursor is replaced). */
  insertText: string;
  range: { start: Position; end: Position };
  source: SuggestionSource;
  multiline: boolean;
  /** Only the first words of an answer still being written: onDidRefine follows with the whole. */
  firstWords?: true;
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

/** Where a suggestion shown as its first words now has its whole text in the cache. */
export interface RefinedSuggestion {
  uri: string;
  version: number;
  position: Position;
}

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
  private readonly jobs: GenerationJobs;
  private readonly warmth: KvWarmth;
  private disposed = false;
  private automatic = true;
  private readonly extraContextChanged: Disposable;
  private readonly refined = new Emitter<RefinedSuggestion>();
  /** A suggestion shown as its first words is written to its end: ask again there (refresh). */
  readonly onDidRefine = this.refined.event;

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
    this.extraContextChanged = this.extraContext.onDidChange(() => this.warmth.scheduleQuietMoment());
    this.jobs = new GenerationJobs({
      engine: this.engine,
      estimator: this.estimator,
      stats: this.stats,
      speed: this.speed,
      cache: this.cache,
      settings: () => this.settings,
      clock: this.clock,
      log: this.log,
      onNoFim: (message) => (this.modelProblem = message),
    });
    this.warmth = new KvWarmth({
      slot: this.slot,
      committed: this.committed,
      jobs: this.jobs,
      stats: this.stats,
      speed: this.speed,
      estimator: this.estimator,
      clock: this.clock,
      settings: () => this.settings,
      canPrefill: this.engine.prefill !== undefined,
      assembler: () => this.assembler,
      automatic: () => this.automatic,
      disposed: () => this.disposed,
      lastTarget: () => this.lastTarget,
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
    this.warmth.forget();
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
    if (request.triggerKind === 'refresh') return this.refresh(request);
    const timer = new OverheadTimer();
    const started = this.clock.now();
    const seq = ++this.seq;
    const signal = request.signal ?? NEVER;
    const explicit = request.triggerKind === 'invoke';
    this.stats.increment('requests');
    this.noteTyping(request.doc);
    this.warmth.scheduleQuietMoment();
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
      if (this.warmth.holdsNothing && this.committed.pending) this.committed.commit();
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
    if (joined === 'none' && !r.explicit && r.seq === this.seq) this.warmth.warmNewWindow(target);
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
    const warming = this.warmth.warmingFor(target);
    if (warming) {
      r.timer.pause();
      const warmed = await waitUnlessAborted(warming.done, r.signal);
      r.timer.resume();
      if (!warmed || r.seq !== this.seq) return this.none();
    }
    if (this.slot.current) this.abortStale();
    let overheadMs = 0;
    let firstWords: string | undefined;
    let shownEarly = () => {};
    const early = new Promise<void>((resolve) => (shownEarly = resolve));
    // Streamed whenever first words may show (the answer's length is not known in advance), for
    // automatic requests: one the user or the editor asked for explicitly waits for the whole
    // answer (VS Code keeps an explicit request's answer for its place and would not ask again).
    const partial = this.settings.partialAfterMs > 0 &&
      !r.explicit && {
        showAt: r.started + this.settings.partialAfterMs,
        onShown: (text: string) => {
          firstWords = text;
          shownEarly();
        },
      };
    const gen = this.slot.start('request', target, async (s) => {
      overheadMs = await this.startJob(target, s, partial || undefined);
    });
    r.timer.pause();
    const finished = await waitUnlessAborted(Promise.race([gen.done, early]), r.signal);
    r.timer.resume();
    if (!finished) return this.none();
    r.timer.add(overheadMs);
    found = this.lookup(target, 'model');
    const onlyFirstWords = firstWords !== undefined && found?.text === firstWords && !gen.settled;
    if (onlyFirstWords) void gen.done.then(() => this.noteRefined(target));
    return found ? this.serve(found, target, r.started, r.seq, onlyFirstWords) : this.none();
  }

  /** First words were shown for `target`: once its whole answer is cached, the editor is asked to
   * show it (it asks again with a refresh request). That happens also when the whole answer is the
   * text shown (its last token came right after): the suggestion on screen is then known whole. */
  private noteRefined(target: Target): void {
    if (this.disposed || !this.cache.get(target.id)?.text) return;
    this.refined.fire({ uri: target.doc.uri, version: target.doc.version, position: target.ctx.position });
  }

  /** The editor asks again where first words were shown: the whole answer, from the cache only
   * (no model call, no wait); it counts as a shown suggestion (prefetch follows it). */
  private refresh(request: CompletionRequest): CompletionSuggestion | null {
    const assembler = this.assembler;
    if (!assembler || request.signal?.aborted) return null;
    const ctx = assembler.contextAt(request.doc, request.position);
    const text = this.cache.get(identify(assembler.model.id, ctx))?.text;
    if (!text) return null;
    this.schedulePrefetch(request.doc, ctx.position, text, this.seq);
    return {
      insertText: text,
      range: { start: ctx.position, end: ctx.position },
      source: 'model',
      multiline: text.includes('\n'),
    };
  }

  /** Waits for the running generation when this request's context extends its context (the user
   * typed on from where it started): its answer, cached when it ends, serves the rest. A running generation this request cannot
   * use is stopped at once when this is the newest request. */
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
    if (r.seq === this.seq && !this.warmth.warmingFor(target)) this.abortStale();
    return 'none';
  }

  /** The adaptive debounce; false when the request was cancelled or a newer one arrived meanwhile
   * (latest wins). */
  private async waitForPause(target: Target, r: RequestState): Promise<boolean> {
    let delay = this.rhythm.delayFor({ linePrefix: target.ctx.linePrefix, explicit: r.explicit });
    if (delay > 0 && this.warmth.cheapNow(target, delay)) {
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
    this.warmth.cancelQuietMoment();
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
    this.warmth.cancelQuietMoment();
    this.slot.abortCurrent();
    this.extraContextChanged.dispose();
    this.refined.dispose();
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
    firstWordsOnly = false,
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
      ...(firstWordsOnly && { firstWords: true as const }),
    };
    if (found.source === 'typedAhead') this.usefulness.noteTaken();
    else if (firstWordsOnly)
      this.usefulness.noteShown(); // the prefetch waits for the whole answer (refresh)
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

  /** Runs the completion job; resolves with its time outside the engine. */
  private startJob(target: Target, signal: AbortSignal, partial?: PartialPlan): Promise<number> {
    const assembler = this.assembler;
    if (!assembler) return Promise.resolve(0);
    this.warmth.noteStarted(target);
    return this.jobs.complete(assembler, target, signal, partial);
  }
}
