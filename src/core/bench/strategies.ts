// The ways the benchmark answers the typist's requests. Three run on Alembic's engine and meter:
//   alembic  the completion pipeline as the extension runs it (cache, typed-ahead, in-flight
//            reuse, adaptive debounce, prefetch, KV-stable layout);
//   naive    the full prompt for every keystroke, no debounce, no client cache, and no KV reuse:
//            its evaluated tokens are its prompt tokens by definition, and alternate calls start
//            with an end-of-text token so the engine cannot reuse its KV cache either and the
//            latencies are those of full evaluation;
//   sliding  llama.vscode against llama-server with cache_prompt: a request per keystroke with a
//            window sliding with the cursor (baselinePrompts.ts); the engine's own KV reuse decides
//            what is evaluated. (llama-server's --cache-reuse, which shifts matching chunks of the
//            KV cache to new positions, has no counterpart in the engine and is not modelled.)
// The baselines cancel a running call when the next keystroke arrives, as VS Code's cancellation
// token would, and post-process like Alembic, so a suggestion the typist accepts means the same.
// The fourth, llama.vscode, is llama.vscode's own client against a real llama-server
// (llamaVscode/llamaVscodeStrategy.ts).
import type { Clock } from '../completion/clock';
import {
  CompletionPipeline,
  type CompletionModel,
  type CompletionSuggestion,
  type RefinedSuggestion,
} from '../completion/completionPipeline';
import { DEFAULT_COMPLETION_SETTINGS, type CompletionSettings } from '../completion/completionSettings';
import { OverheadTimer } from '../completion/completionStats';
import type { CompletionDocument, Position } from '../completion/documentWindow';
import {
  type CompletionEngine,
  isAbortError,
  isPromptTooLong,
  reportedPromptTokens,
} from '../completion/engineContract';
import { ExtraContext } from '../completion/extraContext';
import { feedExtraContext, type EditorEvent, type Workspace } from './editorEvents';
import { shouldCompleteMultiline } from '../completion/multiline';
import { postprocessCompletion } from '../completion/postprocess';
import { PromptAssembler } from '../completion/promptAssembler';
import { TokenEstimator } from '../completion/tokenEstimate';
import type { CompleteResult, PromptSegment } from '../engine/protocol';
import { cursorWindow, naiveLimits, slidingLimits, windowPrompt, type WindowLimits } from './baselinePrompts';

export const STRATEGY_NAMES = ['alembic', 'naive', 'sliding', 'llama.vscode'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];
/** The strategies that run on Alembic's engine (llama.vscode runs on llama-server). */
export const ENGINE_STRATEGY_NAMES = ['alembic', 'naive', 'sliding'] as const;
export type EngineStrategyName = (typeof ENGINE_STRATEGY_NAMES)[number];

export interface StrategyRequest {
  doc: CompletionDocument;
  position: Position;
  signal: AbortSignal;
  /** For a suggestion shown as its first words: hears the whole one, once written, if the request
   * is still the typist's latest (the editor's refresh, see CompletionPipeline.onDidRefine). */
  onWhole?: (suggestion: CompletionSuggestion) => void;
}

/** Client-side reuse counters (zero for the baselines, which have none). */
export interface StrategyCounters {
  cacheHits: number;
  typedAheadHits: number;
  inFlightReuses: number;
  /** Background completions started ahead of the typist (Alembic's prefetch, llama.vscode's future suggestion). */
  prefetches: number;
  /** Snippets (or chunks) of extra context held at the end. */
  snippets?: number;
  /** Suggestions first shown as their first words while the model wrote on (Alembic). */
  partialShows?: number;
  /** Failed background requests (their errors do not reach a request). */
  backgroundErrors?: number;
}

export interface BenchStrategy {
  readonly name: StrategyName;
  /** How the strategy counts and calls, for the report. */
  readonly note: string;
  /** Time each request spent outside the engine and outside waits, in ms. */
  readonly overheadMs: number[];
  /** True when evaluated tokens are the prompt tokens by definition (no cache of any kind). */
  readonly evaluatesWholePrompt: boolean;
  request(request: StrategyRequest): Promise<CompletionSuggestion | null>;
  accepted(): void;
  /** What the editor did besides typing (edits, saves, editor switches…). */
  onEditor(event: EditorEvent, workspace: Workspace): void;
  counters(): StrategyCounters;
  dispose(): void;
}

export interface StrategyContext {
  engine: CompletionEngine;
  model: CompletionModel;
  clock: Clock;
  settings?: Partial<CompletionSettings>;
  /** A token to start alternate naive prompts with (the model's end-of-text); a line break when absent. */
  bustToken?: string;
}

export function createStrategy(name: EngineStrategyName, context: StrategyContext): BenchStrategy {
  switch (name) {
    case 'alembic':
      return new AlembicStrategy(context);
    case 'naive':
      return new BaselineStrategy('naive', context, (a, s) => naiveLimits(a.budgets, s), true);
    case 'sliding':
      return new BaselineStrategy(
        'sliding',
        context,
        (a) => slidingLimits(a.model.contextSize, a.budgets.maxTokens),
        false,
      );
  }
}

class AlembicStrategy implements BenchStrategy {
  readonly name = 'alembic';
  readonly note = 'the completion pipeline the extension runs; tokens from the engine accounting';
  readonly overheadMs: number[] = [];
  readonly evaluatesWholePrompt = false;
  private readonly pipeline: CompletionPipeline;
  private latest?: StrategyRequest;

  constructor(context: StrategyContext) {
    this.pipeline = new CompletionPipeline({
      engine: context.engine,
      clock: context.clock,
      settings: context.settings,
    });
    this.pipeline.setModel(context.model);
    this.pipeline.onDidRefine((at) => this.onRefined(at));
    // Every request's own overhead sample: the pipeline keeps only a window of recent ones.
    const stats = this.pipeline.stats;
    const record = stats.recordOverhead.bind(stats);
    stats.recordOverhead = (ms) => {
      this.overheadMs.push(ms);
      record(ms);
    };
  }

  request(r: StrategyRequest): Promise<CompletionSuggestion | null> {
    this.latest = r;
    return this.pipeline.provide({ doc: r.doc, position: r.position, signal: r.signal, triggerKind: 'automatic' });
  }

  /** As the extension's adapter does: where the typist still is, ask again for the whole suggestion. */
  private onRefined(at: RefinedSuggestion): void {
    const r = this.latest;
    if (!r?.onWhole || r.signal.aborted || r.doc.uri !== at.uri || r.doc.version !== at.version) return;
    if (r.position.line !== at.position.line || r.position.character !== at.position.character) return;
    const onWhole = r.onWhole;
    void this.pipeline.provide({ doc: r.doc, position: r.position, triggerKind: 'refresh' }).then((whole) => {
      if (whole && !r.signal.aborted) onWhole(whole);
    });
  }

  accepted(): void {
    this.pipeline.onAccepted();
  }

  onEditor(event: EditorEvent): void {
    feedExtraContext(this.pipeline.extraContext, event);
  }

  counters(): StrategyCounters {
    const s = this.pipeline.stats.snapshot();
    return {
      cacheHits: s.cacheHits,
      typedAheadHits: s.typedAheadHits,
      inFlightReuses: s.inFlightReuses,
      prefetches: s.prefetches,
      snippets: this.pipeline.extraContext.snippets().length,
      partialShows: s.partialShows,
    };
  }

  dispose(): void {
    this.pipeline.dispose();
  }
}

class BaselineStrategy implements BenchStrategy {
  readonly overheadMs: number[] = [];
  readonly note: string;
  private readonly settings: CompletionSettings;
  private readonly estimator = new TokenEstimator();
  private readonly assembler: PromptAssembler;
  private readonly limits: () => WindowLimits;
  private calls = 0;

  constructor(
    readonly name: 'naive' | 'sliding',
    private readonly context: StrategyContext,
    limits: (assembler: PromptAssembler, settings: CompletionSettings) => WindowLimits,
    readonly evaluatesWholePrompt: boolean,
  ) {
    this.settings = { ...DEFAULT_COMPLETION_SETTINGS, ...context.settings };
    // The assembler gives the template, the budgets and the request parameters Alembic would use;
    // it shares this strategy's estimator, which learns the tokenizer's ratio from the engine.
    this.assembler = new PromptAssembler(
      context.model,
      this.settings,
      this.estimator,
      new ExtraContext({}, this.estimator),
      'workspace',
    );
    this.limits = () => limits(this.assembler, this.settings);
    this.note =
      name === 'naive'
        ? 'full prompt (Alembic budgets, window anchored at the cursor) on every keystroke; no debounce, ' +
          'no client cache; evaluatedTokens = promptTokens by definition; alternate calls start with an ' +
          'end-of-text token so the engine re-evaluates everything; a keystroke aborts the running call'
        : "llama.vscode's request on every keystroke: 256 lines above the cursor and 64 below, cut to " +
          "llama-server's default batch split, current line at the end of the prefix; the engine's KV " +
          'reuse decides evaluatedTokens; a keystroke aborts the running call';
  }

  async request(r: StrategyRequest): Promise<CompletionSuggestion | null> {
    const timer = new OverheadTimer();
    try {
      for (let attempt = 0; attempt < 2 && !r.signal.aborted; attempt++) {
        const ruleContext = this.assembler.contextAt(r.doc, r.position);
        const multiline = shouldCompleteMultiline(ruleContext, this.settings.multiline);
        const segments = this.bust(
          windowPrompt(this.assembler.template, cursorWindow(r.doc, r.position, this.limits(), this.estimator), r.doc),
        );
        const estimatedTokens = this.assembler.estimate(segments);
        const params = this.assembler.completeParams({ segments, estimatedTokens, snippets: 0 }, multiline);
        let result: CompleteResult;
        timer.pause();
        try {
          result = await this.context.engine.complete(params, r.signal);
        } catch (e) {
          if (r.signal.aborted || isAbortError(e)) return null;
          if (isPromptTooLong(e) && attempt === 0) {
            // The estimate was low: learn the tokenizer's real ratio and build a smaller window.
            this.estimator.observe(estimatedTokens, reportedPromptTokens(e) ?? Math.ceil(estimatedTokens * 1.25));
            continue;
          }
          throw e;
        } finally {
          timer.resume();
        }
        this.estimator.observe(estimatedTokens, result.accounting.promptTokens);
        if (result.stopReason === 'abort' || r.signal.aborted) return null;
        const truncated = result.stopReason === 'maxTokens' || result.stopReason === 'timeout';
        const { text } = postprocessCompletion(result.text, {
          ...ruleContext,
          multiline,
          maxLines: this.settings.maxLines,
          truncated,
        });
        if (!text) return null;
        const at = ruleContext.position;
        return { insertText: text, range: { start: at, end: at }, source: 'model', multiline: text.includes('\n') };
      }
      return null;
    } finally {
      this.overheadMs.push(timer.stop());
    }
  }

  accepted(): void {}

  /** The baselines keep no extra context. */
  onEditor(): void {}

  counters(): StrategyCounters {
    return { cacheHits: 0, typedAheadHits: 0, inFlightReuses: 0, prefetches: 0, snippets: 0 };
  }

  dispose(): void {}

  /** Naive: every other prompt starts with an extra token, so no call shares a first token with
   * the one before and the engine's KV cache is never reused. */
  private bust(segments: PromptSegment[]): PromptSegment[] {
    if (!this.evaluatesWholePrompt || this.calls++ % 2 === 0) return segments;
    const token = this.context.bustToken;
    return [token ? { special: token } : { text: '\n' }, ...segments];
  }
}
