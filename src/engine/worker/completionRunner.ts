// Fill-in-the-middle generation on the completion sequence, written on node-llama-cpp's low-level
// sequence API so that every prompt token is evaluated at most once:
//   - the new prompt is compared with the tokens already in the sequence's KV cache and only the
//     part after the first difference is erased and evaluated (the accounting reports both parts);
//   - a greedy request for exactly the last prompt is replayed from the recorded output, with
//     nothing evaluated at all;
//   - the prompt is evaluated in chunks of about 40 ms of work at the measured speed
//     (src/core/engine/promptPace.ts), so an abort or the wall-clock cap lands within one chunk;
//   - one request at a time on the sequence; a completion pre-empts background work (a prefill, or
//     a re-measurement of the thread count when the prompt speed moved far from its measured figure).
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { PromptPace } from '../../core/engine/promptPace';
import { needsRecalibration } from '../../core/engine/threadChoice';
import type {
  CompleteParams,
  CompleteResult,
  PrefillParams,
  PrefillResult,
  StopReason,
} from '../../core/engine/protocol';
import { EngineError } from './engineError';
import type { LlamaRuntime } from './llamaRuntime';
import { alignSequence, checkFits, readUntilStop, tokenizeSegments } from './generation';
import { Stopwatch } from './stopwatch';
import { healLastToken, type HealedPrompt } from './tokenHealing';

const COMPLETION_PRIORITY = 5;
const PREFILL_PRIORITY = 1;
/** The thread count is measured again at most this often. */
const RETUNE_INTERVAL_MS = 30_000;

export interface CompletionRunnerOptions {
  /** True while other work (a chat answer) shares the cores: its chunks say nothing about the machine. */
  contended(): boolean;
  /** For tests (ALEMBIC_ENGINE_RETUNE_INTERVAL_MS): the shortest time between two measurements. */
  retuneIntervalMs?: number;
}

interface RecordedGeneration {
  prompt: Token[];
  output: Token[];
  text: string;
  stopReason: StopReason;
  key: string;
}

export class CompletionRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private recorded?: RecordedGeneration;
  private runningPrefill?: AbortController;
  private runningRetune?: AbortController;
  private lastTune = performance.now();

  constructor(
    private readonly runtime: LlamaRuntime,
    private readonly options: CompletionRunnerOptions,
  ) {}

  private get pace(): PromptPace {
    return this.runtime.pace;
  }

  /** `onText` hears the answer so far after each token (a request with `stream`). */
  complete(
    params: CompleteParams,
    signal: AbortSignal,
    onText?: (text: string, generatedTokens: number) => void,
  ): Promise<CompleteResult> {
    this.runningPrefill?.abort(); // a real request beats background work
    this.runningRetune?.abort();
    return this.exclusive(() => this.generate(params, signal, onText)).finally(() => this.maybeRetune());
  }

  prefill(params: PrefillParams, signal: AbortSignal): Promise<PrefillResult> {
    const controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    this.runningPrefill = controller;
    this.runningRetune?.abort(); // the warm-up is for the next keystroke: it goes first
    return this.exclusive(async () => {
      const watch = new Stopwatch(params.timeoutMs, controller.signal);
      const { sequence, model } = this.target();
      const tokens = tokenizeSegments(model, params.segments);
      checkFits(tokens.length, 0, sequence.contextSize);
      const reused = await alignSequence(sequence, tokens, tokens.length);
      const evaluated = await this.evaluatePrompt(sequence, tokens.slice(reused), watch, PREFILL_PRIORITY);
      return { accounting: watch.accounting(tokens.length, reused, evaluated, 0) };
    }).finally(() => {
      if (this.runningPrefill === controller) this.runningPrefill = undefined;
    });
  }

  /** Forget the recorded output (the model or its settings changed). */
  reset(): void {
    this.recorded = undefined;
    this.lastTune = performance.now();
  }

  /** When the prompt speed moved far from the figure the thread count was chosen with (another
   * program took the cores or gave them back), measure the count again, as background work. */
  private maybeRetune(): void {
    const drift = this.pace.drift();
    if (!needsRecalibration(drift) || this.options.contended()) return;
    if (performance.now() - this.lastTune < (this.options.retuneIntervalMs ?? RETUNE_INTERVAL_MS)) return;
    this.lastTune = performance.now();
    const because = `the prompt speed ${drift! < 1 ? 'fell' : 'rose'} to ${Math.round(drift! * 100)}% of the measured figure`;
    const controller = new AbortController();
    this.runningRetune = controller;
    void this.exclusive(() => this.runtime.retune(because, controller.signal))
      .catch(() => undefined)
      .finally(() => {
        if (this.runningRetune === controller) this.runningRetune = undefined;
      });
  }

  private exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private target(): { sequence: LlamaContextSequence; model: LlamaModel } {
    const slot = this.runtime.slotFor('completion');
    const binding = slot?.roles.completion;
    if (!slot || !binding) throw new EngineError('noModel', 'No completion model is loaded.');
    if (!binding.info.fim) {
      throw new EngineError(
        'noFim',
        `${binding.info.name} has no fill-in-the-middle tokens, so it cannot complete code. Pick a code completion model (for example Qwen2.5-Coder base).`,
      );
    }
    return { sequence: binding.sequence, model: slot.model };
  }

  /** Evaluates prompt tokens in chunks of about 40 ms of work, stopping between chunks on abort or timeout. */
  private async evaluatePrompt(
    sequence: LlamaContextSequence,
    tokens: Token[],
    watch: Stopwatch,
    priority: 1 | 5,
  ): Promise<number> {
    let done = 0;
    while (done < tokens.length && !watch.stopReason()) {
      const chunk = tokens.slice(done, done + this.pace.chunkTokens());
      const started = performance.now();
      await sequence.evaluateWithoutGeneratingNewTokens(chunk, { evaluationPriority: priority });
      if (!this.options.contended()) this.pace.observe(chunk.length, performance.now() - started);
      done += chunk.length;
    }
    return done;
  }

  private async generate(
    params: CompleteParams,
    signal: AbortSignal,
    onText?: (text: string, generatedTokens: number) => void,
  ): Promise<CompleteResult> {
    const watch = new Stopwatch(params.timeoutMs, signal);
    const { sequence, model } = this.target();
    const tokens = tokenizeSegments(model, params.segments);
    checkFits(tokens.length, 1, sequence.contextSize);
    const healed = params.healLastToken ? await healLastToken(model, params.segments, tokens) : undefined;
    const prompt = healed?.prompt ?? tokens;
    const maxTokens = Math.min(params.maxTokens, sequence.contextSize - prompt.length);

    const key = JSON.stringify([
      params.maxTokens,
      params.stop ?? [],
      params.temperature ?? 0,
      params.topK,
      params.topP,
      params.seed,
      healed?.removed,
    ]);
    const greedy = (params.temperature ?? 0) === 0;
    const replay = greedy ? this.replay(sequence, prompt, key) : undefined;
    if (replay) return replay(watch);

    const reused = await alignSequence(sequence, prompt, prompt.length - 1);
    let evaluated = await this.evaluatePrompt(sequence, prompt.slice(reused, -1), watch, COMPLETION_PRIORITY);
    const output: Token[] = [];
    let text = '';
    let stopReason: StopReason = 'maxTokens';
    let predictionsBefore: LlamaContextSequence['tokenPredictions'] | undefined;
    if (watch.stopReason()) {
      stopReason = watch.stopReason()!;
    } else {
      evaluated += 1; // the last prompt token, evaluated by the generator below
      sequence.tokenPredictor?.updateInputTokens(prompt);
      predictionsBefore = sequence.tokenPredictor ? sequence.tokenPredictions : undefined;
      const generator = sequence.evaluate([prompt[prompt.length - 1]!], {
        temperature: params.temperature ?? 0,
        topK: params.topK,
        topP: params.topP,
        seed: params.seed,
        evaluationPriority: COMPLETION_PRIORITY,
        yieldEogToken: true,
        ...(healed && { tokenBias: () => (output.length === 0 ? healed.firstTokenBias : healed.laterTokenBias) }),
      });
      ({ text, stopReason } = await readUntilStop(generator, output, {
        model,
        watch,
        stop: params.stop,
        maxTokens,
        textOf: (raw) => withoutHealed(raw, healed),
        onText,
      }));
    }
    this.recorded = { prompt, output, text, stopReason, key };
    return {
      text,
      stopReason,
      accounting: {
        ...watch.accounting(prompt.length, reused, evaluated, output.length),
        ...(predictionsBefore && { drafted: draftedSince(predictionsBefore, sequence.tokenPredictions) }),
      },
      replayed: false,
    };
  }

  /** A greedy generation for the same prompt and options gives the same tokens: reuse them. */
  private replay(
    sequence: LlamaContextSequence,
    prompt: Token[],
    key: string,
  ): ((w: Stopwatch) => CompleteResult) | undefined {
    const rec = this.recorded;
    if (!rec || rec.key !== key) return undefined;
    if (rec.stopReason !== 'eos' && rec.stopReason !== 'stop' && rec.stopReason !== 'maxTokens') return undefined;
    if (rec.prompt.length !== prompt.length || rec.prompt.some((t, i) => t !== prompt[i])) return undefined;
    if (sequence.compareContextTokens(prompt).firstDifferentIndex < prompt.length) return undefined;
    return (watch) => ({
      text: rec.text,
      stopReason: rec.stopReason,
      accounting: watch.accounting(prompt.length, prompt.length, 0, 0),
      replayed: true,
    });
  }
}

/** What the sequence's token predictor drafted during one generation. */
function draftedSince(
  before: LlamaContextSequence['tokenPredictions'],
  after: LlamaContextSequence['tokenPredictions'],
): { accepted: number; refuted: number } {
  return { accepted: after.used - before.used, refuted: after.refuted - before.refuted };
}

/** The answer after the text healing backed off (the first token starts with it). */
function withoutHealed(text: string, healed: HealedPrompt | undefined): string {
  return healed && text.startsWith(healed.removed) ? text.slice(healed.removed.length) : text;
}
