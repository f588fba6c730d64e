// A next edit that inserts text right at the cursor is shown as VS Code's own ghost text: this
// provider answers only while such an edit waits to be shown, only at its exact position, and the
// view asks VS Code to show it. Tab (VS Code's accept) inserts it in one undo step and runs the
// item's command, which tells the feature it was taken.
import * as vscode from 'vscode';
import type { TextEdit } from '../../core/nes/lineDiff';

export const GHOST_ACCEPTED_COMMAND = 'alembic.nextEdit.ghostAccepted';

export class NesGhostText implements vscode.InlineCompletionItemProvider {
  private pending?: { uri: string; line: number; character: number; text: string };

  offer(editor: vscode.TextEditor, edit: TextEdit): void {
    this.pending = {
      uri: editor.document.uri.toString(),
      line: edit.range.start.line,
      character: edit.range.start.character,
      text: edit.text,
    };
    void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  }

  withdraw(): void {
    this.pending = undefined;
  }

  provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): vscode.InlineCompletionItem[] | undefined {
    const p = this.pending;
    if (!p || p.uri !== document.uri.toString() || p.line !== position.line || p.character !== position.character)
      return undefined;
    return [
      new vscode.InlineCompletionItem(p.text, new vscode.Range(position, position), {
        command: GHOST_ACCEPTED_COMMAND,
        title: 'Next edit accepted',
      }),
    ];
  }
}
