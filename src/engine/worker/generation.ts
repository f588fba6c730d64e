// The generation plumbing that completions and next edits share on their own sequences: the prompt
// as tokens, the check that it fits, the KV cache aligned with it, and the loop that reads generated
// tokens until the end of generation, a stop string, the token cap, an abort or the wall-clock cap.
// What each feature does around it (replay, token healing, prompt pace, drafts) stays in its runner.
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { PromptSegment, StopReason } from '../../core/engine/protocol';
import { EngineError } from './engineError';
import type { Stopwatch } from './stopwatch';

export function tokenizeSegments(model: LlamaModel, segments: PromptSegment[], allowEmpty = false): Token[] {
  const tokens: Token[] = [];
  for (const segment of segments) {
    if ('special' in segment) {
      const t = model.tokenize(segment.special, true);
      if (t.length !== 1)
        throw new EngineError('badRequest', `"${segment.special}" is not a special token of this model.`);
      tokens.push(t[0]!);
    } else if (segment.text) {
      tokens.push(...model.tokenize(segment.text, false));
    }
  }
  if (tokens.length === 0 && !allowEmpty) throw new EngineError('badRequest', 'The prompt is empty.');
  return tokens;
}

export function checkFits(promptTokens: number, roomForOutput: number, contextSize: number): void {
  if (promptTokens + roomForOutput > contextSize) {
    throw new EngineError(
      'promptTooLong',
      `The prompt has ${promptTokens} tokens but the context holds ${contextSize}.`,
      { promptTokens, contextSize },
    );
  }
}

/** Erases the sequence state after the longest common prefix (at most `limit` tokens) and returns its length. */
export async function alignSequence(sequence: LlamaContextSequence, tokens: Token[], limit: number): Promise<number> {
  const common = Math.min(sequence.compareContextTokens(tokens).firstDifferentIndex, limit);
  if (sequence.nextTokenIndex > common)
    await sequence.eraseContextTokenRanges([{ start: common, end: sequence.nextTokenIndex }]);
  return sequence.nextTokenIndex;
}

export interface ReadOptions {
  model: LlamaModel;
  watch: Stopwatch;
  stop?: string[];
  maxTokens: number;
  /** The answer from the detokenized output (completions take back a healed prefix). */
  textOf?: (text: string) => string;
  /** Hears the answer so far after each token that did not end it. */
  onText?: (text: string, generatedTokens: number) => void;
}

/** Reads tokens into `output` (the caller's: a token bias may look at it) until the generation must
 * end, and says why; the text is cut before the first stop string. */
export async function readUntilStop(
  generator: AsyncIterable<Token>,
  output: Token[],
  { model, watch, stop, maxTokens, textOf = (t) => t, onText }: ReadOptions,
): Promise<{ text: string; stopReason: StopReason }> {
  let text = '';
  for await (const token of generator) {
    if (model.isEogToken(token)) return { text, stopReason: 'eos' };
    watch.markToken();
    output.push(token);
    text = textOf(model.detokenize(output, false));
    const cut = firstStop(text, stop);
    if (cut >= 0) return { text: text.slice(0, cut), stopReason: 'stop' };
    const early = watch.stopReason();
    if (early) return { text, stopReason: early };
    if (output.length >= maxTokens) break;
    onText?.(text, output.length);
  }
  return { text, stopReason: 'maxTokens' };
}

export function firstStop(text: string, stops: string[] | undefined): number {
  let best = -1;
  for (const s of stops ?? []) {
    const at = s ? text.indexOf(s) : -1;
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}
