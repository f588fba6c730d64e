// The user's recent edits, as next edit suggestions need them: per file, the regions the user
// changed, each with its lines before and after, rendered as unified diffs or before/after blocks.
//
// Editors report a change as "this range became this text" without the text it replaced, so the
// history keeps a shadow copy of each file it follows (bounded in size) and applies every change to
// it; the replaced lines are read from the shadow before the change is applied. Consecutive changes
// within a few lines of each other grow one open edit (typing a word is one edit, not ten); a change
// elsewhere, in another file, or an edit grown past its line cap closes it. A closed edit whose lines
// came back to what they were (typed and deleted again) is dropped. Only the latest `maxEdits`
// are kept, and each is capped in lines and line length, so a paste of a thousand lines costs a
// bounded prompt. A change the user did not type (a reload from disk, a checkout, a formatter
// replacing the whole file) resets the file's history: diffs against a file the user never saw
// would mislead the model.
import type { Position } from '../completion/documentWindow';
import { diffLines } from './lineDiff';

export interface HistoryDocument {
  readonly uri: string;
  /** The path shown to the model. */
  readonly path: string;
  readonly lineCount: number;
  lineAt(line: number): string;
}

/** One change, in the coordinates of the document before it (as VS Code reports contentChanges). */
export interface TextChange {
  readonly range: { readonly start: Position; readonly end: Position };
  readonly text: string;
}

export interface EditRecord {
  readonly uri: string;
  readonly path: string;
  /** Zero-based line where the region starts, before and after the edit. */
  readonly oldStart: number;
  readonly newStart: number;
  readonly oldLines: readonly string[];
  readonly newLines: readonly string[];
  /** Unchanged lines just above and below the region (the diff's context). */
  readonly above: readonly string[];
  readonly below: readonly string[];
  /** When the edit was last extended (the clock's milliseconds). */
  readonly at: number;
}

export interface EditHistoryOptions {
  /** Most edits kept, across files. */
  maxEdits: number;
  /** A change this many lines or fewer from the open edit joins it. */
  mergeLines: number;
  /** An edit whose region grows past this many lines is closed; longer sides are cut in the middle. */
  maxLinesPerEdit: number;
  /** Longer lines are cut (minified code would fill the prompt). */
  maxLineChars: number;
  contextLines: number;
  /** Files followed at once (their shadows are kept); the least recently used goes first. */
  maxFiles: number;
  /** A file longer than this is not followed. */
  maxFileLines: number;
}

const DEFAULTS: EditHistoryOptions = {
  maxEdits: 8,
  mergeLines: 8,
  maxLinesPerEdit: 40,
  maxLineChars: 500,
  contextLines: 2,
  maxFiles: 16,
  maxFileLines: 50_000,
};

interface OpenEdit {
  uri: string;
  path: string;
  oldStart: number;
  oldLines: string[];
  /** The region in the shadow now: lines [start, end). */
  start: number;
  end: number;
  at: number;
}

export class EditHistory {
  private readonly options: EditHistoryOptions;
  private readonly shadows = new Map<string, string[]>();
  private closed: EditRecord[] = [];
  private open?: OpenEdit;
  private changes = 0;

  constructor(
    options: Partial<EditHistoryOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Increases with every change the history sees. */
  get version(): number {
    return this.changes;
  }

  /** Starts following a document (its current text becomes the shadow), when not followed yet. */
  observe(doc: HistoryDocument): void {
    if (this.shadows.has(doc.uri)) {
      this.touch(doc.uri);
      return;
    }
    this.snapshot(doc);
  }

  /** The user changed `doc` (now in its new state) by `changes` (in the old state's coordinates). */
  onUserChange(doc: HistoryDocument, changes: readonly TextChange[]): void {
    const shadow = this.shadows.get(doc.uri);
    if (!shadow) {
      this.snapshot(doc); // first sight of this file: later changes can be diffed
      return;
    }
    this.touch(doc.uri);
    this.changes++;
    // Bottom-up, so each change's coordinates (taken before any of them) stay valid.
    const ordered = [...changes].sort(
      (a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character,
    );
    for (const change of ordered) this.apply(doc, shadow, change);
    if (shadow.length !== doc.lineCount) this.onExternalChange(doc); // out of step: start over from the truth
    const open = this.open;
    if (open && open.end - open.start > this.options.maxLinesPerEdit) this.closeOpen();
  }

  /** A change the user did not make: forget the file's edits and follow it from its new text. */
  onExternalChange(doc: HistoryDocument): void {
    this.reset(doc.uri);
    this.snapshot(doc);
  }

  /** Forget one file's edits (or all), e.g. when it is closed or its text was replaced. */
  reset(uri?: string): void {
    this.changes++;
    if (this.open && (!uri || this.open.uri === uri)) this.open = undefined;
    this.closed = uri ? this.closed.filter((r) => r.uri !== uri) : [];
    if (!uri) this.shadows.clear();
  }

  /** Stop following a file (closed); its recorded edits stay. */
  forget(uri: string): void {
    if (this.open?.uri === uri) this.closeOpen();
    this.shadows.delete(uri);
  }

  /** The recent edits, oldest first; the last one may still be growing. */
  edits(): EditRecord[] {
    const open = this.open && this.record(this.open);
    return open ? [...this.closed, open] : [...this.closed];
  }

  /** The latest edit of one file, if any (the open one first). */
  latestFor(uri: string): EditRecord | undefined {
    const all = this.edits();
    for (let i = all.length - 1; i >= 0; i--) if (all[i]!.uri === uri) return all[i];
    return undefined;
  }

  private apply(doc: HistoryDocument, shadow: string[], change: TextChange): void {
    const { start, end } = change.range;
    if (start.line >= shadow.length || end.line >= shadow.length) return;
    const open = this.open;
    const near =
      open &&
      open.uri === doc.uri &&
      start.line <= open.end + this.options.mergeLines &&
      end.line + 1 >= open.start - this.options.mergeLines;
    let edit: OpenEdit;
    if (near && open) {
      edit = open;
      // Lines the change reaches beyond the region are unchanged so far: take them from the shadow.
      if (start.line < edit.start) {
        edit.oldLines.unshift(...shadow.slice(start.line, edit.start));
        edit.oldStart -= edit.start - start.line;
        edit.start = start.line;
      }
      if (end.line + 1 > edit.end) {
        edit.oldLines.push(...shadow.slice(edit.end, end.line + 1));
        edit.end = end.line + 1;
      }
    } else {
      this.closeOpen();
      edit = {
        uri: doc.uri,
        path: doc.path,
        oldStart: start.line,
        oldLines: shadow.slice(start.line, end.line + 1),
        start: start.line,
        end: end.line + 1,
        at: 0,
      };
      this.open = edit;
    }
    const head = shadow[start.line]!.slice(0, start.character);
    const tail = shadow[end.line]!.slice(end.character);
    const inserted = `${head}${change.text}${tail}`.split(/\r?\n/);
    shadow.splice(start.line, end.line - start.line + 1, ...inserted);
    edit.end += inserted.length - (end.line - start.line + 1);
    edit.at = this.now();
  }

  private closeOpen(): void {
    const open = this.open;
    this.open = undefined;
    if (!open) return;
    const record = this.record(open);
    if (!record) return;
    this.closed.push(record);
    if (this.closed.length > this.options.maxEdits - 1)
      this.closed.splice(0, this.closed.length - (this.options.maxEdits - 1));
  }

  /** The open edit as a record, or undefined when its lines are back to what they were. */
  private record(edit: OpenEdit): EditRecord | undefined {
    const shadow = this.shadows.get(edit.uri);
    if (!shadow) return undefined;
    const newLines = shadow.slice(edit.start, edit.end);
    if (diffLines(edit.oldLines, newLines).length === 0) return undefined;
    const n = this.options.contextLines;
    return {
      uri: edit.uri,
      path: edit.path,
      oldStart: edit.oldStart,
      newStart: edit.start,
      oldLines: this.cap(edit.oldLines),
      newLines: this.cap(newLines),
      above: shadow.slice(Math.max(0, edit.start - n), edit.start).map((l) => this.cut(l)),
      below: shadow.slice(edit.end, edit.end + n).map((l) => this.cut(l)),
      at: edit.at,
    };
  }

  /** Keeps the head and tail of a long side, with "..." between (as Sweep's client does). */
  private cap(lines: readonly string[]): string[] {
    const max = this.options.maxLinesPerEdit;
    const cut = lines.map((l) => this.cut(l));
    if (cut.length <= max) return cut;
    const headCount = Math.floor(max / 2);
    const tailCount = max - headCount - 1;
    return [...cut.slice(0, headCount), '...', ...cut.slice(cut.length - tailCount)];
  }

  private cut(line: string): string {
    return line.length > this.options.maxLineChars ? `${line.slice(0, this.options.maxLineChars)}…` : line;
  }

  private snapshot(doc: HistoryDocument): void {
    if (doc.lineCount > this.options.maxFileLines) {
      this.shadows.delete(doc.uri);
      return;
    }
    const lines: string[] = [];
    for (let i = 0; i < doc.lineCount; i++) lines.push(doc.lineAt(i));
    this.shadows.set(doc.uri, lines);
    this.touch(doc.uri);
  }

  /** Most recently used last; the oldest shadows go beyond `maxFiles`. */
  private touch(uri: string): void {
    const shadow = this.shadows.get(uri);
    if (!shadow) return;
    this.shadows.delete(uri);
    this.shadows.set(uri, shadow);
    while (this.shadows.size > this.options.maxFiles) {
      const oldest = this.shadows.keys().next().value as string;
      if (this.open?.uri === oldest) this.closeOpen();
      this.shadows.delete(oldest);
    }
  }
}
