// VS Code's TextDocument seen as the completion core's CompletionDocument: lines are read one by
// one on demand (never getText() of the whole document), so per-keystroke work stays bounded.
import * as vscode from 'vscode';
import type { CompletionDocument } from '../../core/completion/documentWindow';

export function asCompletionDocument(document: vscode.TextDocument): CompletionDocument {
  return {
    uri: document.uri.toString(),
    get languageId() {
      return document.languageId;
    },
    get version() {
      return document.version;
    },
    get lineCount() {
      return document.lineCount;
    },
    lineAt: (i: number) => document.lineAt(i).text,
    relativePath: vscode.workspace.asRelativePath(document.uri, false),
  };
}

/** Documents whose edits and views feed completion context (real files, not output or settings UIs). */
export function isCodeDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' || document.uri.scheme === 'untitled' || document.uri.scheme === 'vscode-remote';
}
