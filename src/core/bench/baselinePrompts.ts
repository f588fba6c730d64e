// The prompts of the two baselines the benchmark compares Alembic with. Both use a window
// anchored at the cursor: the lines right above it (as many as fit) and the lines right below,
// so the window's first line moves whenever a line is added above the cursor, and with it the
// start of the prompt: that is what Alembic's chunk-snapped layout avoids.
//   naive:   Alembic's own budgets (prefix, suffix, line caps), re-sent in full for every keystroke.
//   sliding: llama.vscode's request to llama-server: 256 lines above the cursor, the rest of the
//            line and 64 lines below; the server keeps the last 3/4 of a batch (2048 tokens by
//            default) of the prefix and 1/4 of the suffix, and puts the current line at the end of
//            the prefix (PSM order), so the suffix follows the line that changes.
import type { PromptSegment } from '../engine/protocol';
import type { CompletionSettings } from '../completion/completionSettings';
import { displayPath, type CompletionDocument, type Position } from '../completion/documentWindow';
import type { FimTemplate } from '../completion/fimTemplates';
import { TEMPLATE_OVERHEAD_TOKENS, type LayoutBudgets } from '../completion/promptLayout';
import type { TokenEstimator } from '../completion/tokenEstimate';

export interface WindowLimits {
  maxPrefixLines: number;
  maxSuffixLines: number;
  /** Tokens for the lines above and the current line up to the cursor. */
  prefixTokens: number;
  /** Tokens for the rest of the line and the lines below. */
  suffixTokens: number;
}

export interface CursorWindow {
  /** First line of the window (the top of the prefix). */
  firstLine: number;
  /** Last line of the window (the bottom of the suffix). */
  lastLine: number;
  /** Whole lines above the cursor line, each ending with "\n". */
  above: string;
  linePrefix: string;
  lineSuffix: string;
  below: string[];
}

/** llama.vscode's defaults (n_prefix, n_suffix) and llama-server's default batch size. */
export const LLAMA_VSCODE = { prefixLines: 256, suffixLines: 64, batchTokens: 2048 } as const;

/** The current line is cut to this many characters on each side of the cursor (minified files). */
const LINE_PREFIX_CHARS = 400;
const LINE_SUFFIX_CHARS = 200;

export function naiveLimits(
  budgets: LayoutBudgets,
  settings: Pick<CompletionSettings, 'maxPrefixLines' | 'maxSuffixLines'>,
): WindowLimits {
  return {
    maxPrefixLines: settings.maxPrefixLines,
    maxSuffixLines: settings.maxSuffixLines,
    prefixTokens: budgets.prefixTokens,
    suffixTokens: budgets.suffixTokens,
  };
}

/** llama-server's split of a batch (3/4 prefix, 1/4 suffix), shrunk when the context is smaller. */
export function slidingLimits(contextSize: number, maxTokens: number): WindowLimits {
  let prefixTokens = (LLAMA_VSCODE.batchTokens * 3) / 4;
  let suffixTokens = LLAMA_VSCODE.batchTokens / 4;
  const room = Math.max(0, contextSize - maxTokens - TEMPLATE_OVERHEAD_TOKENS);
  if (prefixTokens + suffixTokens > room) {
    suffixTokens = Math.min(suffixTokens, Math.floor(room / 4));
    prefixTokens = room - suffixTokens;
  }
  return {
    maxPrefixLines: LLAMA_VSCODE.prefixLines,
    maxSuffixLines: LLAMA_VSCODE.suffixLines,
    prefixTokens,
    suffixTokens,
  };
}

/** The window around the cursor: lines nearest to it first, while they fit the limits. */
export function cursorWindow(
  doc: CompletionDocument,
  position: Position,
  limits: WindowLimits,
  estimator: TokenEstimator,
): CursorWindow {
  const row = Math.max(0, Math.min(position.line, doc.lineCount - 1));
  const line = doc.lineAt(row);
  const col = Math.max(0, Math.min(position.character, line.length));
  const linePrefix = line.slice(Math.max(0, col - LINE_PREFIX_CHARS), col);
  const lineSuffix = line.slice(col, col + LINE_SUFFIX_CHARS);

  const above: string[] = [];
  let budget = limits.prefixTokens - estimator.estimate(linePrefix);
  let first = row;
  while (first > 0 && row - first < limits.maxPrefixLines) {
    const text = doc.lineAt(first - 1);
    if (estimator.lowerBound(text.length + 1) > budget) break;
    const cost = estimator.estimate(text) + 1;
    if (cost > budget) break;
    budget -= cost;
    above.push(text);
    first--;
  }

  const below: string[] = [];
  budget = limits.suffixTokens - estimator.estimate(lineSuffix);
  let last = row;
  while (last + 1 < doc.lineCount && last - row < limits.maxSuffixLines) {
    const text = doc.lineAt(last + 1);
    if (estimator.lowerBound(text.length + 1) > budget) break;
    const cost = estimator.estimate(text) + 1;
    if (cost > budget) break;
    budget -= cost;
    below.push(text);
    last++;
  }
  return {
    firstLine: first,
    lastLine: last,
    above: above
      .reverse()
      .map((l) => `${l}\n`)
      .join(''),
    linePrefix,
    lineSuffix,
    below,
  };
}

/** The window as a prompt in the model's FIM template (no extra context): lines above and the
 * current line as two segments of the prefix, then the suffix. */
export function windowPrompt(
  template: FimTemplate,
  window: CursorWindow,
  doc: Pick<CompletionDocument, 'uri' | 'relativePath' | 'languageId'>,
): PromptSegment[] {
  const suffix = window.below.length === 0 ? window.lineSuffix : `${window.lineSuffix}\n${window.below.join('\n')}`;
  return template.render({
    prefix: [window.above, window.linePrefix],
    suffix,
    path: displayPath(doc),
    languageId: doc.languageId,
    repoName: 'workspace',
    snippets: [],
  });
}
