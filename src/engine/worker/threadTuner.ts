// Picks the CPU thread count by measurement (see src/core/engine/threadChoice.ts for why): a short
// prompt evaluation with each candidate count, the fastest kept. node-llama-cpp applies
// `llama.maxThreads` before every batch it decodes (its ThreadsSplitter hands each context at
// most that many), so the count changes without recreating a context; contexts are created with
// the largest candidate as their ideal. The measurement appends its tokens after whatever the
// sequence holds and erases them afterwards, so a warm KV cache survives a re-check.
import type { Llama, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { ThreadsInfo } from '../../core/engine/protocol';
import { chooseThreads, threadCandidates, type ThreadMeasurement } from '../../core/engine/threadChoice';
import type { PromptPace } from '../../core/engine/promptPace';

/** Work per candidate: about this long, at most MAX_TOKENS tokens. */
const MEASURE_MS = 200;
const MAX_TOKENS = 256;
const CHUNK = 32;

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
      Math.min(MAX_TOKENS + CHUNK, sequence.contextSize - sequence.nextTokenIndex - 1),
    );
    const measured: ThreadMeasurement[] = [];
    const start = sequence.nextTokenIndex;
    try {
      for (const threads of threadCandidates(cpuMathCores)) {
        if (signal?.aborted || tokens.length <= CHUNK) break;
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

/** Evaluates chunks after `start` until MEASURE_MS passed (the first chunk warms up, untimed). */
async function measure(
  sequence: LlamaContextSequence,
  tokens: Token[],
  start: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  if (sequence.nextTokenIndex > start)
    await sequence.eraseContextTokenRanges([{ start, end: sequence.nextTokenIndex }]);
  await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, CHUNK));
  let done = CHUNK;
  const began = performance.now();
  while (done + CHUNK <= tokens.length && performance.now() - began < MEASURE_MS && !signal?.aborted) {
    await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(done, done + CHUNK));
    done += CHUNK;
  }
  const ms = performance.now() - began;
  return ms > 0 ? ((done - CHUNK) * 1000) / ms : 0;
}

function sampleTokens(model: LlamaModel, count: number): Token[] {
  if (count <= 0) return [];
  const once = model.tokenize(SAMPLE, false);
  const tokens: Token[] = [];
  while (tokens.length < count && once.length > 0) tokens.push(...once);
  return tokens.slice(0, count);
}
