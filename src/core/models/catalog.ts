// The models Alembic offers to download. Sizes are approximate (they only drive the recommendation
// and the "needs about X" texts); the downloader learns the exact size from the server. A sha256
// appears only where it is known for certain: a wrong one would make every download fail, and
// without one the downloader still verifies the hash Hugging Face announces (X-Linked-Etag).

/** 'nextEdit': a next-edit model (it rewrites a region of the file from the user's recent edits). */
export type ModelPurpose = 'completion' | 'chat' | 'nextEdit';

/** Families whose GGUF files carry fill-in-the-middle tokens (base/code models). */
export const FIM_FAMILIES = ['qwen2.5-coder', 'deepseek-coder', 'starcoder2', 'codegemma'] as const;

/** Next-edit model families: each speaks one prompt format (src/core/nes/formats). */
export const NEXT_EDIT_MODEL_FAMILIES = ['sweep-next-edit', 'zeta', 'instinct'] as const;

export type ModelFamily =
  (typeof FIM_FAMILIES)[number] | 'deepseek-r1-distill-qwen' | (typeof NEXT_EDIT_MODEL_FAMILIES)[number];

export interface CatalogModel {
  /** Short kebab id, stable across versions: saved choices refer to it. */
  readonly id: string;
  readonly displayName: string;
  readonly family: ModelFamily;
  /** 'completion' means the file can fill in the middle; 'chat' means it follows instructions. */
  readonly purpose: readonly ModelPurpose[];
  /** A reasoning model: it thinks in <think>…</think> before answering (slower, better at hard questions). */
  readonly reasoning: boolean;
  readonly huggingFaceRepo: string;
  readonly fileName: string;
  readonly downloadUrl: string;
  /** Approximate file size. */
  readonly sizeBytes: number;
  /** Approximate memory to run it: weights + f16 KV cache for 8k tokens + compute buffers. */
  readonly memoryBytes: number;
  readonly parameterCount: number;
  readonly quantization: 'Q8_0' | 'Q4_K_M';
  readonly sha256?: string;
  readonly description: string;
}

const GB = 1e9;
const MB = 1e6;

/** Context the memory estimate assumes: enough for completion windows and a short chat. */
const ESTIMATE_CONTEXT_TOKENS = 8192;
/** Compute buffers and runtime overhead llama.cpp adds on top of weights and KV cache. */
const RUNTIME_OVERHEAD_BYTES = 400 * MB;

/** f16 K and V for every layer: 2 × layers × kvHeads × headDim × 2 bytes per token. */
function kvBytesPerToken(layers: number, kvHeads: number, headDim: number): number {
  return 2 * layers * kvHeads * headDim * 2;
}

interface Entry extends Omit<CatalogModel, 'downloadUrl' | 'memoryBytes' | 'reasoning'> {
  reasoning?: boolean;
  /** Architecture numbers for the KV-cache estimate: [layers, KV heads, head dimension]. */
  kv: [number, number, number];
}

function entry(e: Entry): CatalogModel {
  const { kv, ...rest } = e;
  return Object.freeze({
    ...rest,
    purpose: Object.freeze([...e.purpose]),
    reasoning: e.reasoning ?? false,
    downloadUrl: `https://huggingface.co/${e.huggingFaceRepo}/resolve/main/${e.fileName}`,
    memoryBytes: Math.round(e.sizeBytes + kvBytesPerToken(...kv) * ESTIMATE_CONTEXT_TOKENS + RUNTIME_OVERHEAD_BYTES),
  });
}

// Qwen2.5-Coder base files are the ones llama.cpp's own --fim-qwen-* presets and llama.vscode use.
const QWEN_CODER: CatalogModel[] = [
  entry({
    id: 'qwen2.5-coder-0.5b-base-q8',
    displayName: 'Qwen2.5-Coder 0.5B',
    family: 'qwen2.5-coder',
    purpose: ['completion'],
    huggingFaceRepo: 'ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF',
    fileName: 'qwen2.5-coder-0.5b-q8_0.gguf',
    sizeBytes: 531 * MB,
    parameterCount: 494e6,
    quantization: 'Q8_0',
    kv: [24, 2, 64],
    description: 'Tiny and fast completion model for CPUs and small GPUs; short, simple suggestions.',
  }),
  entry({
    id: 'qwen2.5-coder-1.5b-base-q8',
    displayName: 'Qwen2.5-Coder 1.5B',
    family: 'qwen2.5-coder',
    purpose: ['completion'],
    huggingFaceRepo: 'ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF',
    fileName: 'qwen2.5-coder-1.5b-q8_0.gguf',
    sizeBytes: 1.65 * GB,
    parameterCount: 1.54e9,
    quantization: 'Q8_0',
    kv: [28, 2, 128],
    description: 'The best balance for completions on laptops and GPUs with under 8 GB.',
  }),
  entry({
    id: 'qwen2.5-coder-3b-base-q8',
    displayName: 'Qwen2.5-Coder 3B',
    family: 'qwen2.5-coder',
    purpose: ['completion'],
    huggingFaceRepo: 'ggml-org/Qwen2.5-Coder-3B-Q8_0-GGUF',
    fileName: 'qwen2.5-coder-3b-q8_0.gguf',
    sizeBytes: 3.29 * GB,
    parameterCount: 3.09e9,
    quantization: 'Q8_0',
    kv: [36, 2, 128],
    description: 'Better multi-line completions; wants a GPU with 8 GB or more.',
  }),
  entry({
    id: 'qwen2.5-coder-7b-base-q8',
    displayName: 'Qwen2.5-Coder 7B',
    family: 'qwen2.5-coder',
    purpose: ['completion'],
    huggingFaceRepo: 'ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF',
    fileName: 'qwen2.5-coder-7b-q8_0.gguf',
    sizeBytes: 8.1 * GB,
    parameterCount: 7.62e9,
    quantization: 'Q8_0',
    kv: [28, 4, 128],
    description: 'The strongest completion model here; for GPUs with 16 GB or more.',
  }),
  entry({
    id: 'qwen2.5-coder-0.5b-instruct-q8',
    displayName: 'Qwen2.5-Coder 0.5B Instruct',
    family: 'qwen2.5-coder',
    purpose: ['chat'],
    huggingFaceRepo: 'Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF',
    fileName: 'qwen2.5-coder-0.5b-instruct-q8_0.gguf',
    sizeBytes: 676 * MB,
    parameterCount: 494e6,
    quantization: 'Q8_0',
    kv: [24, 2, 64],
    description: 'Minimal chat model for very small machines; fine for quick questions only.',
  }),
  entry({
    id: 'qwen2.5-coder-1.5b-instruct-q8',
    displayName: 'Qwen2.5-Coder 1.5B Instruct',
    family: 'qwen2.5-coder',
    purpose: ['chat'],
    huggingFaceRepo: 'Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF',
    fileName: 'qwen2.5-coder-1.5b-instruct-q8_0.gguf',
    sizeBytes: 1.89 * GB,
    parameterCount: 1.54e9,
    quantization: 'Q8_0',
    kv: [28, 2, 128],
    description: 'Small chat model that runs well on a CPU: explanations and small edits.',
  }),
  entry({
    id: 'qwen2.5-coder-3b-instruct-q8',
    displayName: 'Qwen2.5-Coder 3B Instruct',
    family: 'qwen2.5-coder',
    purpose: ['chat'],
    huggingFaceRepo: 'Qwen/Qwen2.5-Coder-3B-Instruct-GGUF',
    fileName: 'qwen2.5-coder-3b-instruct-q8_0.gguf',
    sizeBytes: 3.62 * GB,
    parameterCount: 3.09e9,
    quantization: 'Q8_0',
    kv: [36, 2, 128],
    description: 'Capable chat and code actions on a mid-range GPU.',
  }),
  entry({
    id: 'qwen2.5-coder-7b-instruct-q4',
    displayName: 'Qwen2.5-Coder 7B Instruct',
    family: 'qwen2.5-coder',
    purpose: ['chat'],
    huggingFaceRepo: 'Qwen/Qwen2.5-Coder-7B-Instruct-GGUF',
    fileName: 'qwen2.5-coder-7b-instruct-q4_k_m.gguf',
    sizeBytes: 4.68 * GB,
    parameterCount: 7.62e9,
    quantization: 'Q4_K_M',
    kv: [28, 4, 128],
    description: 'The strongest chat model here for everyday coding; needs a GPU with 8 GB or more.',
  }),
];

// DeepSeek-Coder v1 uses full multi-head attention, so its KV cache is several times Qwen's.
const DEEPSEEK_CODER: CatalogModel[] = [
  entry({
    id: 'deepseek-coder-1.3b-base-q8',
    displayName: 'DeepSeek-Coder 1.3B',
    family: 'deepseek-coder',
    purpose: ['completion'],
    huggingFaceRepo: 'TheBloke/deepseek-coder-1.3b-base-GGUF',
    fileName: 'deepseek-coder-1.3b-base.Q8_0.gguf',
    sizeBytes: 1.43 * GB,
    parameterCount: 1.35e9,
    quantization: 'Q8_0',
    kv: [24, 16, 128],
    description: 'Alternative small completion model (16k context, older than Qwen2.5-Coder).',
  }),
  entry({
    id: 'deepseek-coder-6.7b-base-q4',
    displayName: 'DeepSeek-Coder 6.7B',
    family: 'deepseek-coder',
    purpose: ['completion'],
    huggingFaceRepo: 'TheBloke/deepseek-coder-6.7B-base-GGUF',
    fileName: 'deepseek-coder-6.7b-base.Q4_K_M.gguf',
    sizeBytes: 4.08 * GB,
    parameterCount: 6.74e9,
    quantization: 'Q4_K_M',
    kv: [32, 32, 128],
    description: 'Alternative large completion model; its memory use grows fast with context.',
  }),
  entry({
    id: 'deepseek-coder-1.3b-instruct-q8',
    displayName: 'DeepSeek-Coder 1.3B Instruct',
    family: 'deepseek-coder',
    purpose: ['chat'],
    huggingFaceRepo: 'TheBloke/deepseek-coder-1.3b-instruct-GGUF',
    fileName: 'deepseek-coder-1.3b-instruct.Q8_0.gguf',
    sizeBytes: 1.43 * GB,
    parameterCount: 1.35e9,
    quantization: 'Q8_0',
    kv: [24, 16, 128],
    description: 'Alternative small chat model focused on code.',
  }),
  entry({
    id: 'deepseek-coder-6.7b-instruct-q4',
    displayName: 'DeepSeek-Coder 6.7B Instruct',
    family: 'deepseek-coder',
    purpose: ['chat'],
    huggingFaceRepo: 'TheBloke/deepseek-coder-6.7B-instruct-GGUF',
    fileName: 'deepseek-coder-6.7b-instruct.Q4_K_M.gguf',
    sizeBytes: 4.08 * GB,
    parameterCount: 6.74e9,
    quantization: 'Q4_K_M',
    kv: [32, 32, 128],
    description: 'Alternative large chat model focused on code.',
  }),
];

const REASONING: CatalogModel[] = [
  entry({
    id: 'deepseek-r1-distill-qwen-1.5b-q8',
    displayName: 'DeepSeek-R1-Distill-Qwen 1.5B',
    family: 'deepseek-r1-distill-qwen',
    purpose: ['chat'],
    reasoning: true,
    huggingFaceRepo: 'bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF',
    fileName: 'DeepSeek-R1-Distill-Qwen-1.5B-Q8_0.gguf',
    sizeBytes: 1.89 * GB,
    parameterCount: 1.78e9,
    quantization: 'Q8_0',
    kv: [28, 2, 128],
    description: 'Small reasoning model: thinks step by step before answering (slower, math and logic).',
  }),
  entry({
    id: 'deepseek-r1-distill-qwen-7b-q4',
    displayName: 'DeepSeek-R1-Distill-Qwen 7B',
    family: 'deepseek-r1-distill-qwen',
    purpose: ['chat'],
    reasoning: true,
    huggingFaceRepo: 'bartowski/DeepSeek-R1-Distill-Qwen-7B-GGUF',
    fileName: 'DeepSeek-R1-Distill-Qwen-7B-Q4_K_M.gguf',
    sizeBytes: 4.68 * GB,
    parameterCount: 7.62e9,
    quantization: 'Q4_K_M',
    kv: [28, 4, 128],
    description: 'Reasoning model for hard problems; long thinking phase, wants a GPU with 8 GB or more.',
  }),
];

const OTHER_COMPLETION: CatalogModel[] = [
  entry({
    id: 'starcoder2-3b-q8',
    displayName: 'StarCoder2 3B',
    family: 'starcoder2',
    purpose: ['completion'],
    huggingFaceRepo: 'second-state/StarCoder2-3B-GGUF',
    fileName: 'starcoder2-3b-Q8_0.gguf',
    sizeBytes: 3.22 * GB,
    parameterCount: 3.03e9,
    quantization: 'Q8_0',
    kv: [30, 2, 128],
    description: 'Alternative completion model trained on many programming languages (no chat).',
  }),
  entry({
    id: 'codegemma-2b-q8',
    displayName: 'CodeGemma 2B',
    family: 'codegemma',
    purpose: ['completion'],
    huggingFaceRepo: 'bartowski/codegemma-2b-GGUF',
    fileName: 'codegemma-2b-Q8_0.gguf',
    sizeBytes: 2.67 * GB,
    parameterCount: 2.51e9,
    quantization: 'Q8_0',
    kv: [18, 1, 256],
    description: 'Alternative fast completion model from Google (no chat).',
  }),
];

// Next-edit models: all three are Qwen2.5-Coder fine-tunes. Sweep's files are the ones its own
// JetBrains plugin downloads; Zeta's is LM Studio's conversion of zed-industries/zeta; Instinct's
// is QuantFactory's conversion of continuedev/instinct (Continue's own is for Ollama).
const NEXT_EDIT: CatalogModel[] = [
  entry({
    id: 'sweep-next-edit-0.5b-q8',
    displayName: 'Sweep Next-Edit 0.5B',
    family: 'sweep-next-edit',
    purpose: ['nextEdit'],
    huggingFaceRepo: 'sweepai/sweep-next-edit-0.5B',
    fileName: 'sweep-next-edit-0.5b.q8_0.gguf',
    sizeBytes: 531 * MB,
    parameterCount: 494e6,
    quantization: 'Q8_0',
    kv: [24, 2, 64],
    description: 'Smallest next-edit model: fast on any CPU, right a little less often than 1.5B.',
  }),
  entry({
    id: 'sweep-next-edit-1.5b-q8',
    displayName: 'Sweep Next-Edit 1.5B',
    family: 'sweep-next-edit',
    purpose: ['nextEdit'],
    huggingFaceRepo: 'sweepai/sweep-next-edit-1.5B',
    fileName: 'sweep-next-edit-1.5b.q8_0.v2.gguf',
    sizeBytes: 1.65 * GB,
    parameterCount: 1.54e9,
    quantization: 'Q8_0',
    kv: [28, 2, 128],
    description: 'The recommended next-edit model: suggests the rest of a rename or refactor, locally.',
  }),
  entry({
    id: 'zeta-7b-q4',
    displayName: 'Zeta 7B',
    family: 'zeta',
    purpose: ['nextEdit'],
    huggingFaceRepo: 'lmstudio-community/zeta-GGUF',
    fileName: 'zeta-Q4_K_M.gguf',
    sizeBytes: 4.68 * GB,
    parameterCount: 7.62e9,
    quantization: 'Q4_K_M',
    kv: [28, 4, 128],
    description: "Zed's next-edit model; needs a GPU with 8 GB or more to answer quickly.",
  }),
  entry({
    id: 'instinct-7b-q4',
    displayName: 'Instinct 7B',
    family: 'instinct',
    purpose: ['nextEdit'],
    huggingFaceRepo: 'QuantFactory/instinct-GGUF',
    fileName: 'instinct.Q4_K_M.gguf',
    sizeBytes: 4.68 * GB,
    parameterCount: 7.62e9,
    quantization: 'Q4_K_M',
    kv: [28, 4, 128],
    description: "Continue's next-edit model; needs a GPU with 8 GB or more to answer quickly.",
  }),
];

export const MODEL_CATALOG: readonly CatalogModel[] = Object.freeze([
  ...QWEN_CODER,
  ...DEEPSEEK_CODER,
  ...REASONING,
  ...OTHER_COMPLETION,
  ...NEXT_EDIT,
]);

export function findCatalogModel(id: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((m) => m.id === id);
}

/** The catalog entry whose file this is, matched by file name (what is on disk after a download). */
export function catalogModelForFile(fileName: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((m) => m.fileName === fileName);
}

/** Where to download a catalog model from. ALEMBIC_MODEL_MIRROR (an https or loopback base URL)
 * replaces https://huggingface.co, for mirrors and offline tests; the extension and the CLI both
 * read it here. */
export function modelDownloadUrl(model: CatalogModel, mirror = process.env.ALEMBIC_MODEL_MIRROR): string {
  const base = mirror?.replace(/\/+$/, '');
  return base ? model.downloadUrl.replace('https://huggingface.co', base) : model.downloadUrl;
}
