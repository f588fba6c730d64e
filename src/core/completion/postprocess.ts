// Post-processing: raw model output in, a suggestion (or nothing) out. The rules run in a fixed
// order: first what removes garbage (reasoning, special tokens, an unfinished last line), then the
// shape (line count, repetition), then what the document already has (the next line, brackets the
// suffix closes, the rest of the line), then the drops, and indentation last, on the final lines.
import { detectIndentation, rebaseIndentation } from './indentation';
import {
  closeOnlyOwnBrackets,
  cutAtNextLineCopy,
  cutAtSpecialToken,
  cutRunawayRepetition,
  dropBlank,
  dropIfRepeatsLineAbove,
  dropIfRepeatsSuffix,
  dropUnfinishedLastLine,
  limitLines,
  stopAtSuffixOverlap,
  stripThinking,
  type Rule,
  type RuleContext,
} from './postprocessRules';

export type { RuleContext } from './postprocessRules';

const reindent: Rule = (text, ctx) =>
  rebaseIndentation(text, detectIndentation([...ctx.previousLines, ctx.linePrefix, ...ctx.nextLines]));

export const POSTPROCESS_RULES: ReadonlyArray<readonly [string, Rule]> = [
  ['stripThinking', stripThinking],
  ['cutAtSpecialToken', cutAtSpecialToken],
  ['dropUnfinishedLastLine', dropUnfinishedLastLine],
  ['limitLines', limitLines],
  ['cutRunawayRepetition', cutRunawayRepetition],
  ['cutAtNextLineCopy', cutAtNextLineCopy],
  ['closeOnlyOwnBrackets', closeOnlyOwnBrackets],
  ['stopAtSuffixOverlap', stopAtSuffixOverlap],
  ['dropIfRepeatsSuffix', dropIfRepeatsSuffix],
  ['dropIfRepeatsLineAbove', dropIfRepeatsLineAbove],
  ['reindent', reindent],
  ['dropBlank', dropBlank],
];

export interface PostprocessResult {
  /** The suggestion, or null when there is none worth showing. */
  text: string | null;
  /** The rule that dropped the suggestion (for logs and the benchmark). */
  droppedBy?: string;
}

export function postprocessCompletion(raw: string, ctx: RuleContext): PostprocessResult {
  let text = raw;
  for (const [name, rule] of POSTPROCESS_RULES) {
    const next = rule(text, ctx);
    if (next === null) return { text: null, droppedBy: name };
    text = next;
  }
  return { text };
}

/** Fits a typed-ahead remainder to a text after the cursor that the editor changed meanwhile (it
 * auto-closed a bracket or quote the user typed): closers the suffix now supplies are cut. */
export function fitRemainderToSuffix(remainder: string, ctx: RuleContext): string | null {
  let text: string | null = remainder;
  for (const rule of [closeOnlyOwnBrackets, stopAtSuffixOverlap, dropBlank]) {
    text = rule(text, ctx);
    if (text === null) return null;
  }
  return text;
}
