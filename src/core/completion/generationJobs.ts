// The two jobs the pipeline runs in its generation slot: a completion (prompt → engine →
// post-processing → cache) and a prefill (prompt → engine's KV cache, nothing generated). Results
// go into the cache, never back to a caller: whichever request wants them looks them up there, so
// a generation outlives the request that started it. An aborted generation leaves nothing, and
// one cut by its timeout only a one-time answer (see CompletionCache.offerOnce). Both learn from the engine's exact token
// counts, and time spent outside the engine is recorded as pipeline overhead.
import type { CompleteResult } from '../engine/protocol';
import type { CompletionCache, ContextIdentity } from './completionCache';
import type { CompletionSettings } from './completionSettings';
import { CompletionStats, OverheadTimer } from './completionStats';
import type { CompletionDocument } from './documentWindow';
import type { EngineSpeed } from './engineSpeed';
import {
  type CompletionEngine,
  type PartialAnswer,
  isAbortError,
  isNoFim,
  isPromptTooLong,
  reportedPromptTokens,
} from './engineContract';
import { postprocessCompletion, type RuleContext } from './postprocess';
import type { PromptAssembler } from './promptAssembler';
import type { CompletionContext } from './promptLayout';
import type { TokenEstimator } from './tokenEstimate';
import type { Logger } from '../util/logger';
import type { Clock } from './clock';

/** A slow answer's first words: from `showAt` (clock time) on, the answer so far, cut after its
 * last whole word and post-processed, is offered once to the request waiting for it
 * (`onShown`); the finished answer replaces it in the cache when it comes. */
export interface PartialPlan {
  showAt: number;
  onShown(text: string): void;
}

/** What a generation is for: the slot compares it with later requests. */
export interface GenerationTarget {
  id: ContextIdentity;
  ctx: CompletionContext;
  doc: CompletionDocument;
  multiline: boolean;
}

export interface JobDeps {
  engine: CompletionEngine;
  estimator: TokenEstimator;
  stats: CompletionStats;
  /** Learns the engine's speeds from every answer's timings. */
  speed: EngineSpeed;
  cache: CompletionCache;
  settings: () => CompletionSettings;
  clock: Clock;
  log: Logger;
  /** The engine says the model cannot fill in the middle after all. */
  onNoFim: (message: string) => void;
}

export class GenerationJobs {
  constructor(private readonly deps: JobDeps) {}

  /** Generates the completion for `target` and caches it; resolves with the time the job spent
   * outside the engine (prompt rendering, post-processing), which the request that waited for it
   * counts as its overhead. Returns quietly when aborted. */
  async complete(
    assembler: PromptAssembler,
    target: GenerationTarget,
    signal: AbortSignal,
    partial?: PartialPlan,
  ): Promise<number> {
    const timer = new OverheadTimer();
    await this.run(assembler, target, signal, timer, partial);
    return timer.stop();
  }

  /** Evaluates the prompt for `target` into the engine's KV cache. */
  async prefill(assembler: PromptAssembler, target: GenerationTarget, signal: AbortSignal): Promise<void> {
    const prompt = assembler.render(target.ctx, target.doc);
    const prefill = this.deps.engine.prefill?.bind(this.deps.engine);
    if (!prompt || !prefill || signal.aborted) return;
    this.deps.stats.increment('prefills');
    try {
      const result = await prefill({ segments: prompt.segments, timeoutMs: this.deps.settings().timeoutMs }, signal);
      this.deps.stats.recordAccounting(result.accounting);
      this.deps.speed.observePrefill(result.accounting);
    } catch (e) {
      if (signal.aborted || isAbortError(e)) return;
      // A background evaluation the estimate made too long: learn the ratio, as a call does, so
      // that the call at the pause fits its window; nothing for the user to see.
      if (isPromptTooLong(e)) {
        const actual = reportedPromptTokens(e);
        this.deps.estimator.observe(prompt.estimatedTokens, actual ?? Math.ceil(prompt.estimatedTokens * 1.25));
        return;
      }
      throw e;
    }
  }

  private async run(
    assembler: PromptAssembler,
    target: GenerationTarget,
    signal: AbortSignal,
    timer: OverheadTimer,
    partial: PartialPlan | undefined,
    retried = false,
  ): Promise<void> {
    const { engine, estimator, stats, cache } = this.deps;
    if (signal.aborted) return;
    const prompt = assembler.render(target.ctx, target.doc);
    if (!prompt) return;
    stats.increment('modelCalls');
    let result: CompleteResult;
    const params = assembler.completeParams(prompt, target.multiline, this.deps.settings().timeoutMs);
    const firstWords = partial && this.firstWordsOf(target, signal, partial);
    try {
      timer.pause();
      result = await engine.complete(params, signal, firstWords?.listen);
      firstWords?.end();
      timer.resume();
    } catch (e) {
      firstWords?.end();
      timer.resume();
      if (signal.aborted || isAbortError(e)) return;
      if (isPromptTooLong(e)) {
        // The estimate was low (a tokenizer denser than assumed): learn the exact ratio and retry
        // once with a window fitted to it. The engine rejects an oversized prompt, it never cuts it.
        const actual = reportedPromptTokens(e);
        estimator.observe(prompt.estimatedTokens, actual ?? Math.ceil(prompt.estimatedTokens * 1.25));
        if (!retried) {
          // Same cache key: the waiting request looks up the context it asked for.
          const refitted: GenerationTarget = { ...target, ctx: assembler.contextAt(target.doc, target.ctx.position) };
          return this.run(assembler, refitted, signal, timer, partial, true);
        }
      }
      if (isNoFim(e)) this.deps.onNoFim(e instanceof Error ? e.message : String(e));
      throw e;
    }
    stats.recordAccounting(result.accounting);
    this.deps.speed.observe(result.accounting, result.stopReason !== 'abort' && !signal.aborted);
    estimator.observe(prompt.estimatedTokens, result.accounting.promptTokens);
    if (result.stopReason === 'abort' || signal.aborted) {
      if (firstWords?.offered()) cache.takeOnce(target.id); // no one took the first words: they are stale
      return; // partial output: not an answer
    }
    const timedOut = result.stopReason === 'timeout';
    stats.recordAnswer(timedOut, params.timeoutMs);
    if (timedOut) this.deps.log.debug(`the suggestion timed out after ${params.timeoutMs} ms`);
    const truncated = result.stopReason === 'maxTokens' || timedOut;
    const settings = this.deps.settings();
    const { text, droppedBy } = postprocessCompletion(result.text, {
      ...target.ctx,
      multiline: target.multiline,
      maxLines: settings.maxLines,
      truncated,
    });
    if (droppedBy) this.deps.log.debug(`suggestion dropped by ${droppedBy}`);
    const entry = { text: text ?? '', multiline: target.multiline };
    // Never cache a timeout: a retry finds more of the prompt in the engine's KV cache, and a
    // faster engine (another model, the GPU, a longer timeout) must be asked again. What it wrote
    // still serves the request waiting for it.
    if (!timedOut) cache.set(target.id, entry);
    else if (entry.text) cache.offerOnce(target.id, entry);
  }

  /** Offers the first words of the answer once it is `showAt` and they make at least one whole word. */
  private firstWordsOf(target: GenerationTarget, signal: AbortSignal, plan: PartialPlan) {
    let shown = false;
    let over = false; // a partial text that arrives after the answer says nothing new
    const listen = (answer: PartialAnswer) => {
      if (shown || over || signal.aborted || this.deps.clock.now() < plan.showAt) return;
      const settings = this.deps.settings();
      const text = firstWords(answer.text, {
        ...target.ctx,
        multiline: target.multiline,
        maxLines: settings.maxLines,
        truncated: true,
      });
      if (!text) return;
      shown = true;
      this.deps.stats.increment('partialShows');
      this.deps.cache.offerOnce(target.id, { text, multiline: target.multiline });
      plan.onShown(text);
    };
    return { listen, offered: () => shown, end: () => (over = true) };
  }
}

const WORD_AT_END = /[\p{L}\p{N}_$]+$/u;
const WORD = /[\p{L}\p{N}_$]/u;

/** The part of an unfinished answer worth showing: up to its last whole word (the word being
 * written may go on), post-processed like an answer cut by its cap; undefined while that holds no
 * whole word. */
export function firstWords(raw: string, ctx: RuleContext): string | undefined {
  const whole = raw.replace(WORD_AT_END, '');
  if (!WORD.test(whole)) return undefined;
  const { text } = postprocessCompletion(whole, ctx);
  return text && WORD.test(text) ? text : undefined;
}
