// The benchmark's simulated typist: it re-types a region of a real file, one keystroke at a time,
// the way VS Code would present it to a completion provider.
//
// The region is whole lines [startLine, endLine) of the file, about `chars` characters from
// `fromLine`. The replay starts from the file without them: the lines above, then a line holding
// only the first region line's indentation (the user just pressed Enter there), then the rest of
// the file, which stays below the cursor as the suffix the whole time. Every keystroke inserts at
// the cursor, so when the region is typed the document equals the original file again.
//
// Editor behaviour imitated: Enter inserts the line break and the next line's indentation in one
// keystroke (auto-indent), then the typist types the rest of that line. An opening bracket whose
// closer comes later on the same line is auto-closed (the closer appears after the cursor) and the
// typist types over that closer when it gets there, as in VS Code. A bracket closed on a later
// line is not auto-closed (VS Code would move its closer down on Enter; the typist types it at its
// own line instead), and quotes are never auto-closed. A suggestion is accepted (Tab) only when it
// is exactly what the typist is about to type.
//
// The rhythm is drawn from a seeded generator: 80–200 ms per character, longer after a line break
// (reading), at the end of a line, at word starts and after punctuation, a few multi-second pauses,
// and a reaction time before Tab.
import { LinesDocument, type Position } from '../completion/documentWindow';
import { createRandom, type Random } from './random';

export interface TypistFile {
  uri: string;
  languageId: string;
  /** Path shown to the model. */
  relativePath?: string;
  text: string;
}

export interface TypedRegion {
  /** First line typed (0-based). */
  startLine: number;
  /** Line after the last one typed. */
  endLine: number;
  /** The region's text, lines joined with "\n" (no final line break). */
  text: string;
}

/** What a keystroke did. `clear` deletes auto-inserted closers the typist never typed over (a
 * fallback for brackets an editor would pair differently); it should be rare. */
export type KeyKind = 'char' | 'enter' | 'overtype' | 'clear' | 'accept';

const CLOSER_OF: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Whole lines from `fromLine` until at least `chars` characters (line breaks included), or the end. */
export function selectRegion(lines: readonly string[], fromLine: number, chars: number): TypedRegion {
  if (!Number.isInteger(fromLine) || fromLine < 0 || fromLine >= lines.length) {
    throw new RangeError(`line ${fromLine + 1} is outside the file (1–${lines.length})`);
  }
  let end = fromLine;
  let size = 0;
  do {
    size += lines[end]!.length + 1;
    end++;
  } while (end < lines.length && size < chars);
  return { startLine: fromLine, endLine: end, text: lines.slice(fromLine, end).join('\n') };
}

export function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

function leadingWhitespace(text: string, from: number): string {
  let end = from;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  return text.slice(from, end);
}

/** Whether the bracket at `at` is closed later on the same line (brackets of that kind only). */
function closedOnSameLine(text: string, at: number): boolean {
  const open = text[at]!;
  const close = CLOSER_OF[open]!;
  let depth = 0;
  for (let i = at + 1; i < text.length && text[i] !== '\n'; i++) {
    if (text[i] === open) depth++;
    else if (text[i] === close && depth-- === 0) return true;
  }
  return false;
}

export class Typist {
  readonly region: TypedRegion;
  /** The file's text with "\n" line breaks, and the region's start offset in it. */
  readonly fileText: string;
  readonly regionOffset: number;
  /** Keys pressed, Tab included. */
  keystrokes = 0;
  acceptances = 0;
  /** Characters inserted by accepted suggestions. */
  acceptedChars = 0;
  private readonly lines: string[];
  private row: number;
  private col: number;
  /** Next character of the region to type. */
  private index: number;
  /** Closers the editor inserted right after the cursor, innermost last. */
  private closers: string[] = [];
  private version = 1;
  private snapshot?: LinesDocument;
  private last: KeyKind | 'start' = 'start';
  private readonly rhythm: Random;
  /** Reactions have their own generator: whether suggestions appear depends on the engine's
   * timing, and must not shift the typing rhythm that follows. */
  private readonly reactions: Random;

  constructor(
    private readonly file: TypistFile,
    fromLine: number,
    chars: number,
    seed: number,
  ) {
    this.rhythm = createRandom(seed);
    this.reactions = createRandom(seed * 31 + 17);
    const all = splitLines(file.text);
    this.region = selectRegion(all, fromLine, chars);
    this.fileText = all.join('\n');
    this.regionOffset = all.slice(0, this.region.startLine).reduce((n, line) => n + line.length + 1, 0);
    const indent = leadingWhitespace(this.region.text, 0);
    this.lines = [...all.slice(0, this.region.startLine), indent, ...all.slice(this.region.endLine)];
    this.row = this.region.startLine;
    this.col = indent.length;
    this.index = indent.length;
  }

  /** The document now (a new snapshot after each keystroke, as VS Code's document versions). */
  get doc(): LinesDocument {
    this.snapshot ??= new LinesDocument(
      this.file.uri,
      this.file.languageId,
      this.lines.slice(),
      this.version,
      this.file.relativePath,
    );
    return this.snapshot;
  }

  get cursor(): Position {
    return { line: this.row, character: this.col };
  }

  get done(): boolean {
    return this.index >= this.region.text.length && this.closers.length === 0;
  }

  /** Where the typist is in the file: the offset in `fileText` of the next character to type. */
  get offset(): number {
    return this.regionOffset + this.index;
  }

  /** The last key pressed ('start' before the first). */
  get lastKey(): KeyKind | 'start' {
    return this.last;
  }

  /** Share of the region typed so far, 0 to 1. */
  get typedShare(): number {
    return this.region.text.length === 0 ? 1 : this.index / this.region.text.length;
  }

  /** What the typist still has to type. */
  get upcoming(): string {
    return this.region.text.slice(this.index);
  }

  /** Presses the next key. */
  press(): KeyKind {
    if (this.done) throw new Error('the region is typed');
    const text = this.region.text;
    const c = text[this.index];
    let kind: KeyKind;
    if (c === undefined || (c === '\n' && this.closers.length > 0)) {
      this.lines[this.row] =
        this.lines[this.row]!.slice(0, this.col) + this.lines[this.row]!.slice(this.col + this.closers.length);
      this.closers = [];
      kind = 'clear';
    } else if (c === '\n') {
      const indent = leadingWhitespace(text, this.index + 1);
      this.write(`\n${indent}`);
      this.index += 1 + indent.length;
      kind = 'enter';
    } else if (this.closers[this.closers.length - 1] === c) {
      this.closers.pop();
      this.col++;
      this.index++;
      kind = 'overtype';
    } else if (CLOSER_OF[c] && closedOnSameLine(text, this.index)) {
      this.write(c + CLOSER_OF[c]!);
      this.col--;
      this.closers.push(CLOSER_OF[c]!);
      this.index++;
      kind = 'char';
    } else {
      this.write(c);
      this.index++;
      kind = 'char';
    }
    this.changed(kind);
    return kind;
  }

  /** Whether the typist takes this suggestion: it is exactly what comes next, and accepting it
   * cannot disturb closers the editor put after the cursor. */
  canAccept(text: string): boolean {
    if (text.length === 0 || !this.upcoming.startsWith(text)) return false;
    return this.closers.length === 0 || !/[\n()[\]{}]/.test(text);
  }

  /** Presses Tab on a suggestion that `canAccept` approved. */
  accept(text: string): void {
    if (!this.canAccept(text)) throw new Error('the suggestion is not what the typist is about to type');
    this.write(text);
    this.index += text.length;
    this.acceptances++;
    this.acceptedChars += text.length;
    this.changed('accept');
  }

  /** Simulated milliseconds before the next key. */
  delayBeforeNext(): number {
    const r = this.rhythm;
    const prev = this.region.text[this.index - 1] ?? '\n';
    const next = this.region.text[this.index] ?? '\n';
    let ms = r.between(80, 200);
    if (this.last === 'enter' || this.last === 'start')
      ms += r.between(300, 1200); // reading, deciding what comes next
    else if (this.last === 'accept')
      ms += r.between(200, 600); // reading what was accepted
    else if (next === '\n') ms += r.between(100, 400);
    else if (/\s/.test(prev) && !/\s/.test(next)) ms += r.between(60, 250);
    else if (/[;,.:(){}[\]=]/.test(prev)) ms += r.between(50, 200);
    if (r.chance(0.02)) ms += r.between(2000, 6000);
    return Math.round(ms);
  }

  /** Simulated milliseconds between a matching suggestion appearing and the typist pressing Tab. */
  reactionDelay(): number {
    return Math.round(this.reactions.between(250, 600));
  }

  /** Inserts at the cursor and moves the cursor to the end of the insertion. */
  private write(inserted: string): void {
    const line = this.lines[this.row]!;
    const head = line.slice(0, this.col);
    const tail = line.slice(this.col);
    const parts = inserted.split('\n');
    const last = parts.length - 1;
    const replacement = parts.map((p, i) => (i === 0 ? head : '') + p + (i === last ? tail : ''));
    this.lines.splice(this.row, 1, ...replacement);
    this.row += last;
    this.col = (last === 0 ? head.length : 0) + parts[last]!.length;
  }

  private changed(kind: KeyKind): void {
    this.keystrokes++;
    this.version++;
    this.snapshot = undefined;
    this.last = kind;
  }
}
