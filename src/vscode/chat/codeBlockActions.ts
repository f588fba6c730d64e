// Copy, Insert at Cursor and Apply for a code block of an answer. The webview names the block by
// turn id and index; the code itself is taken from the stored answer here, never from the webview.
// Apply never edits directly: it proposes the change in a diff (see src/vscode/diff) to Accept or
// Reject.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { planApply, textForInsert } from '../../core/chat/applyPlan';
import type { CodeAction } from '../../core/chat/webviewProtocol';
import type { DiffReview } from '../diff/diffReview';
import type { Logger } from '../log';

export interface CodeActionContext {
  /** The editor Insert and Apply act on (the last text editor the user worked in). */
  editor(): vscode.TextEditor | undefined;
  /** Undefined when the diff review failed to start: Apply then says so. */
  diffReview: DiffReview | undefined;
  log: Logger;
}

export async function runCodeAction(action: CodeAction, code: string, ctx: CodeActionContext): Promise<void> {
  if (action === 'copy') {
    await vscode.env.clipboard.writeText(code);
    vscode.window.setStatusBarMessage('$(check) Alembic: code copied', 2000);
    return;
  }
  const editor = ctx.editor();
  if (!editor) {
    void vscode.window.showInformationMessage(
      `Alembic: open a file to ${action === 'insert' ? 'insert the code into' : 'apply the code to'}.`,
    );
    return;
  }
  const document = editor.document;
  if (action === 'insert') {
    // Taken before the editor is shown: showing it again can reset its selection to the start.
    const selection = editor.selection;
    const shown = await vscode.window.showTextDocument(document, {
      viewColumn: editor.viewColumn,
      preserveFocus: false,
      selection,
    });
    const text = selection.isEmpty
      ? textForInsert(document.getText(), document.offsetAt(selection.active), code)
      : code;
    const ok = await shown.edit((b) => b.replace(selection, text));
    if (!ok) void vscode.window.showErrorMessage('Alembic: VS Code refused the insertion.');
    ctx.log.info(`inserted a code block into ${basename(document.uri.path)}`);
    return;
  }
  if (!ctx.diffReview) {
    void vscode.window.showErrorMessage(
      'Alembic: Apply needs the diff review, which failed to start (see the log). Copy and Insert still work.',
    );
    return;
  }
  const plan = planApply(
    {
      text: document.getText(),
      selectionStart: document.offsetAt(editor.selection.start),
      selectionEnd: document.offsetAt(editor.selection.end),
    },
    code,
  );
  const range = new vscode.Range(document.positionAt(plan.start), document.positionAt(plan.end));
  ctx.log.info(`proposing a code block for ${plan.description} of ${basename(document.uri.path)}`);
  const outcome = await ctx.diffReview.propose({
    uri: document.uri,
    range,
    newText: plan.newText,
    title: 'Apply',
    detail: `Apply the chat's code to ${plan.description}`,
  });
  ctx.log.info(`the proposal for ${basename(document.uri.path)} was ${outcome}`);
}
