// What every next-edit prompt format takes and gives. A format picks the region of the file the
// model may rewrite, writes the prompt exactly as its model was trained on it, and reads the
// rewritten region back out of the model's answer. Prompts are lists of segments: text is
// tokenized as plain text (a `<|file_sep|>` typed in the user's code stays text, so code cannot
// forge the format's markers) and `special` segments become the model's own control tokens.
import type { ContextSnippet } from '../completion/extraContext';
import type { CompletionDocument, Position } from '../completion/documentWindow';
import type { PromptSegment } from '../engine/protocol';
import type { EditRecord } from './editHistory';

export type NextEditFamily = 'sweep' | 'zeta' | 'instinct';

export const NEXT_EDIT_FAMILIES: readonly NextEditFamily[] = ['sweep', 'zeta', 'instinct'];

export interface NesContext {
  readonly doc: CompletionDocument;
  /** The path shown to the model (workspace-relative). */
  readonly path: string;
  readonly cursor: Position;
  /** The user's recent edits, oldest first, all files. */
  readonly edits: readonly EditRecord[];
  /** Snippets of other places (recently viewed or edited), oldest first. */
  readonly snippets: readonly ContextSnippet[];
}

/** The lines the model rewrites: document lines [start, end). */
export interface NesRegion {
  readonly start: number;
  readonly end: number;
  readonly lines: readonly string[];
}

export interface NesPrompt {
  readonly family: NextEditFamily;
  readonly segments: PromptSegment[];
  readonly stop: string[];
  readonly maxTokens: number;
  readonly region: NesRegion;
  /** The region's new lines from the model's answer; null when the answer is not usable. */
  parse(output: string): string[] | null;
}

export interface NextEditFormat {
  readonly family: NextEditFamily;
  /** How the README and the status item name it. */
  readonly label: string;
  build(ctx: NesContext): NesPrompt;
}

/** The prompt as one string, special tokens written as their text (for tests, logs and cache keys). */
export function promptText(segments: readonly PromptSegment[]): string {
  return segments.map((s) => ('special' in s ? s.special : s.text)).join('');
}

/** Document lines [start, end) (clamped). */
export function readLines(doc: CompletionDocument, start: number, end: number): string[] {
  const out: string[] = [];
  for (let i = Math.max(0, start); i < Math.min(doc.lineCount, end); i++) out.push(doc.lineAt(i));
  return out;
}

/** Zed's estimate for prompt budgets: three bytes per token, erring on the side of fewer tokens. */
export function guessTokens(text: string): number {
  return Math.floor(utf8Length(text) / 3);
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      bytes += 4; // a surrogate pair: one code point of four bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Room for the model to write the region again, plus some growth. */
export function rewriteBudget(region: readonly string[], floor = 64, cap = 2048): number {
  const chars = region.reduce((n, l) => n + l.length + 1, 0);
  return Math.min(cap, Math.max(floor, Math.ceil(chars / 2) + 64));
}

/** Removes one trailing line break (answers end their region with one). */
export function withoutFinalNewline(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
