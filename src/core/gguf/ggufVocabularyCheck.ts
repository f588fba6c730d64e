// The vocabulary checks of the pre-check: the tokenizer type and the token texts, as far as they
// can be judged without building the tokenizer. Each rule is something llama.cpp's vocabulary
// loader (src/llama-vocab.cpp, this release) aborts or misbehaves on, found by reading it and by
// `npm run fuzz`; a file that breaks one is refused with a GgufCheckError instead.
import { GgufCheckError } from './ggufCheckError';
import { metadataString, quoteForMessage, type GgufHeader, type GgufVocabulary } from './ggufHeader';
import { GgufValueType } from './ggufTypes';

/** tokenizer.ggml.model values Alembic loads, with what a user would call them. */
const SUPPORTED_TOKENIZERS: Record<string, string> = {
  llama: 'SentencePiece',
  gpt2: 'byte-level BPE',
  gemma4: 'Gemma 4 BPE',
  t5: 'Unigram (T5)',
  plamo2: 'PLaMo-2',
};

/** Tokenizers llama.cpp knows that Alembic refuses, and why. */
const REFUSED_TOKENIZERS: Record<string, string> = {
  none: 'it has no text vocabulary, so it is not a model that writes text',
  no_vocab: 'it has no text vocabulary, so it is not a model that writes text',
  bert: 'it is a WordPiece (BERT) tokenizer, which embedding models use, not models that write text',
  rwkv: 'RWKV tokenizers are not supported (llama.cpp hung on a malformed one instead of refusing it)',
  hybriddna: 'it is a DNA-sequence tokenizer, not one for text and code',
  whitespace: 'whitespace tokenizers are not supported',
};

const BPE_TOKENIZERS = new Set(['gpt2', 'gemma4']);

/** Bytes that can appear in UTF-8 text: a SentencePiece vocabulary needs a fallback token for each. */
function canOccurInUtf8(byte: number): boolean {
  return byte !== 0xc0 && byte !== 0xc1 && byte < 0xf5;
}

function refuse(message: string): never {
  throw new GgufCheckError('not-a-model', message);
}

function malformed(message: string): never {
  throw new GgufCheckError('malformed', message);
}

/** Refuses a vocabulary llama.cpp cannot build safely; returns the tokenizer model name. */
export function checkVocabulary(header: GgufHeader, vocabulary: GgufVocabulary): string {
  const model = checkTokenizerModel(header);
  const facts = vocabulary.facts;
  if (facts.duplicate) {
    const [first, second] = facts.duplicate;
    malformed(
      `Tokens ${first} and ${second} of the vocabulary have the same ` +
        `text${duplicateText(vocabulary, first)}; llama.cpp stops with an assertion on such a ` +
        `vocabulary. The file was converted wrongly.`,
    );
  }
  if (facts.emptyTokenId !== null) {
    malformed(
      `Token ${facts.emptyTokenId} of the vocabulary has an empty text; the vocabulary is corrupt or was converted wrongly.`,
    );
  }
  if (facts.invalidUtf8TokenId !== null) {
    malformed(
      `Token ${facts.invalidUtf8TokenId} of the vocabulary is not valid UTF-8 text; the vocabulary is corrupt or was converted wrongly.`,
    );
  }
  if (model === 'llama') {
    for (let byte = 0; byte < 256; byte++) {
      if (facts.byteTokens[byte] || !canOccurInUtf8(byte)) continue;
      const hex = byte.toString(16).toUpperCase().padStart(2, '0');
      malformed(
        `The SentencePiece vocabulary has no token for the byte 0x${hex} (neither "<0x${hex}>" nor the ` +
          `byte itself): llama.cpp would end the process on the first text that needs it. The file is ` +
          `incomplete or was converted wrongly.`,
      );
    }
  }
  return model;
}

function duplicateText(vocabulary: GgufVocabulary, id: number): string {
  const text = vocabulary.specialTokenTexts.get(id);
  return text === undefined ? '' : ` (${quoteForMessage(text)})`;
}

function checkTokenizerModel(header: GgufHeader): string {
  const value = header.metadata.get('tokenizer.ggml.model');
  const model = metadataString(value);
  if (value === undefined)
    refuse('The file has no tokenizer.ggml.model, so llama.cpp cannot tell how to read its vocabulary.');
  if (model === undefined) malformed('tokenizer.ggml.model is not a string.');
  if (REFUSED_TOKENIZERS[model]) refuse(`Its tokenizer is ${quoteForMessage(model)}: ${REFUSED_TOKENIZERS[model]}.`);
  if (!SUPPORTED_TOKENIZERS[model]) {
    refuse(
      `Its tokenizer, ${quoteForMessage(model)}, is not one llama.cpp knows (supported: ` +
        `${Object.keys(SUPPORTED_TOKENIZERS).join(', ')}): the file is corrupt or needs a newer ` +
        `llama.cpp.`,
    );
  }
  if (BPE_TOKENIZERS.has(model)) {
    const merges = header.metadata.get('tokenizer.ggml.merges');
    if (!merges || merges.type !== GgufValueType.ARRAY || merges.itemType !== GgufValueType.STRING) {
      malformed(
        `The ${SUPPORTED_TOKENIZERS[model]} tokenizer needs its merges (tokenizer.ggml.merges, an array ` +
          `of strings), which the file ${merges ? 'stores wrongly' : 'lacks'}.`,
      );
    }
  }
  return model;
}
