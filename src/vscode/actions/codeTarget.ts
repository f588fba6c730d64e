// What an action works on: the selection, or when nothing is selected, the symbol (function,
// method, class) around the cursor, else the current line's block. Always a bounded range.
import * as vscode from 'vscode';
import type { CodeSelection } from '../../core/actions/actionPrompts';

const MAX_TARGET_LINES = 400;
const CONTEXT_LINES = 12;

export interface CodeTarget {
  editor: vscode.TextEditor;
  range: vscode.Range;
  selection: CodeSelection;
}

/** The code an action applies to in `editor`, as a prompt-ready selection. */
export async function codeTarget(editor: vscode.TextEditor, around?: vscode.Range): Promise<CodeTarget> {
  const document = editor.document;
  let range: vscode.Range = around ?? editor.selection;
  if (range.isEmpty) range = (await enclosingSymbol(document, range.start)) ?? blockAround(document, range.start.line);
  range = fullLines(document, range);
  if (range.end.line - range.start.line > MAX_TARGET_LINES) {
    range = new vscode.Range(range.start, document.lineAt(range.start.line + MAX_TARGET_LINES).range.end);
  }
  return { editor, range, selection: toSelection(document, range) };
}

function toSelection(document: vscode.TextDocument, range: vscode.Range): CodeSelection {
  const before = Math.max(0, range.start.line - CONTEXT_LINES);
  const after = Math.min(document.lineCount - 1, range.end.line + CONTEXT_LINES);
  const surroundingRange = new vscode.Range(before, 0, after, document.lineAt(after).text.length);
  return {
    path: vscode.workspace.asRelativePath(document.uri, false),
    languageId: document.languageId,
    code: document.getText(range),
    startLine: range.start.line + 1,
    endLine: range.end.line + 1,
    surrounding: before < range.start.line || after > range.end.line ? document.getText(surroundingRange) : undefined,
  };
}

/** Whole lines: an edit replaces complete lines, so indentation is kept and re-based correctly. */
function fullLines(document: vscode.TextDocument, range: vscode.Range): vscode.Range {
  let endLine = range.end.line;
  if (endLine > range.start.line && range.end.character === 0) endLine--; // a selection ending at a line start
  return new vscode.Range(range.start.line, 0, endLine, document.lineAt(endLine).text.length);
}

/** The innermost function/method/class symbol containing `position`, from the language server. */
async function enclosingSymbol(
  document: vscode.TextDocument,
  position: vscode.Position,
): Promise<vscode.Range | undefined> {
  const symbols = await Promise.race([
    vscode.commands
      .executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', document.uri)
      .then(undefined, () => undefined),
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 1500)), // a slow language server must not stall the action
  ]);
  const kinds = new Set([
    vscode.SymbolKind.Function,
    vscode.SymbolKind.Method,
    vscode.SymbolKind.Constructor,
    vscode.SymbolKind.Class,
  ]);
  let best: vscode.Range | undefined;
  const visit = (list: readonly vscode.DocumentSymbol[] | undefined) => {
    for (const s of list ?? []) {
      if (!('range' in s) || !s.range.contains(position)) continue;
      if (kinds.has(s.kind)) best = s.range;
      visit(s.children);
    }
  };
  visit(symbols);
  return best;
}

/** Without a language server: the lines around the cursor up to blank lines (a paragraph of code). */
function blockAround(document: vscode.TextDocument, line: number): vscode.Range {
  let start = line;
  let end = line;
  while (start > 0 && !document.lineAt(start - 1).isEmptyOrWhitespace && line - start < 60) start--;
  while (end < document.lineCount - 1 && !document.lineAt(end + 1).isEmptyOrWhitespace && end - line < 60) end++;
  return new vscode.Range(start, 0, end, document.lineAt(end).text.length);
}
