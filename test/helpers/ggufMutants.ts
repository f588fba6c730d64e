// Seeded mutants of a GGUF model for the pre-check fuzzer (`npm run fuzz`, test/engine/fuzz.test.ts).
// Most mutations are semantic, so that the file stays well formed and reaches the model-level
// checks and, when those accept it, llama.cpp itself: hyperparameters set to edge values, added,
// removed or retyped, per-layer arrays, token texts, token types, the tokenizer, tensor types,
// shapes and names, the alignment; some are raw byte flips and cuts. The same seed always gives
// the same mutants, so a finding can be replayed.
import { createRandom, type Random } from '../../src/core/bench/random';
import { GgufValueType } from '../fixtures/ggufWriter';
import { cloneGguf, relayout, serializeGguf, type EditableGguf, type EditScalar, type EditValue } from './ggufEditor';

export interface Mutant {
  /** What was changed, e.g. `llama.attention.head_count = 0`. */
  label: string;
  bytes: Buffer;
}

const INTS = [0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 33, 63, 64, 100, 255, 256, 511, 512, 513, 1000, 4096, 65535, 65536];
const HUGE_INTS = [2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
const FLOATS = [0, -0, 1, -1, 0.5, 1e-6, 1e-30, 1e30, NaN, Infinity, -Infinity, 3.4e38, 1e-45];
const STRINGS = [
  '',
  'none',
  'linear',
  'yarn',
  'longrope',
  'bogus',
  'llama',
  'gpt2',
  'default',
  '\u0000',
  'x'.repeat(300),
];
const TOKENIZERS = ['llama', 'gpt2', 't5', 'plamo2', 'gemma4', 'bert', 'rwkv', 'none', 'no_vocab', 'bogus', ''];
const PRE_TOKENIZERS = ['default', 'qwen2', 'llama-bpe', 'deepseek-coder', 'starcoder', 'bogus', ''];
const GGML_TYPES = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 23, 24, 25, 26, 27, 28, 30, 34, 39, 40, 41];

/** Keys a model may have that the test model lacks, with the type llama.cpp reads them as. */
const OPTIONAL_KEYS: [string, GgufValueType][] = [
  ['expert_count', GgufValueType.UINT32],
  ['expert_used_count', GgufValueType.UINT32],
  ['expert_group_count', GgufValueType.UINT32],
  ['expert_group_used_count', GgufValueType.UINT32],
  ['expert_shared_count', GgufValueType.UINT32],
  ['expert_feed_forward_length', GgufValueType.UINT32],
  ['nextn_predict_layers', GgufValueType.UINT32],
  ['attention.key_length', GgufValueType.UINT32],
  ['attention.value_length', GgufValueType.UINT32],
  ['attention.sliding_window', GgufValueType.UINT32],
  ['attention.layer_norm_epsilon', GgufValueType.FLOAT32],
  ['attention.clamp_kqv', GgufValueType.FLOAT32],
  ['attention.causal', GgufValueType.BOOL],
  ['rope.scaling.type', GgufValueType.STRING],
  ['rope.scaling.factor', GgufValueType.FLOAT32],
  ['rope.scaling.original_context_length', GgufValueType.UINT32],
  ['rope.scaling.attn_factor', GgufValueType.FLOAT32],
  ['logit_scale', GgufValueType.FLOAT32],
  ['attn_logit_softcapping', GgufValueType.FLOAT32],
  ['final_logit_softcapping', GgufValueType.FLOAT32],
  ['pooling_type', GgufValueType.UINT32],
  ['embedding_length_out', GgufValueType.UINT32],
];
const PER_LAYER_KEYS = ['attention.head_count', 'attention.head_count_kv', 'feed_forward_length', 'expert_used_count'];

function pick<T>(r: Random, items: readonly T[]): T {
  return items[Math.floor(r.next() * items.length)]!;
}

function int(r: Random): number {
  return r.chance(0.15) ? pick(r, HUGE_INTS) : pick(r, INTS);
}

function valueOf(r: Random, type: GgufValueType): EditValue {
  switch (type) {
    case GgufValueType.FLOAT32:
    case GgufValueType.FLOAT64:
      return { type, value: pick(r, FLOATS) };
    case GgufValueType.BOOL:
      return { type, value: r.chance(0.5) };
    case GgufValueType.STRING:
      return { type, value: Buffer.from(pick(r, STRINGS)) };
    case GgufValueType.INT32:
      return { type, value: r.chance(0.2) ? -1 : int(r) };
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
      return { type, value: BigInt(int(r)) };
    default:
      return { type: GgufValueType.UINT32, value: int(r) };
  }
}

type Mutation = (g: EditableGguf, r: Random, arch: string) => string;

const tokens = (g: EditableGguf) => (g.metadata.get('tokenizer.ggml.tokens') as { items: EditScalar[] }).items;

function scalarKeys(g: EditableGguf, arch: string): string[] {
  return [...g.metadata]
    .filter(
      ([k, v]) =>
        v.type !== GgufValueType.ARRAY &&
        (k.startsWith(`${arch}.`) || /_id$|^general\.|^tokenizer\.ggml\.(add|pre|model)/.test(k)),
    )
    .map(([k]) => k);
}

const MUTATIONS: [number, Mutation][] = [
  [
    5,
    (g, r, arch) => {
      const key = pick(r, scalarKeys(g, arch));
      const value = valueOf(r, (g.metadata.get(key) as EditValue).type);
      g.metadata.set(key, value);
      return `${key} = ${describe(value)}`;
    },
  ],
  [
    3,
    (g, r, arch) => {
      const [suffix, type] = pick(r, OPTIONAL_KEYS);
      const value = valueOf(r, type);
      g.metadata.set(`${arch}.${suffix}`, value);
      return `add ${arch}.${suffix} = ${describe(value)}`;
    },
  ],
  [
    2,
    (g, r, arch) => {
      const key = `${arch}.${pick(r, PER_LAYER_KEYS)}`;
      const layers = Number((g.metadata.get(`${arch}.block_count`) as { value: number } | undefined)?.value ?? 1);
      const length = r.chance(0.8) ? layers : pick(r, [0, layers + 1, 600]);
      const items = Array.from({ length }, () => (r.chance(0.5) ? pick(r, [0, 1, 2, 4, 8, 64]) : int(r)));
      g.metadata.set(key, { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT32, items });
      return `${key} = [${items.slice(0, 4).join(', ')}${length > 4 ? ', …' : ''}] (${length} items)`;
    },
  ],
  [
    2,
    (g, r) => {
      const key = pick(r, [...g.metadata.keys()]);
      g.metadata.delete(key);
      return `delete ${key}`;
    },
  ],
  [
    1,
    (g, r, arch) => {
      const key = pick(r, scalarKeys(g, arch));
      const old = g.metadata.get(key) as { value: EditScalar };
      const type = pick(r, [
        GgufValueType.INT32,
        GgufValueType.UINT64,
        GgufValueType.FLOAT32,
        GgufValueType.STRING,
        GgufValueType.UINT8,
      ]);
      const value =
        type === GgufValueType.STRING
          ? Buffer.from(String(old.value))
          : type === GgufValueType.UINT64
            ? BigInt(Math.trunc(Number(old.value)) || 0)
            : Number(old.value);
      g.metadata.set(key, { type, value } as EditValue);
      return `retype ${key} as ${GgufValueType[type]}`;
    },
  ],
  [
    3,
    (g, r) => {
      const list = tokens(g);
      const id = Math.floor(r.next() * list.length);
      const other = Math.floor(r.next() * list.length);
      const byteToken = 12 + Math.floor(r.next() * 256);
      const choices: [string, () => void][] = [
        ['duplicate', () => (list[id] = list[other]!)],
        ['empty', () => (list[id] = Buffer.alloc(0))],
        ['invalid UTF-8', () => (list[id] = Buffer.from([0xe6, 0xff, 0x41]))],
        ['lone byte', () => (list[id] = Buffer.from([0x80 + Math.floor(r.next() * 128)]))],
        ['rename a byte token', () => (list[byteToken] = Buffer.from(`${(list[byteToken] as Buffer).toString()}#`))],
        ['long text', () => (list[id] = Buffer.alloc(1 + Math.floor(r.next() * 5000), 0x61))],
        ['"[EMPTY_n]" text', () => (list[id] = Buffer.from(`[EMPTY_${other}]`))],
        ['control bytes', () => (list[id] = Buffer.from([0, 1, 0x1b, 0x5b]))],
      ];
      const [what, apply] = pick(r, choices);
      apply();
      return `token ${id}: ${what}`;
    },
  ],
  [
    2,
    (g, r) => {
      const types = g.metadata.get('tokenizer.ggml.token_type') as { items: EditScalar[] } | undefined;
      if (!types) return 'no token types to change';
      const id = Math.floor(r.next() * types.items.length);
      const value = pick(r, [0, 1, 2, 3, 4, 5, 6, 7, 99, -1]);
      types.items[id] = value;
      return `token_type[${id}] = ${value}`;
    },
  ],
  [
    1,
    (g, r) => {
      const scores = g.metadata.get('tokenizer.ggml.scores') as { items: EditScalar[] } | undefined;
      if (!scores) return 'no scores to change';
      if (r.chance(0.3)) {
        scores.items.pop();
        return 'one score too few';
      }
      const id = Math.floor(r.next() * scores.items.length);
      scores.items[id] = pick(r, FLOATS);
      return `score[${id}] = ${String(scores.items[id])}`;
    },
  ],
  [
    2,
    (g, r) => {
      const model = pick(r, TOKENIZERS);
      g.metadata.set('tokenizer.ggml.model', { type: GgufValueType.STRING, value: Buffer.from(model) });
      let extra = '';
      if (r.chance(0.6)) {
        g.metadata.set('tokenizer.ggml.merges', {
          type: GgufValueType.ARRAY,
          itemType: GgufValueType.STRING,
          items: [Buffer.from('a b'), Buffer.from('F O')],
        });
        const pre = pick(r, PRE_TOKENIZERS);
        g.metadata.set('tokenizer.ggml.pre', { type: GgufValueType.STRING, value: Buffer.from(pre) });
        extra = ` with merges, pre ${JSON.stringify(pre)}`;
      }
      return `tokenizer.ggml.model = ${JSON.stringify(model)}${extra}`;
    },
  ],
  [
    2,
    (g, r) => {
      const t = pick(r, g.tensors);
      t.type = pick(r, GGML_TYPES);
      relayout(g);
      return `tensor ${t.name} type ${t.type}`;
    },
  ],
  [
    2,
    (g, r) => {
      const t = pick(r, g.tensors);
      const d = Math.floor(r.next() * t.dims.length);
      const how = pick(r, ['+1', '-1', 'x2', '/2', 'swap', 'add dim']);
      if (how === '+1') t.dims[d]! += 1n;
      else if (how === '-1' && t.dims[d]! > 1n) t.dims[d]! -= 1n;
      else if (how === 'x2') t.dims[d]! *= 2n;
      else if (how === '/2' && t.dims[d]! > 1n) t.dims[d]! /= 2n;
      else if (how === 'swap') t.dims.reverse();
      else if (t.dims.length < 4) t.dims.push(1n);
      relayout(g);
      return `tensor ${t.name} dims ${how} -> [${t.dims.join(', ')}]`;
    },
  ],
  [
    1,
    (g, r) => {
      const i = Math.floor(r.next() * g.tensors.length);
      const t = g.tensors[i]!;
      const how = pick(r, ['to layer 1', 'unknown name', 'drop', 'copy as layer 1']);
      if (how === 'to layer 1') t.name = t.name.replace(/^blk\.0\./, 'blk.1.');
      else if (how === 'unknown name') t.name = `${t.name}.extra`;
      else if (how === 'drop') g.tensors.splice(i, 1);
      else
        g.tensors.push({
          ...t,
          dims: [...t.dims],
          name: t.name.replace(/^blk\.0\./, 'blk.1.') + (t.name.startsWith('blk.0.') ? '' : '.copy'),
        });
      relayout(g);
      return `tensor ${t.name}: ${how}`;
    },
  ],
  [
    1,
    (g, _r, arch) => {
      // A second layer, copied from the first: a valid model with more layers than the test model.
      for (const t of g.tensors.filter((x) => x.name.startsWith('blk.0.')))
        g.tensors.push({ ...t, dims: [...t.dims], name: t.name.replace(/^blk\.0\./, 'blk.1.') });
      g.metadata.set(`${arch}.block_count`, { type: GgufValueType.UINT32, value: 2 });
      relayout(g);
      return 'layer 0 copied as layer 1, block_count 2';
    },
  ],
  [
    1,
    (g, r) => {
      const value = pick(r, [1, 2, 4, 8, 16, 32, 64, 3, 0]);
      g.metadata.set('general.alignment', { type: GgufValueType.UINT32, value });
      g.extraPadding = r.chance(0.5) ? 0 : pick(r, [1, 4, 16]);
      relayout(g);
      return `general.alignment = ${value}, ${g.extraPadding} extra padding bytes`;
    },
  ],
];

function describe(v: EditValue): string {
  if (v.type === GgufValueType.ARRAY) return `[${v.items.length} items]`;
  const value = Buffer.isBuffer(v.value) ? JSON.stringify(v.value.toString().slice(0, 20)) : String(v.value);
  return `${value} (${GgufValueType[v.type]})`;
}

const TOTAL_WEIGHT = MUTATIONS.reduce((sum, [w]) => sum + w, 0);

function mutation(r: Random): Mutation {
  let at = r.next() * TOTAL_WEIGHT;
  for (const [weight, m] of MUTATIONS) {
    at -= weight;
    if (at < 0) return m;
  }
  return MUTATIONS[0]![1];
}

/** An endless, seeded stream of mutants of `base` (a parsed, valid model of architecture `arch`). */
export function* mutants(base: EditableGguf, arch: string, seed: number): Generator<Mutant> {
  const r = createRandom(seed);
  for (;;) {
    const g = cloneGguf(base);
    const apply = () => {
      try {
        return mutation(r)(g, r, arch);
      } catch {
        return 'a mutation that did not apply (an earlier one removed what it changes)';
      }
    };
    const labels = [apply()];
    if (r.chance(0.3)) labels.push(apply());
    let bytes = serializeGguf(g);
    if (r.chance(0.08)) {
      // Raw damage on top: a flipped byte in the header, or a cut anywhere.
      const headerEnd = bytes.length - g.data.length;
      if (r.chance(0.5)) {
        const at = Math.floor(r.next() * headerEnd);
        bytes[at] = Math.floor(r.next() * 256);
        labels.push(`byte ${at} = ${bytes[at]}`);
      } else {
        const length = Math.floor(r.next() * bytes.length);
        bytes = bytes.subarray(0, length);
        labels.push(`cut at ${length}`);
      }
    }
    yield { label: labels.join('; '), bytes };
  }
}
