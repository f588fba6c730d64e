// Reads recent edits from a unified diff (what `git diff` or `diff -u` prints) into edit records,
// for the command line: `alembic next-edit --edits changes.diff`. Each hunk becomes one edit: its
// leading and trailing context lines stay context, everything from the first to the last changed
// line is the edit's region. Bad input is refused with the line it is on; sizes are capped.
import type { EditRecord } from './editHistory';

export class DiffParseError extends Error {}

const MAX_DIFF_CHARS = 4_000_000;
const MAX_HUNKS = 1000;
const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** `pathToUri` names each file's document (the command line maps the --file path to its own). */
export function parseUnifiedDiff(text: string, pathToUri: (path: string) => string): EditRecord[] {
  if (text.length > MAX_DIFF_CHARS) throw new DiffParseError(`the diff is larger than ${MAX_DIFF_CHARS} characters`);
  const lines = text.split(/\r?\n/);
  const records: EditRecord[] = [];
  let path: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('+++ ')) {
      path = cleanPath(line.slice(4));
      continue;
    }
    const m = HUNK.exec(line);
    if (!m) continue;
    if (!path) throw new DiffParseError(`line ${i + 1}: a hunk before any "+++ file" header`);
    if (records.length >= MAX_HUNKS) throw new DiffParseError(`more than ${MAX_HUNKS} hunks`);
    let oldLeft = m[2] === undefined ? 1 : Number(m[2]);
    let newLeft = m[4] === undefined ? 1 : Number(m[4]);
    const body: { kind: ' ' | '-' | '+'; text: string }[] = [];
    while ((oldLeft > 0 || newLeft > 0) && i + 1 < lines.length) {
      const next = lines[++i]!;
      if (next.startsWith('\\')) continue; // "\ No newline at end of file"
      const kind = next[0] ?? ' ';
      if (kind !== ' ' && kind !== '-' && kind !== '+')
        throw new DiffParseError(`line ${i + 1}: expected a context, "-" or "+" line inside the hunk`);
      body.push({ kind, text: next.slice(1) });
      if (kind !== '+') oldLeft--;
      if (kind !== '-') newLeft--;
    }
    if (oldLeft > 0 || newLeft > 0) throw new DiffParseError(`line ${i + 1}: the hunk ends early`);
    const first = body.findIndex((b) => b.kind !== ' ');
    if (first < 0) continue; // context only: no edit
    let last = body.length - 1;
    while (body[last]!.kind === ' ') last--;
    const middle = body.slice(first, last + 1);
    const oldFirst = Number(m[1]) === 0 ? 0 : Number(m[1]) - 1;
    const newFirst = Number(m[3]) === 0 ? 0 : Number(m[3]) - 1;
    records.push({
      uri: pathToUri(path),
      path,
      oldStart: oldFirst + first,
      newStart: newFirst + first,
      oldLines: middle.filter((b) => b.kind !== '+').map((b) => b.text),
      newLines: middle.filter((b) => b.kind !== '-').map((b) => b.text),
      above: body.slice(0, first).map((b) => b.text),
      below: body.slice(last + 1).map((b) => b.text),
      at: 0,
    });
  }
  return records;
}

/** "b/src/a.ts\t2024-…" → "src/a.ts". */
function cleanPath(header: string): string {
  const name = header.split('\t')[0]!.trim();
  return name.replace(/^[ab]\//, '');
}
