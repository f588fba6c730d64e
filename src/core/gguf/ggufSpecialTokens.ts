// Special tokens from a parsed GGUF header: BOS/EOS-style ids named by metadata, and the tokens for
// fill-in-the-middle. FIM tokens are found the way llama.cpp finds them (src/llama-vocab.cpp):
// the tokenizer.ggml.fim_*_token_id keys first, then the older prefix/suffix/middle keys, then the
// well-known token texts of each model family. An id outside the vocabulary is ignored with a
// warning, as llama.cpp does, so no caller ever sees one.
import type { FimTokens } from '../engine/protocol';
import { metadataInteger, quoteForMessage, type GgufHeader } from './ggufReader';
import { GgufValueType } from './ggufTypes';

export interface SpecialToken {
  id: number;
  text: string;
}

export interface FimTokenIds {
  prefix: number;
  suffix: number;
  middle: number;
  pad?: number;
  repoName?: number;
  fileSeparator?: number;
}

/** Where the FIM prefix/suffix/middle tokens came from. */
export type FimSource = 'metadata' | 'token-texts' | 'mixed';

export interface FimResolution {
  tokens: FimTokens | null;
  ids: FimTokenIds | null;
  source: FimSource | null;
}

type FimRole = keyof FimTokenIds;
const CORE_ROLES: FimRole[] = ['prefix', 'suffix', 'middle'];
const EXTRA_ROLES: FimRole[] = ['pad', 'repoName', 'fileSeparator'];

const ROLE_KEYS: Record<FimRole, string[]> = {
  prefix: ['tokenizer.ggml.fim_pre_token_id', 'tokenizer.ggml.prefix_token_id'],
  suffix: ['tokenizer.ggml.fim_suf_token_id', 'tokenizer.ggml.suffix_token_id'],
  middle: ['tokenizer.ggml.fim_mid_token_id', 'tokenizer.ggml.middle_token_id'],
  pad: ['tokenizer.ggml.fim_pad_token_id'],
  repoName: ['tokenizer.ggml.fim_rep_token_id'],
  fileSeparator: ['tokenizer.ggml.fim_sep_token_id'],
};

// llama.cpp's list, plus Mistral/Codestral's bracketed tokens, Seed-Coder's and StarCoder2's names.
const ROLE_TEXTS: Record<FimRole, string[]> = {
  prefix: [
    '<|fim_prefix|>',
    '<fim-prefix>',
    '<fim_prefix>',
    '<｜fim▁begin｜>',
    '<PRE>',
    '▁<PRE>',
    '<|code_prefix|>',
    '<|prefix|>',
    '[PREFIX]',
    '<[fim-prefix]>',
  ],
  suffix: [
    '<|fim_suffix|>',
    '<fim-suffix>',
    '<fim_suffix>',
    '<｜fim▁hole｜>',
    '<SUF>',
    '▁<SUF>',
    '<|code_suffix|>',
    '<|suffix|>',
    '[SUFFIX]',
    '<[fim-suffix]>',
  ],
  middle: [
    '<|fim_middle|>',
    '<fim-middle>',
    '<fim_middle>',
    '<｜fim▁end｜>',
    '<MID>',
    '▁<MID>',
    '<|code_middle|>',
    '<|middle|>',
    '[MIDDLE]',
    '<[fim-middle]>',
  ],
  pad: ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]'],
  repoName: ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>', '<repo_name>'],
  fileSeparator: ['<|file_sep|>', '<file_sep>', '<|file_separator|>'],
};

/** Every token text the FIM fallback may look for: pass to readGgufHeader's findTokenTexts. */
export const WELL_KNOWN_FIM_TEXTS: readonly string[] = Object.values(ROLE_TEXTS).flat();

/** The token a tokenizer.ggml.*_token_id key names, or null when absent, invalid or out of range
 * (the last two with a warning). */
export function specialTokenFromKey(header: GgufHeader, key: string, warnings: string[]): SpecialToken | null {
  const value = header.metadata.get(key);
  if (!value) return null;
  const id = metadataInteger(value);
  if (id === undefined) {
    const typeName = value.type === GgufValueType.ARRAY ? 'an array' : `a ${GgufValueType[value.type]}`;
    warnings.push(`${key} is ${typeName}, not a token id; ignored.`);
    return null;
  }
  if (id < 0) return null; // -1 is how some converters write "none"
  const size = header.vocabulary?.size ?? 0;
  if (id >= size) {
    warnings.push(`${key} is ${id}, outside the vocabulary (${size} tokens); ignored.`);
    return null;
  }
  const text = header.vocabulary?.specialTokenTexts.get(id);
  if (text === undefined) {
    warnings.push(`${key} names token ${id}, whose text is implausibly long; ignored.`);
    return null;
  }
  return { id, text };
}

function resolveRole(
  header: GgufHeader,
  role: FimRole,
  warnings: string[],
): (SpecialToken & { fromMetadata: boolean }) | null {
  for (const key of ROLE_KEYS[role]) {
    const token = specialTokenFromKey(header, key, warnings);
    if (token) return { ...token, fromMetadata: true };
  }
  const found = header.vocabulary?.foundTexts;
  for (const text of ROLE_TEXTS[role]) {
    const id = found?.get(text);
    if (id !== undefined) return { id, text, fromMetadata: false };
  }
  return null;
}

/** Finds the model's FIM tokens; `tokens` is null unless prefix, suffix and middle all exist. */
export function resolveFimTokens(header: GgufHeader, warnings: string[]): FimResolution {
  const none: FimResolution = { tokens: null, ids: null, source: null };
  const core = CORE_ROLES.map((role) => resolveRole(header, role, warnings));
  const [prefix, suffix, middle] = core;
  if (!prefix || !suffix || !middle) {
    const present = CORE_ROLES.filter((_, i) => core[i]);
    warnings.push(
      present.length === 0
        ? 'No fill-in-the-middle (FIM) tokens: this model can chat but not complete code inline.'
        : `Only some fill-in-the-middle tokens were found (${present.join(', ')}); inline completion needs prefix, suffix and middle.`,
    );
    return none;
  }
  if (new Set([prefix.id, suffix.id, middle.id]).size < 3) {
    warnings.push(
      `The FIM prefix, suffix and middle tokens are not distinct (${quoteForMessage(prefix.text)}, ` +
        `${quoteForMessage(suffix.text)}, ${quoteForMessage(middle.text)}); FIM disabled.`,
    );
    return none;
  }
  const tokens: FimTokens = { prefix: prefix.text, suffix: suffix.text, middle: middle.text };
  const ids: FimTokenIds = { prefix: prefix.id, suffix: suffix.id, middle: middle.id };
  for (const role of EXTRA_ROLES) {
    const extra = resolveRole(header, role, warnings);
    if (!extra) continue;
    ids[role] = extra.id;
    if (role === 'pad') tokens.pad = extra.text;
    else if (role === 'repoName') tokens.repoName = extra.text;
    else tokens.fileSeparator = extra.text;
  }
  const fromMetadata = core.filter((t) => t!.fromMetadata).length;
  const source: FimSource = fromMetadata === 3 ? 'metadata' : fromMetadata === 0 ? 'token-texts' : 'mixed';
  return { tokens, ids, source };
}
