// Token healing at the cursor. The cursor line is tokenized on its own after the FIM middle token,
// so the cursor usually splits what would be one token in the finished line ("= it|" is "= it"
// then "ems", where the code says " items"): the model was never trained on such a boundary and
// tends to go on as if a word had ended. Healing backs off the prompt's last token and lets the
// first generated token be only one whose text starts with the text backed off (a logit bias of
// +1000 on those tokens, which keeps the model's own order among them), so the model itself picks
// how the typed word goes on; the backed-off text is then cut from the front of the answer.
//
// Finding the allowed tokens is a binary search in the vocabulary's token texts, sorted once per
// model (the first healed request pays for reading them: about 0.1-0.3 s for 151k tokens).
import type { LlamaModel, Token, TokenBias } from 'node-llama-cpp';
import type { PromptSegment } from '../../core/engine/protocol';

/** Added to the logits of the allowed first tokens: far above any real logit. */
const ALLOWED_LOGIT_BIAS = 1000;

export interface HealedPrompt {
  /** The prompt without its last token. */
  prompt: Token[];
  /** The text of the token backed off: the answer starts with it. */
  removed: string;
  /** For the first generated token only: the tokens that start with `removed`. */
  firstTokenBias: TokenBias;
  /** An empty bias, for the tokens after the first. */
  laterTokenBias: TokenBias;
  /** How many tokens are allowed (the token backed off among them). */
  allowed: number;
}

interface VocabularyIndex {
  texts: string[];
  tokens: Token[];
}

const indexes = new WeakMap<LlamaModel, VocabularyIndex>();

/** Backs off the last token when the prompt ends in typed text whose last token reads back as
 * itself; undefined when there is nothing to heal. */
export async function healLastToken(
  model: LlamaModel,
  segments: readonly PromptSegment[],
  prompt: readonly Token[],
): Promise<HealedPrompt | undefined> {
  const lastSegment = segments[segments.length - 1];
  if (!lastSegment || !('text' in lastSegment) || !lastSegment.text || prompt.length < 2) return undefined;
  const last = prompt[prompt.length - 1]!;
  if (model.isSpecialToken(last)) return undefined;
  const removed = model.detokenize([last], false);
  // A token that is part of a multi-byte character does not read back on its own.
  if (!removed || removed.includes('\uFFFD') || !lastSegment.text.endsWith(removed)) return undefined;
  const allowed = tokensStartingWith(indexFor(model), removed);
  if (!allowed.includes(last)) return undefined;
  // node-llama-cpp is ESM-only and loaded with import() (the runtime has loaded it by now).
  const lib = await import('node-llama-cpp');
  const firstTokenBias = lib.TokenBias.for(model);
  for (const t of allowed) firstTokenBias.set(t, { logit: ALLOWED_LOGIT_BIAS });
  return {
    prompt: prompt.slice(0, -1),
    removed,
    firstTokenBias,
    laterTokenBias: lib.TokenBias.for(model),
    allowed: allowed.length,
  };
}

function indexFor(model: LlamaModel): VocabularyIndex {
  let index = indexes.get(model);
  if (index) return index;
  const entries: { text: string; token: Token }[] = [];
  for (const token of model.iterateAllTokens()) {
    if (model.isSpecialToken(token) || model.isEogToken(token)) continue;
    const text = model.detokenize([token], false);
    if (text && !text.includes('\uFFFD')) entries.push({ text, token });
  }
  entries.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  index = { texts: entries.map((e) => e.text), tokens: entries.map((e) => e.token) };
  indexes.set(model, index);
  return index;
}

/** The tokens whose text starts with `prefix`: a contiguous run in the sorted texts. */
function tokensStartingWith(index: VocabularyIndex, prefix: string): Token[] {
  let lo = 0;
  let hi = index.texts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (index.texts[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out: Token[] = [];
  for (let i = lo; i < index.texts.length && index.texts[i]!.startsWith(prefix); i++) out.push(index.tokens[i]!);
  return out;
}
