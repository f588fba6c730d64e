// The lightbulb: "Fix with Alembic" on errors and warnings at the cursor, and the editing actions on
// a selection. Each code action only names a command; nothing runs until it is chosen.
import * as vscode from 'vscode';

export class AlembicCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite];

  provideCodeActions(
    document: vscode.TextDocument,
    range: vscode.Range | vscode.Selection,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const problems = context.diagnostics.filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning);
    if (problems.length && (!context.only || context.only.contains(vscode.CodeActionKind.QuickFix))) {
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
    if (!range.isEmpty && (!context.only || context.only.contains(vscode.CodeActionKind.RefactorRewrite))) {
      for (const [title, command] of [
        ['Alembic: Edit Selection…', 'alembic.editSelection'],
        ['Alembic: Add Documentation', 'alembic.addDocumentation'],
        ['Alembic: Explain', 'alembic.explain'],
      ] as const) {
        const action = new vscode.CodeAction(title, vscode.CodeActionKind.RefactorRewrite);
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
