// The document as the completion core sees it. The VS Code adapter wraps a TextDocument and the
// benchmark wraps a snapshot; both only need to hand out single lines, so every piece of context is
// read from a bounded window of lines around the cursor and nothing ever asks for the whole text.
// A keystroke in a 10,000-line file costs the same as one in a 100-line file.

export interface CompletionDocument {
  readonly uri: string;
  readonly languageId: string;
  /** Increases with every edit (VS Code's TextDocument.version). */
  readonly version: number;
  readonly lineCount: number;
  /** The text of one line, without its line break; with `maxChars`, at most its first `maxChars`
   * characters. Readers that only need to know that a line is too long ask for one character more
   * than they can use, so a 50 MB minified line costs what a short one does. */
  lineAt(line: number, maxChars?: number): string;
  /** Path shown to the model in file headers (workspace-relative); derived from the uri when absent. */
  readonly relativePath?: string;
}

/** Zero-based line and UTF-16 character offset, as in VS Code. */
export interface Position {
  readonly line: number;
  readonly character: number;
}

/** The path the model sees: the workspace-relative path, or the last three segments of the uri. */
export function displayPath(doc: Pick<CompletionDocument, 'uri' | 'relativePath'>): string {
  if (doc.relativePath) return doc.relativePath;
  const path = doc.uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/^[a-z][a-z0-9+.-]*:/i, '');
  const parts = decodeURIComponentSafe(path).split(/[\\/]/).filter(Boolean);
  return parts.slice(-3).join('/') || doc.uri;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

export function leadingWhitespace(line: string): string {
  return line.slice(0, line.length - line.trimStart().length);
}

/** Visual width of a line's indentation, a tab counting as `tabSize` columns. */
export function indentWidth(line: string, tabSize = 4): number {
  let width = 0;
  for (const ch of leadingWhitespace(line)) width += ch === '\t' ? tabSize - (width % tabSize) : 1;
  return width;
}

/** At most `maxChars` characters of a line (the whole line without a limit). */
export function cutLine(text: string, maxChars: number | undefined): string {
  return maxChars === undefined || text.length <= maxChars ? text : text.slice(0, Math.max(0, maxChars));
}

/** A document held as an array of lines: the benchmark's snapshots and the tests' documents.
 * Counts `lineAt` calls and the characters they return, so tests can check that work does not
 * grow with the document. */
export class LinesDocument implements CompletionDocument {
  lineReads = 0;
  charsRead = 0;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    private readonly lines: readonly string[],
    readonly version = 1,
    readonly relativePath?: string,
  ) {
    if (lines.length === 0) this.lines = [''];
  }

  static fromText(uri: string, languageId: string, text: string, version = 1): LinesDocument {
    return new LinesDocument(uri, languageId, text.split(/\r?\n/), version);
  }

  get lineCount(): number {
    return this.lines.length;
  }

  lineAt(line: number, maxChars?: number): string {
    this.lineReads++;
    const text = this.lines[line];
    if (text === undefined) throw new RangeError(`line ${line} is outside 0..${this.lines.length - 1}`);
    const read = cutLine(text, maxChars);
    this.charsRead += read.length;
    return read;
  }

  /** A new version of this document with `text` inserted at `at` (what a keystroke does). */
  insert(at: Position, text: string): LinesDocument {
    const doc = new InsertedTextDocument(this, at, text);
    const lines: string[] = [];
    for (let i = 0; i < at.line; i++) lines.push(this.lines[i]!);
    for (let i = at.line; i < doc.lineCount; i++) lines.push(doc.lineAt(i));
    return new LinesDocument(this.uri, this.languageId, lines, this.version + 1, this.relativePath);
  }
}

/** A document seen as if `text` had been inserted at `at` (replacing the text up to `until`, when
 * given), without copying it: used to compute the completion that follows the acceptance of a
 * suggestion (prefetch) or of the suggest widget's selected item. Reads stay line by line. */
export class InsertedTextDocument implements CompletionDocument {
  readonly uri: string;
  readonly languageId: string;
  readonly version: number;
  readonly relativePath?: string;
  readonly lineCount: number;
  /** Where the cursor lands after the insertion. */
  readonly end: Position;
  private readonly inserted: string[];
  /** Lines added (or, when negative, removed) after the inserted ones. */
  private readonly shift: number;

  constructor(
    private readonly base: CompletionDocument,
    private readonly at: Position,
    text: string,
    until: Position = at,
  ) {
    this.uri = base.uri;
    this.languageId = base.languageId;
    this.version = base.version + 1;
    this.relativePath = base.relativePath;
    const parts = text.split('\n');
    const head = base.lineAt(at.line).slice(0, at.character);
    const tail = base.lineAt(until.line).slice(until.character);
    const last = parts.length - 1;
    this.inserted = parts.map((p, i) => (i === 0 ? head : '') + p + (i === last ? tail : ''));
    this.shift = last - (until.line - at.line);
    this.lineCount = base.lineCount + this.shift;
    this.end = { line: at.line + last, character: (last === 0 ? head.length : 0) + parts[last]!.length };
  }

  lineAt(line: number, maxChars?: number): string {
    if (line < this.at.line) return this.base.lineAt(line, maxChars);
    if (line < this.at.line + this.inserted.length) return cutLine(this.inserted[line - this.at.line]!, maxChars);
    return this.base.lineAt(line - this.shift, maxChars);
  }
}
