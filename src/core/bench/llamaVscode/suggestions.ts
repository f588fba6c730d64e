// What llama.vscode does with the server's answers before showing them (src/completion.ts):
// trailing blank lines dropped, suggestions that repeat the code around the cursor discarded,
// a suggestion cut where it runs into the rest of the line, and, on a line of only indentation,
// leading spaces stripped (the request left that indentation out of the prompt).
import type { CompletionDocument, Position } from '../../completion/documentWindow';

export function removeTrailingBlankLines(lines: string[]): string[] {
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines;
}

export function suggestionLines(completion: string): string[] {
  return removeTrailingBlankLines(completion.split(/\r?\n/));
}

/** A line of the document, or "" past its end (VS Code would throw; llama.vscode then shows nothing). */
function lineOf(doc: CompletionDocument, line: number): string {
  return line >= 0 && line < doc.lineCount ? doc.lineAt(line) : '';
}

/** shouldDiscardSuggestion: true when the suggestion repeats what is already there. */
export function shouldDiscard(
  lines: readonly string[],
  doc: CompletionDocument,
  position: Position,
  linePrefix: string,
  lineSuffix: string,
): boolean {
  if (lines.length === 0) return true;
  if (lines.length === 1 && lines[0]!.trim() === '') return true;
  if (position.line === doc.lineCount - 1) return false;
  if (
    lines.length > 1 &&
    (lines[0]!.trim() === '' || lines[0]!.trim() === lineSuffix.trim()) &&
    lines.slice(1).every((value, i) => value === lineOf(doc, position.line + 1 + i))
  )
    return true;
  if (lines.length === 1 && lines[0] === lineSuffix) return true;
  let next = position.line + 1;
  while (next < doc.lineCount && doc.lineAt(next).trim() === '') next++;
  if (next >= doc.lineCount) return false;
  if (linePrefix + lines[0] === doc.lineAt(next)) {
    if (lines.length === 1) return true;
    if (lines.length === 2 && lines[1] === lineOf(doc, next + 1).slice(0, lines[1]!.length)) return true;
    if (lines.length > 2 && lines.slice(1).every((value, i) => value === lineOf(doc, next + 1 + i))) return true;
  }
  return false;
}

/** updateSuggestion: with text right of the cursor, only the first line, cut before that text. */
export function updateSuggestion(lines: readonly string[], lineSuffix: string): string {
  if (lineSuffix.trim() !== '') {
    if (lines[0]!.endsWith(lineSuffix)) return lines[0]!.slice(0, -lineSuffix.length);
    if (lines.length > 1) return lines[0]!;
  }
  return lines.join('\n');
}

/** removeLeadingSpaces as written (its loop condition also strips tabs past `n`). */
export function removeLeadingSpaces(text: string, n: number): string {
  let i = 0;
  while ((i < text.length && i < n && text[i] === ' ') || text[i] === '\t') i++;
  return text.slice(i);
}

/** The answers of one /infill response (one object, or an array for n_cmpl > 1), without repeats. */
export function completionsOf(response: unknown): string[] {
  const results = Array.isArray(response) ? response : [response];
  const texts = results.map((r) =>
    typeof (r as { content?: unknown })?.content === 'string' ? (r as { content: string }).content : '',
  );
  return [...new Set(texts)];
}
