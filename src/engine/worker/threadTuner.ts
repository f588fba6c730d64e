// Picks the CPU thread count by measurement (see src/core/engine/threadChoice.ts for why): a short
// prompt evaluation with each candidate count (about 200 ms whatever the model's speed: the chunks
// are sized by a warm-up), the fastest kept. node-llama-cpp applies
// `llama.maxThreads` before every batch it decodes (its ThreadsSplitter hands each context at
// most that many), so the count changes without recreating a context; contexts are created with
// the largest candidate as their ideal. The measurement appends its tokens after whatever the
// sequence holds and erases them afterwards, so a warm KV cache survives a re-check.
import type { Llama, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { ThreadsInfo } from '../../core/engine/protocol';
import {
  chooseThreads,
  keepMeasuring,
  MEASUREMENT,
  measurementChunk,
  threadCandidates,
  type ThreadMeasurement,
} from '../../core/engine/threadChoice';
import type { PromptPace } from '../../core/engine/promptPace';

/** Tokens per candidate at most (a fast model is measured on these in less than the time budget). */
const MAX_TOKENS = 256;

// Ordinary code, so the measured speed is that of real prompts (not of one repeated token).
const SAMPLE = `export function totalPrice(items: { price: number; quantity: number }[]): number {
  let total = 0;
  for (const item of items) {
    if (item.quantity <= 0) continue;
    total += item.price * item.quantity;
  }
  return Math.round(total * 100) / 100;
}
`;

export class ThreadTuner {
  private info?: ThreadsInfo;

  constructor(
    private readonly llama: Llama,
    private readonly pace: PromptPace,
  ) {}

  get current(): ThreadsInfo | undefined {
    return this.info;
  }

  /** The largest count a context may be asked to use (its "ideal"): the setting or the largest candidate. */
  ideal(setting: number): number {
    return setting > 0 ? setting : Math.max(...threadCandidates(this.llama.cpuMathCores));
  }

  /** Before contexts are created: lets them be created with `ideal` threads. */
  prepare(setting: number): void {
    this.llama.maxThreads = this.ideal(setting);
  }

  /** Uses the setting, or measures the candidates on `sequence` and keeps the fastest. */
  async tune(
    setting: number,
    sequence: LlamaContextSequence,
    model: LlamaModel,
    because: string,
    signal?: AbortSignal,
  ): Promise<ThreadsInfo> {
    const cpuMathCores = this.llama.cpuMathCores;
    if (setting > 0) {
      this.llama.maxThreads = setting;
      this.info = { count: setting, source: 'setting', cpuMathCores, measured: [] };
      return this.info;
    }
    const started = performance.now();
    const previous = this.llama.maxThreads;
    const tokens = sampleTokens(
      model,
      Math.min(MEASUREMENT.warmUpTokens + MAX_TOKENS, sequence.contextSize - sequence.nextTokenIndex - 1),
    );
    const measured: ThreadMeasurement[] = [];
    const start = sequence.nextTokenIndex;
    try {
      for (const threads of threadCandidates(cpuMathCores)) {
        if (signal?.aborted || tokens.length < MEASUREMENT.warmUpTokens + MEASUREMENT.minChunk) break;
        this.llama.maxThreads = threads;
        measured.push({ threads, tokensPerSecond: await measure(sequence, tokens, start, signal) });
      }
    } finally {
      if (sequence.nextTokenIndex > start)
        await sequence.eraseContextTokenRanges([{ start, end: sequence.nextTokenIndex }]);
    }
    const best = chooseThreads(measured);
    if (!best || signal?.aborted) {
      this.llama.maxThreads = previous; // an interrupted re-check keeps the count it had
      return this.info ?? { count: previous, source: 'measured', cpuMathCores, measured };
    }
    this.llama.maxThreads = best.threads;
    this.pace.calibrated(best.tokensPerSecond);
    this.info = {
      count: best.threads,
      source: 'measured',
      cpuMathCores,
      measured: measured.map((m) => ({ ...m, tokensPerSecond: Math.round(m.tokensPerSecond) })),
      measuredBecause: because,
      measureMs: Math.round(performance.now() - started),
    };
    return this.info;
  }
}

/** Evaluates a warm-up chunk after `start`, then chunks of about 40 ms of work (sized by the
 * warm-up's speed) for about MEASUREMENT.budgetMs, and returns the timed chunks' speed. */
async function measure(
  sequence: LlamaContextSequence,
  tokens: Token[],
  start: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  if (sequence.nextTokenIndex > start)
    await sequence.eraseContextTokenRanges([{ start, end: sequence.nextTokenIndex }]);
  const warmUp = tokens.slice(0, MEASUREMENT.warmUpTokens);
  const warmUpStarted = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(warmUp);
  const chunk = measurementChunk((warmUp.length * 1000) / Math.max(0.1, performance.now() - warmUpStarted));
  let done = warmUp.length;
  let timedChunks = 0;
  let lastChunkMs = 0;
  const began = performance.now();
  while (
    done + chunk <= tokens.length &&
    keepMeasuring(performance.now() - began, lastChunkMs, timedChunks) &&
    !signal?.aborted
  ) {
    const chunkStarted = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(done, done + chunk));
    lastChunkMs = performance.now() - chunkStarted;
    done += chunk;
    timedChunks++;
  }
  const ms = performance.now() - began;
  return timedChunks > 0 && ms > 0 ? ((done - warmUp.length) * 1000) / ms : 0;
}

function sampleTokens(model: LlamaModel, count: number): Token[] {
  if (count <= 0) return [];
  const once = model.tokenize(SAMPLE, false);
  const tokens: Token[] = [];
  while (tokens.length < count && once.length > 0) tokens.push(...once);
  return tokens.slice(0, count);
}
