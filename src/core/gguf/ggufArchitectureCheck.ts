// The architecture checks of the pre-check: the `<arch>.*` hyperparameters against llama.cpp's own
// assertions (src/llama-model.cpp load_hparams, src/llama-model-loader.cpp create_tensor) and
// against the tensors the file holds, so that a file llama.cpp would abort on is refused first.
// The rules are written per layer from the tensors present rather than per architecture: a layer
// with attention weights needs attention heads, a layer with a dense feed-forward needs its width,
// which holds as well for hybrid models whose recurrent layers have none.
import { GgufCheckError } from './ggufCheckError';
import {
  metadataInteger,
  metadataString,
  quoteForMessage,
  type GgufHeader,
  type GgufMetadataValue,
} from './ggufHeader';
import { GgufValueType } from './ggufTypes';
import { LLAMA_ARCHITECTURES } from './llamaArchitectures';

/** llama.cpp's LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS. */
export const MAX_LAYERS = 512;
export const MAX_EXPERTS = 1024;
/** The widest tensor dimension llama.cpp's 32-bit hyperparameter arithmetic can hold. */
const MAX_WIDTH = 2 ** 31 - 1;

/** llama_rope_scaling_type_from_string accepts these; anything else fails an assertion. */
const ROPE_SCALING_TYPES = ['none', 'linear', 'yarn', 'longrope'];

/** ggml types no llama.cpp backend computes with as weights (intermediate or integer types): a
 * weight of one of them crashed llama.cpp (a segmentation fault or an assertion) in `npm run fuzz`. */
const NOT_WEIGHT_TYPES = new Set(['Q8_1', 'Q8_K', 'I8', 'I16', 'I32', 'I64', 'F64']);

const LAYER_TENSOR = /^blk\.(\d+)\./;
const ATTENTION_WEIGHT = /^blk\.(\d+)\.attn_(q|k|v|qkv|output|q_a|q_b|kv_a_mqa|kv_b|k_b|v_b)\.weight$/;
const DENSE_FFN_WEIGHT = /^blk\.(\d+)\.ffn_(up|gate|down)\.weight$/;
const EXPERT_WEIGHT = /^blk\.\d+\.ffn_(up|gate|down|gate_up)_exps\.weight$/;

function malformed(message: string): never {
  throw new GgufCheckError('malformed', message);
}

/** Per-layer values of a key that may be one number for every layer or an array of them. */
function perLayer(key: string, value: GgufMetadataValue | undefined, layers: number): number[] | undefined {
  if (!value) return undefined;
  if (value.type === GgufValueType.ARRAY) {
    if (!value.values) malformed(`${key} must be a number or an array of numbers, one per layer.`);
    if (value.values.length !== layers)
      malformed(`${key} has ${value.values.length} values, but the model has ${layers} layers.`);
    return value.values;
  }
  const n = metadataInteger(value);
  if (n === undefined) return undefined; // a wrong type: llama.cpp refuses it with a clear message
  return new Array<number>(layers).fill(n);
}

function number(value: GgufMetadataValue | undefined): number | undefined {
  if (!value || value.type === GgufValueType.ARRAY) return undefined;
  return typeof value.value === 'number' || typeof value.value === 'bigint' ? Number(value.value) : undefined;
}

/** The layer indices that have a tensor matching `pattern`. */
function layersWith(header: GgufHeader, pattern: RegExp): Set<number> {
  const layers = new Set<number>();
  for (const t of header.tensors) {
    const m = pattern.exec(t.name);
    if (m) layers.add(Number(m[1]));
  }
  return layers;
}

/** Refuses hyperparameters and tensors llama.cpp would abort on while loading `arch`. */
export function checkArchitecture(header: GgufHeader, arch: string): void {
  // An architecture llama.cpp does not know is refused by llama.cpp before it reads anything else.
  if (!LLAMA_ARCHITECTURES.has(arch)) return;
  const meta = header.metadata;
  const key = (suffix: string) => `${arch}.${suffix}`;
  const get = (suffix: string) => meta.get(key(suffix));

  const blockCount = metadataInteger(get('block_count'));
  if (blockCount === undefined)
    malformed(`The file has no ${key('block_count')} (its number of layers), or it is not an integer.`);
  if (blockCount < 1 || blockCount > MAX_LAYERS)
    malformed(`${key('block_count')} is ${blockCount}; llama.cpp accepts 1 to ${MAX_LAYERS} layers.`);
  checkLayerTensors(header, key('block_count'), blockCount);
  const nextn = metadataInteger(get('nextn_predict_layers'));
  if (nextn !== undefined && (nextn < 0 || nextn > blockCount))
    malformed(`${key('nextn_predict_layers')} is ${nextn}, more than the ${blockCount} layers.`);

  const embedding = metadataInteger(get('embedding_length'));
  if (embedding !== undefined && (embedding < 1 || embedding > MAX_WIDTH))
    malformed(`${key('embedding_length')} is ${embedding}; it must be from 1 to ${MAX_WIDTH}.`);
  checkAttention(header, arch, blockCount);
  checkFeedForward(header, arch, blockCount);
  checkExperts(header, arch, blockCount);

  const rope = get('rope.scaling.type');
  const ropeType = metadataString(rope);
  if (ropeType !== undefined && !ROPE_SCALING_TYPES.includes(ropeType)) {
    malformed(
      `${key('rope.scaling.type')} is ${quoteForMessage(ropeType)}; llama.cpp knows ${ROPE_SCALING_TYPES.join(', ')}.`,
    );
  }
  for (const suffix of ['attention.layer_norm_rms_epsilon', 'attention.layer_norm_epsilon']) {
    const eps = number(get(suffix));
    if (eps !== undefined && !(Number.isFinite(eps) && eps > 0))
      malformed(`${key(suffix)} is ${eps}; a normalization epsilon must be a small positive number.`);
  }
  checkTensorTypes(header);
}

function checkLayerTensors(header: GgufHeader, blockKey: string, blockCount: number): void {
  const layers = layersWith(header, LAYER_TENSOR);
  if (layers.size === 0) return; // another naming scheme (encoder-decoder models): llama.cpp checks it
  const highest = Math.max(...layers);
  if (highest >= blockCount)
    malformed(`The file has tensors for layer ${highest}, but ${blockKey} says it has ${blockCount} layers.`);
  if (layers.size < blockCount) {
    const missing = [...Array(blockCount).keys()].find((l) => !layers.has(l))!;
    malformed(`${blockKey} is ${blockCount}, but the file has no tensors for layer ${missing}.`);
  }
}

function checkAttention(header: GgufHeader, arch: string, blockCount: number): void {
  const meta = header.metadata;
  const heads = perLayer(`${arch}.attention.head_count`, meta.get(`${arch}.attention.head_count`), blockCount);
  const kvKey = `${arch}.attention.head_count_kv`;
  const kvHeads = perLayer(kvKey, meta.get(kvKey), blockCount) ?? heads;
  const embedding = metadataInteger(meta.get(`${arch}.embedding_length`)) ?? 0;
  const keyLength = metadataInteger(meta.get(`${arch}.attention.key_length`));
  const valueLength = metadataInteger(meta.get(`${arch}.attention.value_length`));
  for (const layer of layersWith(header, ATTENTION_WEIGHT)) {
    const h = heads?.[layer] ?? 0;
    const kv = kvHeads?.[layer] ?? 0;
    if (h <= 0) malformed(`Layer ${layer} has attention weights but ${arch}.attention.head_count gives it ${h} heads.`);
    if (kv <= 0 || h % kv !== 0)
      malformed(
        `${kvKey} gives layer ${layer} ${kv} key/value heads, which must be at least 1 and divide its ${h} attention heads.`,
      );
    // llama.cpp derives tensor widths from these in 32-bit arithmetic: a width of 0, or one that
    // wraps around to 0, ends in an assertion while it creates the tensors.
    for (const [what, perHead] of [
      ['key_length', keyLength ?? Math.floor(embedding / h)],
      ['value_length', valueLength ?? Math.floor(embedding / h)],
    ] as const) {
      if (perHead < 1 || perHead * h > MAX_WIDTH) {
        malformed(
          `${arch}.attention.${what} is ${perHead} per head for layer ${layer} (${h} heads): the attention width must be from 1 to ${MAX_WIDTH}.`,
        );
      }
    }
  }
}

function checkFeedForward(header: GgufHeader, arch: string, blockCount: number): void {
  const key = `${arch}.feed_forward_length`;
  const widths = perLayer(key, header.metadata.get(key), blockCount);
  for (const layer of layersWith(header, DENSE_FFN_WEIGHT)) {
    const width = widths?.[layer] ?? 0;
    if (width <= 0) malformed(`Layer ${layer} has feed-forward weights but ${key} gives it a width of ${width}.`);
  }
}

function checkExperts(header: GgufHeader, arch: string, blockCount: number): void {
  const meta = header.metadata;
  const countKey = `${arch}.expert_count`;
  const experts = metadataInteger(meta.get(countKey)) ?? 0;
  const used = Math.max(
    0,
    ...(perLayer(`${arch}.expert_used_count`, meta.get(`${arch}.expert_used_count`), blockCount) ?? []),
  );
  const groups = metadataInteger(meta.get(`${arch}.expert_group_count`)) ?? 0;
  const groupsUsed = metadataInteger(meta.get(`${arch}.expert_group_used_count`)) ?? 0;
  const hasExpertTensors = header.tensors.some((t) => EXPERT_WEIGHT.test(t.name));
  if (experts < 0 || experts > MAX_EXPERTS)
    malformed(`${countKey} is ${experts}; llama.cpp accepts up to ${MAX_EXPERTS}.`);
  if (experts === 0) {
    if (used > 0 || groups > 0)
      malformed(`The file sets ${arch}.expert_used_count or expert_group_count, but ${countKey} is 0 (no experts).`);
    return;
  }
  if (!hasExpertTensors) malformed(`${countKey} is ${experts}, but the file has no expert weights (ffn_*_exps).`);
  if (used < 1 || used > experts)
    malformed(`${arch}.expert_used_count is ${used}; it must be from 1 to ${countKey} (${experts}).`);
  if (groups >= experts) malformed(`${arch}.expert_group_count is ${groups}, not fewer than the ${experts} experts.`);
  if (groups > 1 && (experts % groups !== 0 || groupsUsed < 1 || groupsUsed >= groups)) {
    malformed(
      `${arch}.expert_group_count (${groups}) must divide ${countKey} (${experts}) and ` +
        `${arch}.expert_group_used_count (${groupsUsed}) must be from 1 to ${groups - 1}.`,
    );
  }
}

/** Weights only in types llama.cpp computes with; norms and biases (one-dimensional) only in F32,
 * which every converter writes them in and which is all llama.cpp's element-wise ops take. */
function checkTensorTypes(header: GgufHeader): void {
  for (const t of header.tensors) {
    const type = t.type.name;
    if (NOT_WEIGHT_TYPES.has(type))
      malformed(`Tensor ${JSON.stringify(t.name)} has the type ${type}, which llama.cpp cannot use for model weights.`);
    const elementWise = t.dims.length === 1 || /norm\.weight$|\.bias$/.test(t.name);
    if (elementWise && type !== 'F32') {
      malformed(
        `Tensor ${JSON.stringify(t.name)} (a norm or bias) has the type ${type}; llama.cpp needs F32 for it and would abort.`,
      );
    }
  }
}
