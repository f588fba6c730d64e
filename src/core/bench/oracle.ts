// `--accept oracle:<p>`: a model that is right a share p of the time. The test models' answers are
// scripted and never what the typist types next, so nothing would ever be accepted and Tab,
// typed-ahead reuse and prefetch would go unmeasured. With the oracle, each model answer is, with
// probability p (seeded), replaced by the file's true continuation at the cursor, after the engine
// has done (and been charged for) the real work. The strategy then handles it as the model's answer
// (post-processing, caching, showing it), and the typist takes it with Tab when it shows.
//
// The cursor is found from the text just before it, which every FIM request carries (the prefix,
// plus the start of the middle in Alembic's layout): it is located in the file being typed,
// within the region still being typed, nearest to where the typist is. The continuation runs to
// the end of the line (from a line's end: the next line), plus as many more lines as the model's
// own answer had, and never past the typed region.
import type { CompletionEngine, PartialAnswer } from '../completion/engineContract';
import type { CompleteParams, CompleteResult, FimTokens, PromptSegment } from '../engine/protocol';
import { createRandom, type Random } from './random';

/** How much of the text before the cursor locates it in the file. */
const LOCATE_CHARS = 400;

export interface OracleStats {
  /** Model answers the oracle drew for. */
  draws: number;
  /** Answers replaced by the true continuation. */
  replaced: number;
  /** Draws that won but whose cursor could not be located (nothing replaced). */
  unlocated: number;
}

interface Typing {
  /** The whole file, line breaks normalised to "\n". */
  text: string;
  /** The typed region's offsets in `text`. */
  start: number;
  end: number;
  /** Where the typist is now (an offset in `text`). */
  cursor: () => number;
}

export class Oracle {
  readonly stats: OracleStats = { draws: 0, replaced: 0, unlocated: 0 };
  private readonly random: Random;
  private typing?: Typing;

  constructor(
    readonly probability: number,
    seed: number,
  ) {
    if (!(probability >= 0 && probability <= 1)) throw new RangeError('the oracle probability must be from 0 to 1');
    this.random = createRandom(seed * 7 + 3);
  }

  /** The replay starts typing a file. */
  follow(typing: Typing): void {
    this.typing = typing;
  }

  /** The model's answer, or with probability p the true continuation after `before`. */
  answer(before: string, modelText: string): string {
    return this.drawFor(before)(modelText);
  }

  /** One draw for one model call: whether its answers (the partial ones it streams and the last)
   * are the model's or the true continuation after `before`, shaped like each of them. */
  drawFor(before: string): (modelText: string) => string {
    this.stats.draws++;
    if (!this.random.chance(this.probability)) return (modelText) => modelText;
    if (this.locate(before) === undefined) {
      this.stats.unlocated++;
      return (modelText) => modelText;
    }
    this.stats.replaced++;
    return (modelText) => this.continuation(before, modelText) ?? modelText;
  }

  /** The true continuation after `before` (the text up to a cursor), shaped like `modelText`. */
  continuation(before: string, modelText: string): string | undefined {
    const at = this.locate(before);
    if (at === undefined || !this.typing) return undefined;
    const rest = this.typing.text.slice(at, this.typing.end);
    if (rest.length === 0) return undefined;
    const extraLines = (modelText.replace(/\n+$/, '').match(/\n/g) ?? []).length;
    let end = rest.startsWith('\n') ? nextBreak(rest, 1) : nextBreak(rest, 0);
    for (let i = 0; i < extraLines && end < rest.length; i++) end = nextBreak(rest, end + 1);
    return rest.slice(0, end);
  }

  /** The offset in the typed file right after `before`, within the typed region. */
  private locate(before: string): number | undefined {
    const t = this.typing;
    if (!t) return undefined;
    const tail = before.slice(-LOCATE_CHARS);
    if (tail.length === 0) return t.start === 0 ? 0 : undefined;
    const cursor = t.cursor();
    let best: number | undefined;
    for (let i = t.text.indexOf(tail, Math.max(0, t.start - tail.length)); i >= 0; i = t.text.indexOf(tail, i + 1)) {
      const at = i + tail.length;
      if (at > t.end) break;
      if (at < t.start) continue;
      if (best === undefined || Math.abs(at - cursor) < Math.abs(best - cursor)) best = at;
    }
    return best;
  }
}

function nextBreak(text: string, from: number): number {
  const i = text.indexOf('\n', from);
  return i < 0 ? text.length : i;
}

/** The text before the cursor in a FIM prompt: the prefix (from the prefix token to the suffix or
 * middle token, or to the end in suffix-first templates) and any text after the middle token. */
export function textBeforeCursor(segments: readonly PromptSegment[], tokens: FimTokens): string | undefined {
  const isSpecial = (s: PromptSegment, token: string) => 'special' in s && s.special === token;
  const prefixAt = segments.findIndex((s) => isSpecial(s, tokens.prefix));
  if (prefixAt < 0) return undefined;
  let before = '';
  let i = prefixAt + 1;
  for (; i < segments.length; i++) {
    const s = segments[i]!;
    if (isSpecial(s, tokens.suffix) || isSpecial(s, tokens.middle)) break;
    if ('text' in s) before += s.text;
  }
  const middleAt = segments.findIndex((s, j) => j > prefixAt && isSpecial(s, tokens.middle));
  if (middleAt >= 0) for (const s of segments.slice(middleAt + 1)) if ('text' in s) before += s.text;
  return before;
}

/** An engine whose answers go through the oracle (after the inner engine's real work). */
export class OracleEngine implements CompletionEngine {
  readonly prefill: CompletionEngine['prefill'];

  constructor(
    private readonly inner: CompletionEngine,
    private readonly oracle: Oracle,
    private readonly tokens: FimTokens,
  ) {
    this.prefill = inner.prefill?.bind(inner);
  }

  /** A replaced answer streams the truth at the model's pace: as many characters of it as the
   * model has written. */
  async complete(
    params: CompleteParams,
    signal: AbortSignal,
    onPartial?: (partial: PartialAnswer) => void,
  ): Promise<CompleteResult> {
    const before = textBeforeCursor(params.segments, this.tokens);
    let drawn: ((modelText: string) => string) | undefined;
    const answerFor = (modelText: string) => (drawn ??= this.oracle.drawFor(before!))(modelText);
    const listen =
      onPartial &&
      (before === undefined
        ? onPartial
        : (p: PartialAnswer) => onPartial({ ...p, text: answerFor(p.text).slice(0, p.text.length) }));
    const result = await this.inner.complete(params, signal, listen);
    if (result.stopReason === 'abort' || before === undefined) return result;
    const text = answerFor(result.text);
    // A replaced answer is a complete one: the model "stopped" where the truth was cut.
    return text === result.text ? result : { ...result, text, stopReason: 'eos' };
  }
}
