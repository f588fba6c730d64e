// How much memory a model needs with a given context, estimated from its GGUF header before
// anything is loaded, and what to change when it cannot fit. llama.cpp's own numbers (see its load
// log) are: the weights (the tensors' bytes), a KV cache per context of
//   block_count × head_count_kv × (key_length + value_length) × context × 2 bytes (f16),
// and compute buffers per context, dominated by the output logits of a batch
// (vocabulary × batch × 4 bytes) and, with flash attention (llama.cpp's default where the backend
// has it), the attention mask (context × batch × 2 bytes). Measured on the suite's test model:
// KV 4.00 / 16.00 MiB and compute 8.0 / 14.0 MiB at 2048 / 8192 tokens, as estimated here to within
// 1 MiB. The estimate refuses only what cannot fit (it errs low) and gives the remedy;
// node-llama-cpp's own fitting still sizes an automatic context.
import { metadataInteger, metadataString, type GgufHeader } from '../gguf/ggufReader';
import { formatBytes } from '../util/format';

/** What the estimate needs from a model's header. */
export interface ModelShape {
  name: string;
  architecture: string;
  /** The tensors' bytes: what llama.cpp maps or copies. */
  weightBytes: number;
  parameterCount: number;
  blockCount: number;
  headCount: number;
  headCountKv: number;
  /** Per head. */
  keyLength: number;
  valueLength: number;
  feedForwardLength: number;
  embeddingLength: number;
  vocabSize: number;
}

/** Architectures whose state is not a per-token KV cache (recurrent models). */
const RECURRENT = /^(mamba|mamba2|rwkv\d*|rwkv\d*qwen\d*)$/;

/** Bits per weight of a Q4_K_M file, the usual "smaller quantization" to suggest. */
const Q4_K_M_BITS = 4.85;
/** The largest batch llama.cpp's compute graph is reserved for (node-llama-cpp's default batch). */
const BATCH = 512;
/** Fixed overhead per context beyond the formulas (graph metadata, small buffers). */
const CONTEXT_OVERHEAD = 1024 * 1024;

export function modelShapeFromHeader(header: GgufHeader, name: string): ModelShape {
  const meta = header.metadata;
  const arch = metadataString(meta.get('general.architecture')) ?? '';
  const int = (key: string) => metadataInteger(meta.get(`${arch}.${key}`));
  const embeddingLength = int('embedding_length') ?? 0;
  const headCount = int('attention.head_count') ?? 0;
  // Per-layer head counts (arrays) are not kept by the reader: the layer-wide count stands in.
  const headCountKv = int('attention.head_count_kv') ?? headCount;
  const headDim = headCount > 0 ? Math.floor(embeddingLength / headCount) : 0;
  return {
    name,
    architecture: arch,
    weightBytes: header.tensors.reduce((sum, t) => sum + t.byteSize, 0),
    parameterCount: header.tensors.reduce((sum, t) => sum + t.elementCount, 0),
    blockCount: int('block_count') ?? 0,
    headCount,
    headCountKv,
    keyLength: int('attention.key_length') ?? headDim,
    valueLength: int('attention.value_length') ?? headDim,
    feedForwardLength: int('feed_forward_length') ?? 4 * embeddingLength,
    embeddingLength,
    vocabSize: header.vocabulary?.size ?? 0,
  };
}

/** Bytes of the KV cache of one context of `contextSize` tokens (f16 keys and values). */
export function kvCacheBytes(shape: ModelShape, contextSize: number): number {
  if (RECURRENT.test(shape.architecture)) return 0;
  return shape.blockCount * shape.headCountKv * (shape.keyLength + shape.valueLength) * contextSize * 2;
}

/** Bytes of the compute buffers of one context. */
export function computeBufferBytes(shape: ModelShape, contextSize: number): number {
  const batch = Math.min(BATCH, contextSize);
  const logits = shape.vocabSize * batch * 4;
  const mask = contextSize * batch * 2;
  const activations = batch * (4 * shape.embeddingLength + 2 * shape.feedForwardLength) * 4;
  return logits + mask + activations + CONTEXT_OVERHEAD;
}

export interface ContextPlan {
  role: string;
  /** Tokens; for an automatic size, the smallest it may shrink to. */
  contextSize: number;
  /** True when the size is fitted to memory at load (it can shrink, the estimate uses its minimum). */
  automatic: boolean;
}

export interface MemoryNeed {
  weightBytes: number;
  kvBytes: number;
  computeBytes: number;
  totalBytes: number;
}

export function memoryNeed(shape: ModelShape, contexts: ContextPlan[]): MemoryNeed {
  const kvBytes = contexts.reduce((sum, c) => sum + kvCacheBytes(shape, c.contextSize), 0);
  const computeBytes = contexts.reduce((sum, c) => sum + computeBufferBytes(shape, c.contextSize), 0);
  return {
    weightBytes: shape.weightBytes,
    kvBytes,
    computeBytes,
    totalBytes: shape.weightBytes + kvBytes + computeBytes,
  };
}

export interface MemoryBudget {
  /** RAM the engine may use (available RAM plus what loading will free). */
  ramBytes: number;
  /** Free GPU memory the weights and caches may use instead; 0 on the CPU. */
  vramBytes: number;
  onGpu: boolean;
}

export type FitVerdict = { fits: true; need: MemoryNeed } | { fits: false; need: MemoryNeed; message: string };

/**
 * Whether the model with these contexts can fit, and when it cannot, a message that says how much
 * it needs, what is available and what to change. The check is deliberately one-sided: it refuses
 * only what cannot fit even in RAM and GPU memory together.
 */
export function checkMemoryFit(shape: ModelShape, contexts: ContextPlan[], budget: MemoryBudget): FitVerdict {
  const need = memoryNeed(shape, contexts);
  const available = budget.ramBytes + (budget.onGpu ? budget.vramBytes : 0);
  if (need.totalBytes <= available) return { fits: true, need };
  return { fits: false, need, message: insufficientMemoryMessage(shape, contexts, need, available, budget.onGpu) };
}

function insufficientMemoryMessage(
  shape: ModelShape,
  contexts: ContextPlan[],
  need: MemoryNeed,
  available: number,
  onGpu: boolean,
): string {
  const sizes = contexts.map((c) => `${c.contextSize}`).join(' + ');
  const where = onGpu ? 'RAM and GPU memory' : 'RAM';
  const head =
    `${shape.name} needs about ${formatBytes(need.totalBytes)} with these settings (weights ${formatBytes(need.weightBytes)}, ` +
    `KV cache ${formatBytes(need.kvBytes)} for ${sizes} tokens of context, compute buffers ${formatBytes(need.computeBytes)}), ` +
    `but about ${formatBytes(available)} of ${where} is available.`;
  return `${head} ${memoryRemedy(shape, onGpu, largestFittingContext(shape, contexts, available) ?? null)}`;
}

const CONTEXT_SETTING = '(setting alembic.engine.contextSize, or --context-size on the command line)';

/** What to change, most effective first: the context, the quantization, the GPU. `fittingContext`
 * is the largest context that fits, null when none does, undefined when it is not known. */
export function memoryRemedy(shape: ModelShape | undefined, onGpu: boolean, fittingContext?: number | null): string {
  const ways: string[] = [];
  if (fittingContext === undefined) ways.push(`lower the context size ${CONTEXT_SETTING}`);
  else if (fittingContext !== null)
    ways.push(`lower the context size to ${fittingContext} tokens or less ${CONTEXT_SETTING}`);
  const bits = shape && shape.parameterCount > 0 ? (shape.weightBytes * 8) / shape.parameterCount : 0;
  if (shape && bits > Q4_K_M_BITS + 0.5) {
    const smaller = (shape.parameterCount * Q4_K_M_BITS) / 8;
    ways.push(`choose a smaller quantization of this model (a Q4_K_M file of it is about ${formatBytes(smaller)})`);
  } else {
    ways.push('choose a smaller quantization or a model with fewer parameters');
  }
  if (!onGpu) ways.push('run it on a GPU if this machine has one (setting alembic.engine.gpu, or --gpu)');
  ways.push('or close other programs to free memory');
  return `To make it fit: ${ways.join('; ')}.`;
}

/** The largest context size (a multiple of 256, at least 512) with which every context fits; undefined if none. */
export function largestFittingContext(
  shape: ModelShape,
  contexts: ContextPlan[],
  available: number,
): number | undefined {
  const fits = (size: number) =>
    memoryNeed(
      shape,
      contexts.map((c) => ({ ...c, contextSize: Math.min(c.contextSize, size) })),
    ).totalBytes <= available;
  const largest = Math.max(...contexts.map((c) => c.contextSize));
  if (!fits(512)) return undefined;
  let lo = 512;
  let hi = largest;
  while (hi - lo > 256) {
    const mid = Math.floor((lo + hi) / 2 / 256) * 256;
    if (mid <= lo) break;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo < largest ? lo : undefined;
}

/** node-llama-cpp's "too large for the available RAM/VRAM", said with what to change. */
export function withMemoryRemedy(message: string, shape: ModelShape | undefined, onGpu: boolean): string {
  return `${message.replace(/\.?\s*$/, '.')} ${memoryRemedy(shape, onGpu)}`;
}
