// How a next edit looks in the editor, on stable APIs only (the inline-edit API is still proposed):
//   - an insertion right at the cursor is VS Code's own ghost text (NesGhostText provides it), so Tab
//     and Escape work as for any inline completion;
//   - any other edit is drawn with decorations: the text it removes struck through on the removed-
//     text background, the text it writes shown beside it on the inserted-text background (theme
//     colours, so every theme and high contrast reads it), a mark in the overview ruler, and a hover
//     with the whole change;
//   - when the edit is not on the cursor's line, a hint at the end of that line says where it is and
//     that Tab goes there.
// The view changes nothing in the document: accepting is the feature's business.
import * as vscode from 'vscode';
import type { NesSuggestion } from '../../core/nes/nextEditPipeline';
import type { TextEdit } from '../../core/nes/lineDiff';
import { DisposableStore } from '../disposable';

export const VISIBLE_CONTEXT = 'alembic.nextEdit.visible';
const MAX_INLINE_CHARS = 120;

export interface Shown {
  readonly suggestion: NesSuggestion;
  readonly editor: vscode.TextEditor;
  /** Shown as ghost text at the cursor rather than with decorations. */
  readonly ghost: boolean;
}

export class NesView extends DisposableStore {
  private current?: Shown;
  private readonly removed = this.register(
    vscode.window.createTextEditorDecorationType({
      textDecoration: 'line-through',
      backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
      borderColor: new vscode.ThemeColor('diffEditor.removedTextBorder'),
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.modifiedForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
    }),
  );
  private readonly inserted = this.register(
    vscode.window.createTextEditorDecorationType({
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.modifiedForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
    }),
  );
  private readonly hint = this.register(vscode.window.createTextEditorDecorationType({}));

  constructor(private readonly requestGhost: (editor: vscode.TextEditor, edit: TextEdit) => void) {
    super();
    this.register({ dispose: () => void setVisible(false) });
  }

  get shown(): Shown | undefined {
    return this.current;
  }

  show(editor: vscode.TextEditor, suggestion: NesSuggestion): void {
    this.clear();
    const edit = suggestion.edit;
    const cursor = editor.selection.active;
    const ghost =
      edit.oldText === '' &&
      editor.selection.isEmpty &&
      cursor.line === edit.range.start.line &&
      cursor.character === edit.range.start.character;
    this.current = { suggestion, editor, ghost };
    void setVisible(true);
    if (ghost) {
      this.requestGhost(editor, edit);
      return;
    }
    const hover = hoverFor(edit);
    const removed: vscode.DecorationOptions[] = [];
    const inserted: vscode.DecorationOptions[] = [];
    for (const part of edit.parts ?? [edit]) {
      const range = toRange(part);
      if (part.oldText) removed.push({ range, hoverMessage: hover });
      if (part.text)
        inserted.push({
          range: new vscode.Range(range.end, range.end),
          hoverMessage: hover,
          renderOptions: {
            after: {
              contentText: inlineText(part.text),
              backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
              border: '1px solid',
              borderColor: new vscode.ThemeColor('diffEditor.insertedTextBorder'),
              color: new vscode.ThemeColor('editor.foreground'),
            },
          },
        });
    }
    editor.setDecorations(this.removed, removed);
    editor.setDecorations(this.inserted, inserted);
    this.refreshHint();
  }

  /** The jump hint follows the cursor: shown while the cursor is away from the edit. */
  refreshHint(cursor: vscode.Position = this.current?.editor.selection.active ?? new vscode.Position(0, 0)): void {
    const shown = this.current;
    if (!shown || shown.ghost) return;
    const { editor, suggestion } = shown;
    if (this.isAtEdit(cursor)) {
      editor.setDecorations(this.hint, []);
      return;
    }
    const line = editor.document.lineAt(cursor.line);
    const target = suggestion.edit.range.start.line + 1;
    editor.setDecorations(this.hint, [
      {
        range: new vscode.Range(line.range.end, line.range.end),
        renderOptions: {
          after: {
            contentText: `    ⇥ Tab: next edit at line ${target}`,
            color: new vscode.ThemeColor('editorGhostText.foreground'),
            fontStyle: 'italic',
          },
        },
      },
    ]);
  }

  /** Whether the cursor is on the edit's lines (Tab then accepts instead of jumping). */
  isAtEdit(position: vscode.Position): boolean {
    const edit = this.current?.suggestion.edit;
    return !!edit && position.line >= edit.range.start.line && position.line <= edit.range.end.line;
  }

  clear(): void {
    const shown = this.current;
    this.current = undefined;
    if (!shown) return;
    void setVisible(false);
    if (shown.ghost) {
      void vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
      return;
    }
    for (const type of [this.removed, this.inserted, this.hint]) shown.editor.setDecorations(type, []);
  }
}

function setVisible(visible: boolean): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', VISIBLE_CONTEXT, visible);
}

export function toRange(edit: TextEdit): vscode.Range {
  const { start, end } = edit.range;
  return new vscode.Range(start.line, start.character, end.line, end.character);
}

/** New text on one line: line breaks shown as ⏎, long text cut. */
function inlineText(text: string): string {
  const one = text.replace(/\r?\n/g, ' ⏎ ');
  return one.length > MAX_INLINE_CHARS ? `${one.slice(0, MAX_INLINE_CHARS)}…` : one;
}

function hoverFor(edit: TextEdit): vscode.MarkdownString {
  const diff = [
    ...(edit.oldText ? edit.oldText.split('\n').map((l) => `- ${l}`) : []),
    ...(edit.text ? edit.text.split('\n').map((l) => `+ ${l}`) : []),
  ].join('\n');
  const md = new vscode.MarkdownString('**Next edit** — Tab to go there and accept, Escape to dismiss');
  md.appendCodeblock(diff, 'diff');
  return md;
}
