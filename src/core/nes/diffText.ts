// The two ways next-edit models read an edit: a unified diff hunk (Zeta, Instinct) and Sweep's
// "original:" / "updated:" blocks (its authors found plain before/after text works better for small
// models than diff syntax).
import type { EditRecord } from './editHistory';
import { diffLines } from './lineDiff';

/** One hunk: `@@ -a,b +c,d @@`, then context, removed and added lines (no trailing line break). */
export function unifiedHunk(edit: EditRecord): string {
  const body: string[] = edit.above.map((l) => ` ${l}`);
  let i = 0;
  let j = 0;
  for (const h of diffLines(edit.oldLines, edit.newLines)) {
    while (i < h.oldStart) body.push(` ${edit.oldLines[i++]}`);
    j = h.newStart;
    for (; i < h.oldEnd; i++) body.push(`-${edit.oldLines[i]}`);
    for (; j < h.newEnd; j++) body.push(`+${edit.newLines[j]}`);
  }
  while (i < edit.oldLines.length) body.push(` ${edit.oldLines[i++]}`);
  body.push(...edit.below.map((l) => ` ${l}`));
  const context = edit.above.length + edit.below.length;
  const oldCount = edit.oldLines.length + context;
  const newCount = edit.newLines.length + context;
  const oldFirst = edit.oldStart - edit.above.length;
  const newFirst = edit.newStart - edit.above.length;
  // Unified diffs number lines from 1; an empty side names the line before it.
  const header = `@@ -${oldCount ? oldFirst + 1 : oldFirst},${oldCount} +${newCount ? newFirst + 1 : newFirst},${newCount} @@`;
  return [header, ...body].join('\n');
}

/** The region before and after, context included (what Sweep's client derives from a diff). */
export function beforeAfter(edit: EditRecord): { original: string; updated: string } {
  return {
    original: [...edit.above, ...edit.oldLines, ...edit.below].join('\n'),
    updated: [...edit.above, ...edit.newLines, ...edit.below].join('\n'),
  };
}
