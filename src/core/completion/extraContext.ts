// Extra context: a ring of code snippets from other files and from places the user worked on
// recently, rendered at the very front of every prompt. Because the front of the prompt is what the
// KV cache keeps longest, the ring is built to change rarely: new snippets are appended at the end
// (only the tail and what follows is re-evaluated), the oldest are evicted, and a snippet that
// nearly repeats one already held (line-set Jaccard similarity > 0.9) is skipped rather than
// swapped in — a 10% difference is not worth re-evaluating the whole prompt. The pipeline
// pre-evaluates the prompt in the background after the ring changes.
//
// Three rules keep it from churning the prompt while the user types. A save of the document being
// completed takes no snippet that overlaps the lines the prompt already shows (the completion
// window, which the pipeline reports with `setWindow`): it would repeat the window at the front of
// the prompt and, since the cursor moves between autosaves, replace its predecessor on every save.
// A place left (a switch to another editor, a jump) that the window shows is held back until the
// window is elsewhere: a look at another file and back would otherwise add the window's own lines,
// which, at 64 lines against a 1,024-token budget, evict what the ring held and make the whole
// prompt be evaluated again, for nothing the prompt lacked.
// And the ring's changes reach prompts only through `CommittedSnippets`, which the pipeline
// advances at a quiet moment and pre-evaluates then.
//
// The adapter feeds it events (edit, cursor jump, editor switch, save, copy, visible range); each
// reads at most one chunk of lines from the document it is given, and at most `maxLineChars` + 1
// characters of each line: a longer line (minified or generated code, no use to the model) ends
// the snippet unread, so an event costs the same in a 50 MB file as in a small one.
import { displayPath, isBlank, type CompletionDocument } from './documentWindow';
import { commentLine } from './fimTemplates';
import { TokenEstimator } from './tokenEstimate';
import { Emitter, type Event } from '../util/emitter';

export interface ContextSnippet {
  readonly uri: string;
  /** Path shown to the model. */
  readonly path: string;
  readonly languageId: string;
  readonly startLine: number;
  /** The snippet's lines, each ending with a line break. */
  readonly text: string;
  /** Estimated tokens including its header line. */
  readonly tokens: number;
}

export interface ExtraContextOptions {
  maxChunks: number;
  chunkLines: number;
  tokenBudget: number;
  /** Jaccard similarity of line sets above which a new snippet counts as a repeat. */
  similarity: number;
  /** A cursor or edit move farther than this many lines leaves a place worth remembering. */
  jumpLines: number;
  /** A snippet ends before a line longer than this. */
  maxLineChars: number;
  /** And once its lines add up to this many characters. */
  maxSnippetChars: number;
}

const DEFAULTS: ExtraContextOptions = {
  maxChunks: 16,
  chunkLines: 64,
  tokenBudget: 1024,
  similarity: 0.9,
  jumpLines: 32,
  maxLineChars: 500,
  maxSnippetChars: 16_000,
};

interface Place {
  doc: CompletionDocument;
  line: number;
}

/** Lines [firstLine, endLine) of a document that the prompt shows already. */
export interface CompletionWindow {
  uri: string;
  firstLine: number;
  endLine: number;
}

interface HeldSnippet extends ContextSnippet {
  readonly lineSet: ReadonlySet<string>;
}

export class ExtraContext {
  private readonly options: ExtraContextOptions;
  private ring: HeldSnippet[] = [];
  private changeCount = 0;
  private lastEdit?: Place;
  private lastCursor?: Place;
  private window?: CompletionWindow;
  /** Places left whose chunk the window showed when they were left (see the header). */
  private heldBack: { doc: CompletionDocument; start: number; end: number }[] = [];
  private readonly changes = new Emitter<void>();
  /** Fires when the rendered snippets change. */
  readonly onDidChange: Event<void> = this.changes.event;

  constructor(
    options: Partial<ExtraContextOptions> = {},
    private readonly estimator = new TokenEstimator(),
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Increases whenever the rendered snippets change. */
  get version(): number {
    return this.changeCount;
  }

  /** Oldest first: the order they are rendered in. */
  snippets(): readonly ContextSnippet[] {
    return this.ring;
  }

  setTokenBudget(tokens: number): void {
    this.options.tokenBudget = Math.max(0, tokens);
    if (this.evict()) this.changed();
  }

  /** The lines the last completion prompt showed: snippets of them would only repeat them. */
  setWindow(window: CompletionWindow): void {
    this.window = window;
    if (this.heldBack.length === 0) return; // every keystroke comes here: nothing to do, nothing made
    const held = this.heldBack;
    this.heldBack = held.filter((p) => this.inWindow(p.doc, p.start, p.end));
    for (const p of held) if (!this.heldBack.includes(p)) this.add(p.doc, p.start, p.end);
  }

  /** An edit at `line`: when the user starts editing elsewhere, the place just left becomes a snippet. */
  onEdit(doc: CompletionDocument, line: number): void {
    const prev = this.lastEdit;
    this.lastEdit = { doc, line };
    if (prev && this.leftPlace(prev, doc, line)) this.addAround(prev.doc, prev.line);
  }

  /** The cursor moved: a jump of more than `jumpLines` (or to another file) keeps the place left. */
  onCursorMove(doc: CompletionDocument, line: number): void {
    const prev = this.lastCursor;
    this.lastCursor = { doc, line };
    if (prev && this.leftPlace(prev, doc, line)) this.addAround(prev.doc, prev.line);
  }

  /** The user switched away from `doc`, whose cursor was at `line`. */
  onEditorSwitch(doc: CompletionDocument, line: number): void {
    this.addAround(doc, line);
  }

  /** A save keeps the place around the cursor, unless the prompt shows it already. */
  onSave(doc: CompletionDocument, line: number): void {
    this.addAround(doc, line, 'skip');
  }

  /** Copied or cut lines are likely to be pasted and completed against. */
  onCopy(doc: CompletionDocument, startLine: number, endLine: number): void {
    this.add(doc, startLine, Math.min(endLine + 1, startLine + this.options.chunkLines));
  }

  /** A visible editor of another file: its visible lines. */
  onVisible(doc: CompletionDocument, firstLine: number, lastLine: number): void {
    this.add(doc, firstLine, Math.min(lastLine + 1, firstLine + this.options.chunkLines));
  }

  clear(): void {
    this.heldBack = [];
    if (this.ring.length === 0) return;
    this.ring = [];
    this.changed();
  }

  /** Takes lines [start, end) of `doc` as a snippet; returns whether the ring changed. */
  add(doc: CompletionDocument, start: number, end: number): boolean {
    start = Math.max(0, start);
    end = Math.min(doc.lineCount, end, start + this.options.chunkLines);
    const lines: string[] = [];
    let chars = 0;
    for (let i = start; i < end; i++) {
      const line = doc.lineAt(i, this.options.maxLineChars + 1);
      chars += line.length + 1;
      if (line.length > this.options.maxLineChars || chars > this.options.maxSnippetChars) break;
      lines.push(line);
    }
    while (lines.length > 0 && isBlank(lines[lines.length - 1]!)) lines.pop();
    const lineSet = new Set(lines.map((l) => l.trim()).filter((l) => l.length > 0));
    if (lineSet.size < 2) return false; // nothing worth showing the model
    if (this.ring.some((s) => jaccard(s.lineSet, lineSet) > this.options.similarity)) return false;
    const path = displayPath(doc);
    const text = lines.map((l) => `${l}\n`).join('');
    const tokens = this.estimator.estimate(commentLine(path, doc.languageId) + text) + 2;
    if (tokens > this.options.tokenBudget) return false;
    this.ring.push({ uri: doc.uri, path, languageId: doc.languageId, startLine: start, text, tokens, lineSet });
    this.evict();
    this.changed();
    return true;
  }

  /** The chunk around `line`. Where the completion window shows it: a save's is skipped, a place
   * left is held back until the window is elsewhere (`setWindow`). */
  private addAround(doc: CompletionDocument, line: number, inWindow: 'skip' | 'holdBack' = 'holdBack'): void {
    const half = Math.floor(this.options.chunkLines / 2);
    const start = Math.max(0, Math.min(line - half, doc.lineCount - this.options.chunkLines));
    const end = start + this.options.chunkLines;
    if (!this.inWindow(doc, start, end)) {
      this.add(doc, start, end);
      return;
    }
    if (inWindow === 'skip') return;
    // One place per document: the latest is where the user was.
    this.heldBack = [...this.heldBack.filter((p) => p.doc.uri !== doc.uri), { doc, start, end }].slice(
      -this.options.maxChunks,
    );
  }

  private inWindow(doc: CompletionDocument, start: number, end: number): boolean {
    const w = this.window;
    return w !== undefined && w.uri === doc.uri && start < w.endLine && end > w.firstLine;
  }

  private leftPlace(prev: Place, doc: CompletionDocument, line: number): boolean {
    return prev.doc.uri !== doc.uri || Math.abs(prev.line - line) > this.options.jumpLines;
  }

  /** Drops the oldest snippets beyond the count or the token budget; returns whether any went. */
  private evict(): boolean {
    let total = this.ring.reduce((sum, s) => sum + s.tokens, 0);
    let dropped = 0;
    while (
      this.ring.length - dropped > 0 &&
      (this.ring.length - dropped > this.options.maxChunks || total > this.options.tokenBudget)
    ) {
      total -= this.ring[dropped]!.tokens;
      dropped++;
    }
    if (dropped > 0) this.ring = this.ring.slice(dropped);
    return dropped > 0;
  }

  private changed(): void {
    this.changeCount++;
    this.changes.fire();
  }
}

/** |A ∩ B| / |A ∪ B| of two line sets. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let common = 0;
  for (const line of a) if (b.has(line)) common++;
  return common / (a.size + b.size - common);
}

/** The snippets prompts are rendered with: the ring as of the last `commit`. The ring changes when
 * the editor says so; the front of the prompt changes only when the pipeline commits, at a quiet
 * moment, right before it pre-evaluates the new prompt, so a keystroke never pays for it. */
export class CommittedSnippets {
  private held: readonly ContextSnippet[] = [];
  private heldVersion = -1;

  constructor(private readonly ring: ExtraContext) {
    this.commit();
  }

  /** The ring's version the held snippets are from. */
  get version(): number {
    return this.heldVersion;
  }

  /** Whether the ring changed since the last commit. */
  get pending(): boolean {
    return this.ring.version !== this.heldVersion;
  }

  commit(): void {
    this.held = [...this.ring.snippets()];
    this.heldVersion = this.ring.version;
  }

  snippets(): readonly ContextSnippet[] {
    return this.held;
  }

  /** The budget is the ring's: it evicts there, and the change is committed like any other. */
  setTokenBudget(tokens: number): void {
    this.ring.setTokenBudget(tokens);
  }
}
