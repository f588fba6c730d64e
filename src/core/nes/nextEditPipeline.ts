// The next-edit request manager: from the document, the cursor and the user's recent edits to the
// edit worth suggesting next, with no VS Code in sight (the extension, the CLI and the benchmark
// drive `provide`).
//
// Design. A request builds the prompt of the model's family (src/core/nes/formats), whose text holds
// the excerpt and the edit history, and looks it up in its own cache (keyed on that text): the same
// excerpt after the same edits gets the same answer without the model. Otherwise the engine
// rewrites the region (greedy, with input-lookup drafts), and the answer is compared with the
// region line by line: each changed run becomes one edit, narrowed to the characters that differ.
// Edits that would put back what the user just changed are dropped (the user's edit is the intent,
// not a mistake to revert). One edit is shown, the nearest at or after the cursor; when the user
// accepts it, the rewrite's other edits are kept, moved by the accepted one, and offered next
// without asking the model again, each checked against the document first.
import type { ContextSnippet } from '../completion/extraContext';
import { displayPath, type CompletionDocument, type Position } from '../completion/documentWindow';
import type { NextEditParams, NextEditResult } from '../engine/protocol';
import type { Logger } from '../util/logger';
import type { EditHistory, EditRecord } from './editHistory';
import { NEXT_EDIT_FORMATS } from './families';
import { advance, comparePositions, diffLines, regionEdits, type TextEdit } from './lineDiff';
import { promptText, type NesPrompt, type NextEditFamily } from './nesPrompt';
import { NesStats } from './nesStats';

export interface NextEditEngine {
  /** One rewrite; aborting `signal` must stop it (the result then has stopReason "abort"). */
  nextEdit(params: NextEditParams, signal: AbortSignal): Promise<NextEditResult>;
}

/** The engine stopped the request to serve an inline completion first. */
export class NextEditPreempted extends Error {
  constructor() {
    super('the next edit was stopped for an inline completion');
    this.name = 'NextEditPreempted';
  }
}

export interface NesSettings {
  timeoutMs: number;
  /** Speculative decoding by input lookup. */
  inputLookup: boolean;
  cacheSize: number;
}

export const DEFAULT_NES_SETTINGS: NesSettings = { timeoutMs: 8000, inputLookup: true, cacheSize: 32 };

export interface NesRequest {
  doc: CompletionDocument;
  cursor: Position;
  signal?: AbortSignal;
}

export type NesSource = 'model' | 'cache' | 'rest';

export interface NesSuggestion {
  readonly uri: string;
  /** The document version the edits apply to. */
  readonly version: number;
  readonly family: NextEditFamily;
  /** Every edit of the rewrite still to make, in document order. */
  readonly edits: readonly TextEdit[];
  /** The one to show now. */
  readonly edit: TextEdit;
  readonly source: NesSource;
  /** From the request to the answer, in milliseconds. */
  readonly latencyMs: number;
  /** The engine's reply, when the model was asked. */
  readonly result?: NextEditResult;
}

export interface NesModel {
  /** Changes when the model or its context changes (cached answers are dropped). */
  readonly id: string;
  readonly family: NextEditFamily;
}

interface CachedAnswer {
  readonly newLines: readonly string[] | null;
}

export interface NextEditPipelineOptions {
  engine: NextEditEngine;
  /** The recent edits (the editor's EditHistory; the command line's parsed diff). */
  history: Pick<EditHistory, 'edits'>;
  /** Snippets of other places (recently viewed or edited): the completions' extra-context ring. */
  snippets?: () => readonly ContextSnippet[];
  settings?: Partial<NesSettings>;
  now?: () => number;
  /** Already tagged by the caller (the extension's `log.child('nextEdit')`); default: nothing. */
  log?: Logger;
}

export class NextEditPipeline {
  readonly stats = new NesStats();
  private model?: NesModel;
  private settings: NesSettings;
  private readonly cache = new Map<string, CachedAnswer>();
  private rest?: { uri: string; edits: TextEdit[]; family: NextEditFamily };
  private dismissed?: string;
  /** The cache key of the last answer shown (what a dismissal refers to). */
  private lastKey?: string;
  private readonly now: () => number;

  constructor(private readonly options: NextEditPipelineOptions) {
    this.settings = { ...DEFAULT_NES_SETTINGS, ...options.settings };
    this.now = options.now ?? Date.now;
  }

  setModel(model: NesModel | undefined): void {
    if (model?.id === this.model?.id && model?.family === this.model?.family) return;
    this.model = model;
    this.cache.clear();
    this.rest = undefined;
  }

  get family(): NextEditFamily | undefined {
    return this.model?.family;
  }

  updateSettings(settings: Partial<NesSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** The prompt a request would send now (the CLI's --json shows it; the tests read it). */
  prompt(doc: CompletionDocument, cursor: Position): NesPrompt | undefined {
    const model = this.model;
    if (!model) return undefined;
    return NEXT_EDIT_FORMATS[model.family].build({
      doc,
      path: displayPath(doc),
      cursor,
      edits: this.options.history.edits(),
      snippets: this.options.snippets?.() ?? [],
    });
  }

  async provide(request: NesRequest): Promise<NesSuggestion | null> {
    const started = this.now();
    const model = this.model;
    if (!model || request.signal?.aborted) return null;
    this.stats.count('requests');
    const rest = this.fromRest(request);
    if (rest) return rest;

    const prompt = this.prompt(request.doc, request.cursor)!;
    const key = `${model.id}\u0000${promptText(prompt.segments)}`;
    let source: NesSource = 'cache';
    let result: NextEditResult | undefined;
    let answer = this.cache.get(key);
    if (answer) {
      this.stats.count('cacheHits');
      this.cache.delete(key);
      this.cache.set(key, answer); // most recently used last
    } else {
      source = 'model';
      result = await this.ask(prompt, request.signal);
      if (!result) return null;
      answer = this.answerFrom(prompt, result);
      if (result.stopReason !== 'timeout') this.remember(key, answer);
    }
    if (!answer.newLines || key === this.dismissed) return null;
    const edits = this.keepUserIntent(
      regionEdits(prompt.region.lines, answer.newLines, prompt.region.start),
      request.doc.uri,
      prompt,
    );
    if (edits.length === 0) return null;
    const suggestion: NesSuggestion = {
      uri: request.doc.uri,
      version: request.doc.version,
      family: model.family,
      edits,
      edit: nearest(edits, request.cursor),
      source,
      latencyMs: this.now() - started,
      result,
    };
    this.lastKey = key;
    this.stats.shown(suggestion);
    return suggestion;
  }

  /** The user took `edit` of `suggestion` (it is in the document now): keep the rewrite's other edits. */
  onAccepted(suggestion: NesSuggestion, edit: TextEdit = suggestion.edit): void {
    this.stats.count('accepted');
    const others = suggestion.edits.filter((e) => e !== edit).map((e) => shiftPast(e, edit));
    this.rest = others.length ? { uri: suggestion.uri, edits: others, family: suggestion.family } : undefined;
  }

  /** The user dismissed the suggestion: the same answer is not offered again for the same text. */
  onDismissed(): void {
    this.stats.count('dismissed');
    this.rest = undefined;
    this.dismissed = this.lastKey;
  }

  clearCache(): void {
    this.cache.clear();
    this.rest = undefined;
  }

  /** The rewrite's remaining edits, those the document still holds the old text of. */
  private fromRest(request: NesRequest): NesSuggestion | null {
    const rest = this.rest;
    if (!rest || rest.uri !== request.doc.uri) return null;
    const valid = rest.edits.filter((e) => textAt(request.doc, e) === e.oldText);
    if (valid.length === 0) {
      this.rest = undefined;
      return null;
    }
    this.stats.count('restHits');
    const suggestion: NesSuggestion = {
      uri: rest.uri,
      version: request.doc.version,
      family: rest.family,
      edits: valid,
      edit: nearest(valid, request.cursor),
      source: 'rest',
      latencyMs: 0,
    };
    this.stats.shown(suggestion);
    return suggestion;
  }

  private async ask(prompt: NesPrompt, signal: AbortSignal | undefined): Promise<NextEditResult | undefined> {
    this.stats.count('modelCalls');
    try {
      const result = await this.options.engine.nextEdit(
        {
          segments: prompt.segments,
          maxTokens: prompt.maxTokens,
          timeoutMs: this.settings.timeoutMs,
          stop: prompt.stop,
          inputLookup: this.settings.inputLookup,
        },
        signal ?? new AbortController().signal,
      );
      this.stats.engine(result);
      if (result.stopReason === 'abort') {
        if (signal?.aborted) return undefined;
        // Stopped by the engine, not by us: an inline completion came first. The scheduler asks
        // again once it is done (the prompt's evaluated part is still in the KV cache).
        throw new NextEditPreempted();
      }
      if (result.stopReason === 'timeout')
        this.options.log?.warn(`the next edit took longer than ${this.settings.timeoutMs} ms and was dropped`);
      return result;
    } catch (e) {
      if (signal?.aborted || isAbort(e)) return undefined;
      throw e;
    }
  }

  private answerFrom(prompt: NesPrompt, result: NextEditResult): CachedAnswer {
    // A rewrite cut by the token cap or the clock is half a region: its "edits" would delete the rest.
    if (result.stopReason === 'maxTokens' || result.stopReason === 'timeout') return { newLines: null };
    return { newLines: prompt.parse(result.text) };
  }

  private remember(key: string, answer: CachedAnswer): void {
    this.cache.set(key, answer);
    while (this.cache.size > this.settings.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** Drops edits that would undo the file's latest edit (put its old lines back where it was). */
  private keepUserIntent(edits: TextEdit[], uri: string, prompt: NesPrompt): TextEdit[] {
    const latest = latestFor(this.options.history.edits(), uri);
    if (!latest) return edits;
    return edits.filter((e) => !reverts(e, latest, prompt));
  }
}

function latestFor(edits: readonly EditRecord[], uri: string): EditRecord | undefined {
  for (let i = edits.length - 1; i >= 0; i--) if (edits[i]!.uri === uri) return edits[i];
  return undefined;
}

/** Whether applying `edit` to the region turns the latest edit's lines back into its old lines. */
function reverts(edit: TextEdit, latest: EditRecord, prompt: NesPrompt): boolean {
  const from = latest.newStart;
  const to = latest.newStart + latest.newLines.length;
  if (edit.range.end.line < from || edit.range.start.line >= Math.max(to, from + 1)) return false;
  const region = prompt.region;
  if (from < region.start || to > region.end) return false;
  const lines = applyToLines(region.lines, region.start, edit);
  const delta = lines.length - region.lines.length;
  const after = lines.slice(from - region.start, to - region.start + delta);
  return diffLines(after, latest.oldLines).length === 0 && diffLines(after, latest.newLines).length > 0;
}

function applyToLines(lines: readonly string[], firstLine: number, edit: TextEdit): string[] {
  const text = lines.join('\n');
  const offset = (p: Position) => {
    let o = 0;
    for (let i = 0; i < p.line - firstLine; i++) o += lines[i]!.length + 1;
    return o + p.character;
  };
  const s = offset(edit.range.start);
  const e = offset(edit.range.end);
  return `${text.slice(0, s)}${edit.text}${text.slice(e)}`.split('\n');
}

/** The first edit at or after the cursor, or the last one before it. */
function nearest(edits: readonly TextEdit[], cursor: Position): TextEdit {
  return edits.find((e) => comparePositions(e.range.end, cursor) >= 0) ?? edits[edits.length - 1]!;
}

/** The document's text in the edit's range (what the edit would replace). */
export function textAt(doc: CompletionDocument, edit: TextEdit): string | undefined {
  const { start, end } = edit.range;
  if (end.line >= doc.lineCount) return undefined;
  if (start.line === end.line) return doc.lineAt(start.line).slice(start.character, end.character);
  const parts = [doc.lineAt(start.line).slice(start.character)];
  for (let i = start.line + 1; i < end.line; i++) parts.push(doc.lineAt(i));
  parts.push(doc.lineAt(end.line).slice(0, end.character));
  return parts.join('\n');
}

/** `edit` moved to where it is after `applied` (which lies before it) is made. */
export function shiftPast(edit: TextEdit, applied: TextEdit): TextEdit {
  if (comparePositions(edit.range.start, applied.range.end) < 0) return edit;
  const end = applied.range.end;
  const newEnd = advance(applied.range.start, applied.text);
  const move = (p: Position): Position =>
    p.line === end.line
      ? { line: newEnd.line, character: p.character - end.character + newEnd.character }
      : { line: p.line + newEnd.line - end.line, character: p.character };
  return { ...edit, range: { start: move(edit.range.start), end: move(edit.range.end) } };
}

function isAbort(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
  return (e instanceof Error && e.name === 'AbortError') || code === 'aborted' || code === 'ABORT_ERR';
}
