// The shape of a parsed GGUF header, as the bounded reader (ggufReader.ts) returns it, and small
// typed accessors for its metadata. Kept apart from the parser so the checks and the summary can
// use them without reaching into parsing code.
import type { GgufTensorInfo } from './ggufTensorInfos';
import { GgufValueType, type GgufScalarType } from './ggufTypes';

export type { GgufTensorInfo } from './ggufTensorInfos';

export type GgufMetadataValue =
  | { type: GgufScalarType; value: number | bigint | boolean | string }
  /** Array contents are validated and skipped, not kept, except the vocabulary (see GgufVocabulary)
   * and the values of short numeric arrays (per-layer hyperparameters), in `values`. */
  | { type: GgufValueType.ARRAY; itemType: GgufValueType; length: number; values?: number[] };

export interface GgufVocabulary {
  /** Entries in tokenizer.ggml.tokens. */
  size: number;
  /** Texts of the in-vocabulary tokens named by tokenizer.ggml.*_token_id keys, by id. */
  specialTokenTexts: Map<number, string>;
  /** The first id of each text asked for in GgufReadOptions.findTokenTexts that the vocabulary holds. */
  foundTexts: Map<string, number>;
  /** What the reader noticed while the token texts streamed past (see VocabularyFacts). */
  facts: VocabularyFacts;
}

/** Problems of the token texts that make llama.cpp abort, found in one pass over them. */
export interface VocabularyFacts {
  /** The first token whose text is empty. */
  emptyTokenId: number | null;
  /** The first token of more than one byte that is not valid UTF-8. */
  invalidUtf8TokenId: number | null;
  /** The first two tokens with the same text (llama.cpp asserts that texts are unique). */
  duplicate: [number, number] | null;
  /** Per byte value: 1 when a "<0xXX>" token exists, 2 when a one-byte token exists (bits). */
  byteTokens: Uint8Array;
}

export interface GgufHeader {
  fileSize: number;
  version: number;
  alignment: number;
  /** File offset of the tensor data section. */
  dataOffset: number;
  metadata: Map<string, GgufMetadataValue>;
  tensors: GgufTensorInfo[];
  /** Null when the file has no tokenizer.ggml.tokens string array. */
  vocabulary: GgufVocabulary | null;
}

/** A key or name as it may appear in a message: quoted, control characters escaped, shortened. */
export function quoteForMessage(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** An integer-typed metadata value as a number; undefined for other types or unsafe magnitudes. */
export function metadataInteger(value: GgufMetadataValue | undefined): number | undefined {
  if (!value || value.type === GgufValueType.ARRAY) return undefined;
  if (typeof value.value === 'bigint') {
    const n = Number(value.value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const integerTypes = [
    GgufValueType.UINT8,
    GgufValueType.INT8,
    GgufValueType.UINT16,
    GgufValueType.INT16,
    GgufValueType.UINT32,
    GgufValueType.INT32,
  ];
  return integerTypes.includes(value.type) ? (value.value as number) : undefined;
}

/** A string metadata value, or undefined. */
export function metadataString(value: GgufMetadataValue | undefined): string | undefined {
  return value && value.type === GgufValueType.STRING ? (value.value as string) : undefined;
}
