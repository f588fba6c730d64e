// Line diffs for next edit suggestions: the model rewrites a region of the file, and what it
// changed is found by comparing the region's old and new lines. Each run of changed lines becomes
// one edit, narrowed to the characters that differ (a rename inside a line replaces just the name),
// so the editor can show and apply exactly that. Regions are small (tens of lines, capped by the
// caller), so a plain longest-common-subsequence table is fast enough and easy to trust.
import type { Position } from '../completion/documentWindow';

/** A run of changed lines: old lines [oldStart, oldEnd) became new lines [newStart, newEnd). */
export interface LineHunk {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/** Most lines either side of a diff; longer inputs are compared as one changed block. */
export const MAX_DIFF_LINES = 2000;

/** The changed runs between two line arrays, in order. */
export function diffLines(a: readonly string[], b: readonly string[]): LineHunk[] {
  // Common head and tail first: the usual case (a few lines changed) leaves a tiny middle.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  if (x.length === 0 && y.length === 0) return [];
  if (x.length === 0 || y.length === 0 || x.length * y.length > MAX_DIFF_LINES * 8) {
    return [{ oldStart: head, oldEnd: head + x.length, newStart: head, newEnd: head + y.length }];
  }
  // LCS table over the middle, then walk it to collect the unmatched runs.
  const n = x.length;
  const m = y.length;
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        x[i] === y[j]
          ? lcs[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const hunks: LineHunk[] = [];
  let open: LineHunk | undefined;
  let i = 0;
  let j = 0;
  const close = () => {
    if (open) hunks.push(open);
    open = undefined;
  };
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      close();
      i++;
      j++;
      continue;
    }
    open ??= { oldStart: head + i, oldEnd: head + i, newStart: head + j, newEnd: head + j };
    if (j < m && (i === n || lcs[i * (m + 1) + j + 1]! >= lcs[(i + 1) * (m + 1) + j]!)) {
      j++;
      open.newEnd = head + j;
    } else {
      i++;
      open.oldEnd = head + i;
    }
  }
  close();
  return hunks;
}

/** A replacement in a document: the text in [start, end) becomes `text`. */
export interface TextEdit {
  readonly range: { readonly start: Position; readonly end: Position };
  /** The text the edit replaces (what the document holds in `range`). */
  readonly oldText: string;
  readonly text: string;
  /** For an edit within one line: the changed words, for display (the edit is applied whole). */
  readonly parts?: readonly TextEdit[];
}

/**
 * The edits that turn the region's old lines into its new lines, one per changed run, each narrowed
 * to the characters that differ. `firstLine` is the document line of the region's first line; the
 * region ends at the end of its last line (its line break is not part of it).
 */
export function regionEdits(oldLines: readonly string[], newLines: readonly string[], firstLine: number): TextEdit[] {
  const edits: TextEdit[] = [];
  const lastLine = oldLines.length - 1;
  for (const h of splitLineForLine(diffLines(oldLines, newLines), oldLines, newLines)) {
    const oldRun = oldLines.slice(h.oldStart, h.oldEnd);
    const newRun = newLines.slice(h.newStart, h.newEnd);
    let edit: TextEdit;
    if (h.oldEnd <= lastLine) {
      // Whole lines with their line breaks: [oldStart, 0) to [oldEnd, 0).
      edit = {
        range: {
          start: { line: firstLine + h.oldStart, character: 0 },
          end: { line: firstLine + h.oldEnd, character: 0 },
        },
        oldText: oldRun.map((l) => `${l}\n`).join(''),
        text: newRun.map((l) => `${l}\n`).join(''),
      };
    } else if (h.oldStart > 0) {
      // The run reaches the region's end, which has no line break after it: take the break before.
      const before = oldLines[h.oldStart - 1]!;
      edit = {
        range: {
          start: { line: firstLine + h.oldStart - 1, character: before.length },
          end: { line: firstLine + lastLine, character: oldLines[lastLine]!.length },
        },
        oldText: oldRun.map((l) => `\n${l}`).join(''),
        text: newRun.map((l) => `\n${l}`).join(''),
      };
    } else {
      // The whole region changed.
      edit = {
        range: {
          start: { line: firstLine, character: 0 },
          end: { line: firstLine + Math.max(0, lastLine), character: oldLines[lastLine]?.length ?? 0 },
        },
        oldText: oldRun.join('\n'),
        text: newRun.join('\n'),
      };
    }
    edits.push(withParts(narrow(edit)));
  }
  return edits;
}

/** A run that changes each of its lines in place (as many lines before as after) becomes one run per
 * changed line: a rename on three neighbouring lines is three edits, each shown and taken alone. */
function splitLineForLine(hunks: LineHunk[], a: readonly string[], b: readonly string[]): LineHunk[] {
  return hunks.flatMap((h) => {
    const n = h.oldEnd - h.oldStart;
    if (n < 2 || n !== h.newEnd - h.newStart) return [h];
    const out: LineHunk[] = [];
    for (let k = 0; k < n; k++) {
      if (a[h.oldStart + k] === b[h.newStart + k]) continue;
      out.push({
        oldStart: h.oldStart + k,
        oldEnd: h.oldStart + k + 1,
        newStart: h.newStart + k,
        newEnd: h.newStart + k + 1,
      });
    }
    return out;
  });
}

const WORDS = /\w+|\s+|[^\w\s]/g;

/** Splits a one-line edit into its changed words (a rename twice on a line is two parts). */
export function withParts(edit: TextEdit): TextEdit {
  if (edit.range.start.line !== edit.range.end.line || edit.oldText.includes('\n') || edit.text.includes('\n'))
    return edit;
  const a = edit.oldText.match(WORDS) ?? [];
  const b = edit.text.match(WORDS) ?? [];
  const runs = diffLines(a, b);
  if (runs.length < 2) return edit;
  const offset = (tokens: readonly string[], n: number) => tokens.slice(0, n).join('').length;
  const { line, character } = edit.range.start;
  const parts = runs.map((r) => {
    const from = character + offset(a, r.oldStart);
    return {
      range: { start: { line, character: from }, end: { line, character: character + offset(a, r.oldEnd) } },
      oldText: a.slice(r.oldStart, r.oldEnd).join(''),
      text: b.slice(r.newStart, r.newEnd).join(''),
    };
  });
  return { ...edit, parts };
}

/** Drops the characters an edit's old and new text share at both ends, moving its range inward. */
export function narrow(edit: TextEdit): TextEdit {
  const { oldText, text } = edit;
  let p = 0;
  while (p < oldText.length && p < text.length && oldText[p] === text[p]) p++;
  let s = 0;
  while (s < oldText.length - p && s < text.length - p && oldText[oldText.length - 1 - s] === text[text.length - 1 - s])
    s++;
  if (p === 0 && s === 0) return edit;
  return {
    range: {
      start: advance(edit.range.start, oldText.slice(0, p)),
      end: advance(edit.range.start, oldText.slice(0, oldText.length - s)),
    },
    oldText: oldText.slice(p, oldText.length - s),
    text: text.slice(p, text.length - s),
  };
}

/** The position reached by reading `text` from `from`. */
export function advance(from: Position, text: string): Position {
  const breaks = text.split('\n');
  if (breaks.length === 1) return { line: from.line, character: from.character + text.length };
  return { line: from.line + breaks.length - 1, character: breaks[breaks.length - 1]!.length };
}

export function comparePositions(a: Position, b: Position): number {
  return a.line !== b.line ? a.line - b.line : a.character - b.character;
}
