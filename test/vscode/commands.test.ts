import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { alembic } from './alembic';

suite('Commands', () => {
  test('every command package.json contributes is registered once the extension is active', async () => {
    const { extension } = await alembic();
    const contributed = (extension.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.length > 0);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((c) => !registered.has(c)),
      [],
      'contributed but not registered',
    );
  });

  test('"Show Engine Status" opens a read-only Markdown document about the engine', async () => {
    await vscode.commands.executeCommand('alembic.showEngineStatus');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.equal(editor.document.uri.scheme, 'alembic-status');
    assert.equal(editor.document.languageId, 'markdown');
    assert.match(editor.document.getText(), /^# Alembic engine/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
