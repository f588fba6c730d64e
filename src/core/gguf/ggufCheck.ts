// The pre-check every model file passes before llama.cpp opens it, and the summary the user sees
// (`alembic inspect`, the extension's status view). inspectGguf runs the bounded header reader,
// then checks that the file can serve as a language model at all, and gathers what Alembic needs
// to know: architecture, sizes, quantization, context length, chat template, FIM tokens.
// Problems that make the file unusable throw GgufCheckError; softer ones become warnings.
import { basename } from 'node:path';
import type { FimTokens } from '../engine/protocol';
import { displayText } from '../util/displayText';
import { checkArchitecture } from './ggufArchitectureCheck';
import { GgufCheckError } from './ggufCheckError';
import { metadataInteger, metadataString, readGgufHeader, type GgufHeader } from './ggufReader';
import {
  resolveFimTokens,
  specialTokenFromKey,
  WELL_KNOWN_FIM_TEXTS,
  type FimSource,
  type FimTokenIds,
  type SpecialToken,
} from './ggufSpecialTokens';
import { fileTypeName } from './ggufTypes';
import { checkVocabulary } from './ggufVocabularyCheck';

export { GgufCheckError, isGgufCheckError, type GgufCheckErrorCode } from './ggufCheckError';
export type { FimSource, FimTokenIds, SpecialToken } from './ggufSpecialTokens';
export { formatGgufSummary } from './ggufSummaryFormat';

/** Longest model, architecture or tokenizer name in a summary. */
export const NAME_MAX_CHARS = 200;

/** Longest chat template text kept in a summary; the real ones are a few KB to a few tens of KB. */
export const CHAT_TEMPLATE_MAX_CHARS = 64 * 1024;

export interface GgufSummary {
  path: string;
  fileSizeBytes: number;
  ggufVersion: number;
  /** general.architecture, e.g. "llama", "qwen2". */
  architecture: string;
  /** general.name, or the file name without .gguf. */
  name: string;
  /** Sum of the element counts of the tensors in this file. */
  parameterCount: number;
  tensorCount: number;
  /** The general.file_type name (e.g. "Q4_K_M"), else the tensor type holding most parameters. */
  quantization: string;
  /** <arch>.context_length: the training context, in tokens. */
  contextLength: number | null;
  blockCount: number | null;
  embeddingLength: number | null;
  /** tokenizer.ggml.model, e.g. "llama" (SentencePiece) or "gpt2" (BPE). */
  tokenizerModel: string | null;
  vocabSize: number;
  bosToken: SpecialToken | null;
  eosToken: SpecialToken | null;
  /** End of turn, used by chat models as a second end-of-generation token. */
  eotToken: SpecialToken | null;
  /** FIM token texts, or null when the model cannot fill in the middle. */
  fim: FimTokens | null;
  fimTokenIds: FimTokenIds | null;
  fimSource: FimSource | null;
  hasChatTemplate: boolean;
  /** tokenizer.chat_template, cut at CHAT_TEMPLATE_MAX_CHARS. */
  chatTemplate: string | null;
  chatTemplateTruncated: boolean;
  warnings: string[];
}

/** Checks the GGUF file at `path` and summarizes it; throws GgufCheckError if it is unusable. */
export async function inspectGguf(path: string): Promise<GgufSummary> {
  const header = await readGgufHeader(path, { findTokenTexts: WELL_KNOWN_FIM_TEXTS });
  return summarizeGgufHeader(header, path);
}

/** The model-level checks and the summary, from an already validated header. */
export function summarizeGgufHeader(header: GgufHeader, path: string): GgufSummary {
  const warnings: string[] = [];
  const meta = header.metadata;
  const architecture = metadataString(meta.get('general.architecture'));
  if (!architecture) {
    throw new GgufCheckError(
      'not-a-model',
      'The file has no general.architecture: it is not a language model llama.cpp can load.',
    );
  }
  if (!header.vocabulary) {
    const tokens = meta.get('tokenizer.ggml.tokens');
    throw new GgufCheckError(
      'not-a-model',
      tokens
        ? 'tokenizer.ggml.tokens is not an array of strings: the vocabulary is corrupt.'
        : 'The file has no vocabulary (tokenizer.ggml.tokens): it is not a text model llama.cpp can use.',
    );
  }
  if (header.vocabulary.size === 0)
    throw new GgufCheckError('not-a-model', 'The vocabulary (tokenizer.ggml.tokens) is empty.');
  if (header.tensors.length === 0) {
    throw new GgufCheckError(
      'not-a-model',
      'The file contains no tensors (a vocabulary-only file?), so there are no weights to load.',
    );
  }
  const tokenizerModel = checkVocabulary(header, header.vocabulary);
  checkArchitecture(header, architecture);

  const archNumber = (suffix: string, warnIfMissing: string | null): number | null => {
    const value = metadataInteger(meta.get(`${architecture}.${suffix}`));
    if (value === undefined || value <= 0) {
      if (warnIfMissing) warnings.push(warnIfMissing);
      return null;
    }
    return value;
  };
  const contextLength = archNumber(
    'context_length',
    `No ${architecture}.context_length: the training context size is unknown.`,
  );
  const blockCount = archNumber('block_count', null);
  const embeddingLength = archNumber('embedding_length', null);

  const fim = resolveFimTokens(header, warnings);
  const template = chatTemplate(header, warnings);
  addSplitWarning(header, warnings);

  return {
    path,
    fileSizeBytes: header.fileSize,
    ggufVersion: header.version,
    architecture: label(architecture),
    name: label(metadataString(meta.get('general.name'))) || label(basename(path).replace(/\.gguf$/i, '')),
    parameterCount: header.tensors.reduce((sum, t) => sum + t.elementCount, 0),
    tensorCount: header.tensors.length,
    quantization: quantization(header, warnings),
    contextLength,
    blockCount,
    embeddingLength,
    tokenizerModel: label(tokenizerModel),
    vocabSize: header.vocabulary.size,
    bosToken: specialTokenFromKey(header, 'tokenizer.ggml.bos_token_id', warnings),
    eosToken: specialTokenFromKey(header, 'tokenizer.ggml.eos_token_id', warnings),
    eotToken: specialTokenFromKey(header, 'tokenizer.ggml.eot_token_id', warnings),
    fim: fim.tokens,
    fimTokenIds: fim.ids,
    fimSource: fim.source,
    hasChatTemplate: template !== null,
    chatTemplate: template === null ? null : template.slice(0, CHAT_TEMPLATE_MAX_CHARS),
    chatTemplateTruncated: template !== null && template.length > CHAT_TEMPLATE_MAX_CHARS,
    warnings,
  };
}

/** A name from the file as it may be shown anywhere: one line, no control characters, at most
 * NAME_MAX_CHARS (a file's general.name is untrusted text). */
function label(text: string | undefined): string {
  return text === undefined ? '' : displayText(text, { maxChars: NAME_MAX_CHARS, multiline: false }).trim();
}

function chatTemplate(header: GgufHeader, warnings: string[]): string | null {
  const value = header.metadata.get('tokenizer.chat_template');
  const text = metadataString(value);
  if (value && text === undefined) warnings.push('tokenizer.chat_template is not a string; ignored.');
  if (!text || text.trim() === '') {
    warnings.push(
      'No chat template (tokenizer.chat_template): chat will use a generic prompt format, which may not suit this model.',
    );
    return null;
  }
  return text;
}

/** general.file_type's name when it is a known one; otherwise the type holding most parameters. */
function quantization(header: GgufHeader, warnings: string[]): string {
  const fileType = metadataInteger(header.metadata.get('general.file_type'));
  const named = fileType === undefined ? undefined : fileTypeName(fileType);
  if (named) return named;
  if (fileType !== undefined)
    warnings.push(`general.file_type ${fileType} is not a known quantization; guessed from the tensors.`);
  const elementsByType = new Map<string, number>();
  for (const t of header.tensors)
    elementsByType.set(t.type.name, (elementsByType.get(t.type.name) ?? 0) + t.elementCount);
  let best = '';
  let bestCount = -1;
  for (const [name, count] of elementsByType) {
    if (count > bestCount) [best, bestCount] = [name, count];
  }
  return best;
}

function addSplitWarning(header: GgufHeader, warnings: string[]): void {
  const count = metadataInteger(header.metadata.get('split.count'));
  if (count === undefined || count <= 1) return;
  const index = metadataInteger(header.metadata.get('split.no'));
  const part = index === undefined ? '' : ` ${index + 1}`;
  warnings.push(`This is part${part} of a model split into ${count} files; its parameter count covers this file only.`);
}
