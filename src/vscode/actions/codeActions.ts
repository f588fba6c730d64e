// The lightbulb: "Fix with Alembic" on errors and warnings at the cursor, and the editing actions on
// a selection (Edit and Add Documentation rewrite code, so they are Rewrite actions; Explain changes
// nothing, so it is not: it has a kind of its own, which VS Code lists under "More Actions…").
// Each code action only names a command; nothing runs until it is chosen.
import * as vscode from 'vscode';

const EXPLAIN_KIND = vscode.CodeActionKind.Empty.append('alembic').append('explain');

export class AlembicCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite, EXPLAIN_KIND];

  provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const wanted = (kind: vscode.CodeActionKind) => !context.only || context.only.contains(kind);
    const problems = context.diagnostics.filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning);
    if (problems.length && wanted(vscode.CodeActionKind.QuickFix)) {
      const fix = new vscode.CodeAction(
        `Fix with Alembic: ${truncate(problems[0]!.message)}`,
        vscode.CodeActionKind.QuickFix,
      );
      fix.diagnostics = problems;
      fix.command = {
        command: 'alembic.fixProblem',
        title: 'Fix with Alembic',
        arguments: [document.uri, range, problems],
      };
      actions.push(fix);
    }
    if (!range.isEmpty) {
      for (const [title, command, kind] of [
        ['Alembic: Edit Selection…', 'alembic.editSelection', vscode.CodeActionKind.RefactorRewrite],
        ['Alembic: Add Documentation', 'alembic.addDocumentation', vscode.CodeActionKind.RefactorRewrite],
        ['Alembic: Explain', 'alembic.explain', EXPLAIN_KIND],
      ] as const) {
        if (!wanted(kind)) continue;
        const action = new vscode.CodeAction(title, kind);
        action.command = { command, title };
        actions.push(action);
      }
    }
    return actions;
  }
}

function truncate(s: string): string {
  const line = s.split('\n')[0]!;
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}
