// Suggestions where the cursor comes to rest. VS Code asks inline-completion providers only after
// an edit (or an explicit trigger), so clicking or moving to the end of a line and waiting showed
// nothing until a key was typed. This asks VS Code for a suggestion once the cursor has rested for
// the typing pause at the end of a line with code before it. It never storms: only the last place
// counts (each move restarts the wait), a place VS Code already asked about after an edit is not
// asked again, and the request goes through the pipeline's single slot like any other.
// It also asks again where a suggestion was shown as its first words, once the model has written
// the rest (refresh): VS Code then shows the whole suggestion in place of the first words.
import * as vscode from 'vscode';
import { DisposableStore } from '../disposable';
import { isCodeDocument } from './documentAdapter';

/** A line with code before the cursor: a word, not only brackets or punctuation (`{`, `},`). */
const CODE_BEFORE = /[\p{L}\p{N}_$]/u;

interface Place {
  uri: string;
  version: number;
  line: number;
  character: number;
}

export interface RestTriggerOptions {
  /** How long the cursor must rest (the pipeline's typing pause). */
  pauseMs(): number;
  /** Whether automatic suggestions are on for this document now. */
  enabledFor(document: vscode.TextDocument): boolean;
}

export class RestTrigger extends DisposableStore {
  private timer?: NodeJS.Timeout;
  /** The place a trigger was sent for, and why, until its request arrives. */
  private sent?: { place: Place; reason: TriggerReason };
  /** The last place VS Code asked the provider about. */
  private lastAsked?: Place;

  constructor(private readonly options: RestTriggerOptions) {
    super();
    this.register(vscode.window.onDidChangeTextEditorSelection((e) => this.onSelection(e)));
    this.register({ dispose: () => clearTimeout(this.timer) });
  }

  /** Every provider request: remembered so the place is not asked about again. Returns why this
   * trigger sent it, when it did (it then counts as automatic, not as the user's explicit request). */
  noteRequest(document: vscode.TextDocument, position: vscode.Position): TriggerReason | undefined {
    const place = placeOf(document, position);
    this.lastAsked = place;
    const reason = this.sent && samePlace(this.sent.place, place) ? this.sent.reason : undefined;
    this.sent = undefined;
    return reason;
  }

  /** A suggestion shown as its first words is written to its end: ask VS Code again, when the
   * cursor is still where it was shown and nothing was edited (the ghost text then grows). First
   * words come only from automatic requests, which VS Code asks again for on this trigger. */
  async refresh(at: Place): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.selections.length !== 1 || !editor.selection.isEmpty) return;
    const place = placeOf(editor.document, editor.selection.active);
    if (!samePlace(place, at)) return;
    this.sent = { place, reason: 'refresh' };
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  }

  private onSelection(e: vscode.TextEditorSelectionChangeEvent): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const place = this.restingPlace(e.textEditor);
    // A request VS Code made here stands only while the cursor stays: back here later, ask again.
    if (this.lastAsked && !(place && samePlace(place, this.lastAsked))) this.lastAsked = undefined;
    if (!place) return;
    this.timer = setTimeout(() => this.fire(e.textEditor, place), this.options.pauseMs());
  }

  /** The cursor's place when it is a single empty selection at the end of a line with code. */
  private restingPlace(editor: vscode.TextEditor): Place | undefined {
    const document = editor.document;
    if (editor !== vscode.window.activeTextEditor || editor.selections.length !== 1) return undefined;
    const selection = editor.selection;
    if (!selection.isEmpty || !isCodeDocument(document) || !this.options.enabledFor(document)) return undefined;
    const line = document.lineAt(selection.active.line); // the host holds the text: no copy
    if (selection.active.character !== line.text.length || !CODE_BEFORE.test(line.text.slice(-200))) return undefined;
    return placeOf(document, selection.active);
  }

  private fire(editor: vscode.TextEditor, place: Place): void {
    this.timer = undefined;
    const now = this.restingPlace(editor);
    if (!now || !samePlace(now, place)) return; // moved, edited, or turned off meanwhile
    if (this.lastAsked && samePlace(this.lastAsked, place)) return; // VS Code asked after the edit
    this.sent = { place, reason: 'rest' };
    void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  }
}

/** Why the trigger asked VS Code for a suggestion: the cursor came to rest, or a suggestion shown
 * as its first words was written to its end. */
export type TriggerReason = 'rest' | 'refresh';

function placeOf(document: vscode.TextDocument, position: vscode.Position): Place {
  return {
    uri: document.uri.toString(),
    version: document.version,
    line: position.line,
    character: position.character,
  };
}

function samePlace(a: Place, b: Place): boolean {
  return a.uri === b.uri && a.version === b.version && a.line === b.line && a.character === b.character;
}
