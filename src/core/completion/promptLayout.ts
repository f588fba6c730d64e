// The prompt layout: which text around the cursor goes into the prompt, cut so that the KV cache
// survives typing. A prompt is re-evaluated from its first changed token, so:
//   - the prefix window starts on a line snapped to a multiple of `chunkLines` (halved while it is
//     more than half the lines the budget holds); it does not follow the cursor line by line, it
//     jumps by a whole chunk only when the window outgrows its budget;
//   - the room for the current line is reserved up front, so typing on it never moves the window;
//   - the prefix is split into pieces that become separate prompt segments: `stablePrefix` (whole
//     chunks, unchanged until the cursor crosses into another chunk), `recentPrefix` (the lines of
//     the cursor's chunk above it; grows at its end when a line is added) and `linePrefix` (the
//     current line up to the cursor, the only piece that changes per keystroke);
//   - the suffix is short: the rest of the line and of the block, a bounded number of lines.
// Every read is of a bounded window of lines around the cursor; a line too long for the budget is
// rejected from its length alone, reading no more of it than the budget holds plus one character.
import type { CompletionSettings } from './completionSettings';
import { indentWidth, isBlank, type CompletionDocument, type Position } from './documentWindow';
import type { TokenEstimator } from './tokenEstimate';

export interface LayoutBudgets {
  prefixTokens: number;
  suffixTokens: number;
  extraContextTokens: number;
  /** Generation cap after fitting. */
  maxTokens: number;
}

/** Tokens left for specials, file headers and rounding. */
export const TEMPLATE_OVERHEAD_TOKENS = 64;

/** Fits the budgets of the settings into a context of `contextSize` tokens: room for the generation
 * first, then prefix, then suffix, then extra context, in that order of importance. */
export function fitBudgets(
  settings: Pick<CompletionSettings, 'prefixTokens' | 'suffixTokens' | 'extraContextTokens' | 'maxTokens'>,
  contextSize: number,
): LayoutBudgets {
  const maxTokens = Math.max(1, Math.min(settings.maxTokens, Math.floor(contextSize / 4)));
  let left = Math.max(0, contextSize - maxTokens - TEMPLATE_OVERHEAD_TOKENS);
  const suffixTokens = Math.min(settings.suffixTokens, Math.floor(left * 0.15));
  left -= suffixTokens;
  const prefixTokens = Math.min(settings.prefixTokens, left);
  left -= prefixTokens;
  const extraContextTokens = Math.min(settings.extraContextTokens, left);
  return { prefixTokens, suffixTokens, extraContextTokens, maxTokens };
}

export type LayoutOptions = Pick<CompletionSettings, 'chunkLines' | 'maxPrefixLines' | 'maxSuffixLines'> & {
  /** The current line is cut to this many characters before the cursor. */
  maxLinePrefixChars: number;
  /** And to this many after it. */
  maxLineSuffixChars: number;
};

export const DEFAULT_LAYOUT_OPTIONS: LayoutOptions = {
  chunkLines: 32,
  maxPrefixLines: 512,
  maxSuffixLines: 16,
  maxLinePrefixChars: 400,
  maxLineSuffixChars: 200,
};

/** The text around the cursor that a completion depends on. */
export interface CompletionContext {
  readonly uri: string;
  readonly languageId: string;
  readonly position: Position;
  /** First line of the prefix window (a multiple of chunkLines unless lines are huge). */
  readonly windowStartLine: number;
  /** Whole lines from the window start to the start of the cursor's chunk. */
  readonly stablePrefix: string;
  /** Whole lines from the cursor's chunk start (or the window start) to the cursor line. */
  readonly recentPrefix: string;
  /** The current line up to the cursor (possibly cut from the left). */
  readonly linePrefix: string;
  /** The current line after the cursor (possibly cut). */
  readonly lineSuffix: string;
  /** Lines after the cursor line that belong to the suffix window. */
  readonly nextLines: readonly string[];
  /** Up to 8 lines right above the cursor line, nearest last. */
  readonly previousLines: readonly string[];
  /** Estimated tokens of prefix pieces and suffix. */
  readonly prefixTokens: number;
  readonly suffixTokens: number;
}

/** The suffix text as the model sees it: the rest of the line, then the following lines. */
export function suffixText(ctx: Pick<CompletionContext, 'lineSuffix' | 'nextLines'>): string {
  return ctx.nextLines.length === 0 ? ctx.lineSuffix : `${ctx.lineSuffix}\n${ctx.nextLines.join('\n')}`;
}

/** The lines above the cursor line (the cursor line itself goes to the template as `middleStart`). */
export function prefixPieces(ctx: CompletionContext): string[] {
  return [ctx.stablePrefix, ctx.recentPrefix];
}

export function buildCompletionContext(
  doc: CompletionDocument,
  position: Position,
  budgets: LayoutBudgets,
  estimator: TokenEstimator,
  options: LayoutOptions = DEFAULT_LAYOUT_OPTIONS,
): CompletionContext {
  const lineNo = Math.max(0, Math.min(position.line, doc.lineCount - 1));
  const line = doc.lineAt(lineNo);
  const ch = Math.max(0, Math.min(position.character, line.length));

  // The current line gets a fixed reservation, so the lines above never depend on what is typed.
  const reserve = Math.min(estimator.lowerBound(options.maxLinePrefixChars), Math.floor(budgets.prefixTokens / 2));
  let linePrefix = line.slice(Math.max(0, ch - estimator.charsFor(reserve)), ch);
  while (linePrefix.length > 0 && estimator.estimate(linePrefix) > reserve)
    linePrefix = linePrefix.slice(Math.ceil(linePrefix.length / 4));
  const prefix = collectAbove(doc, lineNo, budgets.prefixTokens - reserve, estimator, options);

  const suffixLimit = Math.min(options.maxLineSuffixChars, estimator.charsFor(budgets.suffixTokens));
  let lineSuffix = line.slice(ch, ch + suffixLimit);
  while (lineSuffix.length > 0 && estimator.estimate(lineSuffix) > budgets.suffixTokens)
    lineSuffix = lineSuffix.slice(0, Math.floor(lineSuffix.length / 2));
  const baseIndent = indentWidth(isBlank(line) ? line.slice(0, ch) : line);
  const below = collectBelow(
    doc,
    lineNo,
    baseIndent,
    budgets.suffixTokens - estimator.estimate(lineSuffix),
    estimator,
    options,
  );

  return {
    uri: doc.uri,
    languageId: doc.languageId,
    position: { line: lineNo, character: ch },
    windowStartLine: prefix.start,
    stablePrefix: prefix.stable,
    recentPrefix: prefix.recent,
    linePrefix,
    lineSuffix,
    nextLines: below.lines,
    previousLines: prefix.previous,
    prefixTokens: prefix.tokens + estimator.estimate(linePrefix),
    suffixTokens: below.tokens + estimator.estimate(lineSuffix),
  };
}

interface Above {
  start: number;
  stable: string;
  recent: string;
  previous: string[];
  tokens: number;
}

/** Walks up from the cursor line while the lines fit, then snaps the start down the window to a
 * chunk boundary, so the start only moves when the budget pushes it past a whole chunk. */
function collectAbove(
  doc: CompletionDocument,
  lineNo: number,
  budget: number,
  estimator: TokenEstimator,
  options: LayoutOptions,
): Above {
  const lines: string[] = []; // nearest first
  const costs: number[] = [];
  let used = 0;
  const floor = Math.max(0, lineNo - options.maxPrefixLines);
  let first = lineNo;
  while (first > floor) {
    const text = doc.lineAt(first - 1, estimator.charsFor(budget - used) + 1);
    if (used + estimator.lowerBound(text.length + 1) > budget) break;
    const cost = estimator.estimate(text) + 1;
    if (used + cost > budget) break;
    used += cost;
    lines.push(text);
    costs.push(cost);
    first--;
  }
  // A grid as coarse as the window would leave it a few lines long right after each jump (a
  // budget that holds ~30 lines with 32-line chunks): the chunk is halved until it is at most
  // half of the lines that fit. Halving keeps the grids nested, and the count only changes when
  // the cursor moves to another line, so typing on a line never moves the start.
  let chunk = Math.max(1, options.chunkLines);
  while (chunk > 1 && chunk * 2 > lineNo - first) chunk = Math.floor(chunk / 2);
  // Whole file fits: start at 0. Otherwise round the first fitting line up to a chunk boundary,
  // unless no boundary lies between it and the cursor line (only with enormous lines).
  let start = first === 0 ? 0 : Math.ceil(first / chunk) * chunk;
  if (start > lineNo) start = first;
  const keep = lineNo - start;
  const kept = lines.slice(0, keep).reverse(); // window order: top first
  const tokens = costs.slice(0, keep).reduce((a, b) => a + b, 0);
  const chunkStart = Math.max(start, Math.floor(lineNo / chunk) * chunk);
  const split = chunkStart - start;
  return {
    start,
    stable: kept
      .slice(0, split)
      .map((l) => `${l}\n`)
      .join(''),
    recent: kept
      .slice(split)
      .map((l) => `${l}\n`)
      .join(''),
    previous: kept.slice(-8),
    tokens,
  };
}

/** The rest of the block: following lines down to the first line indented less than the cursor
 * line (included, it usually closes the block), within the line and token caps. */
function collectBelow(
  doc: CompletionDocument,
  lineNo: number,
  baseIndent: number,
  budget: number,
  estimator: TokenEstimator,
  options: LayoutOptions,
): { lines: string[]; tokens: number } {
  const lines: string[] = [];
  let used = 0;
  const last = Math.min(doc.lineCount - 1, lineNo + options.maxSuffixLines);
  for (let i = lineNo + 1; i <= last; i++) {
    const text = doc.lineAt(i, estimator.charsFor(budget - used) + 1);
    if (used + estimator.lowerBound(text.length + 1) > budget) break;
    const cost = estimator.estimate(text) + 1;
    if (used + cost > budget) break;
    used += cost;
    lines.push(text);
    if (!isBlank(text) && indentWidth(text) < baseIndent) break;
  }
  while (lines.length > 0 && isBlank(lines[lines.length - 1]!)) lines.pop();
  return { lines, tokens: used };
}
