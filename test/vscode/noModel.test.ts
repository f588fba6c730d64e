import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { alembic, engineState, isReadyWithTestModel, recordNotifications } from './alembic';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Commands that need a model, and must say so instead of failing. */
const NEEDS_A_MODEL = [
  'alembic.explain',
  'alembic.editSelection',
  'alembic.generateTests',
  'alembic.addDocumentation',
  'alembic.walkthrough.tryCompletion',
  'alembic.walkthrough.tryChat',
  'alembic.walkthrough.tryCommand',
];

suite('Without a model', () => {
  test('every contributed command runs without an error when no model is configured, and the editing ones explain what to do', async () => {
    const { api, extension } = await alembic();
    const config = () => vscode.workspace.getConfiguration('alembic');
    const saved = Object.fromEntries(
      ['completion.model', 'chat.model', 'completion.enabled', 'completion.languages'].map((k) => [
        k,
        config().inspect(k)?.globalValue,
      ]),
    );
    const notifications = recordNotifications();
    const failures: string[] = [];
    try {
      await config().update('completion.model', '', vscode.ConfigurationTarget.Global);
      await config().update('chat.model', '', vscode.ConfigurationTarget.Global);
      await engineState(api, 'no model loaded', (s) => !s.models.completion && !s.models.chat);
      const doc = await vscode.workspace.openTextDocument({
        language: 'javascript',
        content: 'function add(a, b) {\n  return a - b;\n}\n',
      });

      const commands = (extension.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
      for (const command of commands) {
        // Each command starts from the code selected in a text editor (an earlier one may have opened
        // a page, such as Engine Status, that took the focus).
        await vscode.window.showTextDocument(doc);
        vscode.window.activeTextEditor!.selection = new vscode.Selection(0, 0, 2, 1);
        const before = notifications.shown.length;
        // Pickers and input boxes wait for the user: a command still waiting after a while is fine.
        const outcome = await Promise.race([
          Promise.resolve(vscode.commands.executeCommand(command)).then(
            () => 'done',
            (e: unknown) => e,
          ),
          settle(3000).then(() => 'waiting'),
        ]);
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        if (outcome instanceof Error) failures.push(`${command} threw: ${outcome.message}`);
        const errors = notifications.shown.slice(before).filter((n) => n.level === 'error');
        if (errors.length) failures.push(`${command} showed an error: ${errors.map((e) => e.message).join(' | ')}`);
        if (
          NEEDS_A_MODEL.includes(command) &&
          !notifications.shown.slice(before).some((n) => /needs a model/.test(n.message))
        ) {
          failures.push(
            `${command} did not explain that it needs a model (said: ${
              notifications.shown
                .slice(before)
                .map((n) => n.message)
                .join(' | ') || 'nothing'
            })`,
          );
        }
      }
      assert.deepEqual(failures, []);
    } finally {
      // Toggling twice clears the snooze the loop started (and the setting is restored below).
      await vscode.commands.executeCommand('alembic.toggleInlineCompletions');
      await vscode.commands.executeCommand('alembic.toggleInlineCompletions');
      notifications.restore();
      for (const [key, value] of Object.entries(saved))
        await config().update(key, value, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
    await engineState(api, 'the test model ready again', isReadyWithTestModel, 60_000);
  });
});
