import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { alembic, engineState, isReadyWithTestModel, recordNotifications, waitUntil } from './alembic';

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

  test('every contributed command belongs to a feature, so a feature that fails leaves it saying why', async () => {
    const { extension, api } = await alembic();
    const contributed = (extension.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.deepEqual(
      contributed.filter((c) => !api.commands.owner(c)),
      [],
      'contributed commands that no feature declares',
    );
  });

  test('a feature that fails to start leaves its commands answering with the reason instead of "command not found"', async () => {
    const { api } = await alembic();
    const notifications = recordNotifications();
    try {
      const started = api.commands.startFeature('test feature', ['alembic.test.featureThatFails'], () => {
        api.commands.registerCommand('alembic.test.featureThatFails', () => 'it ran');
        throw new Error('the GPU driver is missing');
      });
      assert.equal(started, undefined);
      assert.match(
        notifications.shown.at(-1)?.message ?? '',
        /the test feature failed to start: the GPU driver is missing/,
      );
      const result = await vscode.commands.executeCommand('alembic.test.featureThatFails');
      assert.equal(result, undefined, 'what the failed feature registered is taken back');
      assert.match(
        notifications.shown.at(-1)?.message ?? '',
        /^Alembic: "alembic\.test\.featureThatFails" cannot run: the test feature failed to start: the GPU driver is missing\.$/,
      );
      assert.equal(
        api.commands.unavailable('alembic.test.featureThatFails'),
        'the test feature failed to start: the GPU driver is missing',
      );
    } finally {
      notifications.restore();
    }
  });

  test('"Show Engine Status" opens the Engine Status page with the backend and the test model', async () => {
    const { api } = await alembic();
    await engineState(api, 'the test model to be ready', isReadyWithTestModel);
    await vscode.commands.executeCommand('alembic.showEngineStatus');
    // The workbench reports the new tab a moment after the panel is created.
    const tab = await waitUntil('the Engine Status tab', () => {
      const active = vscode.window.tabGroups.activeTabGroup.activeTab;
      return active?.label === 'Alembic Engine Status' ? active : undefined;
    });
    assert.ok(tab?.input instanceof vscode.TabInputWebview, 'a webview page, not a text document');
    const report = api.engineStatus?.shownReport;
    assert.ok(report, 'a report is shown');
    const engine = report.sections.find((s) => s.title === 'Engine');
    assert.match(engine?.rows.find((r) => r.label === 'Backend')?.value ?? '', /^CPU/);
    const completion = report.sections.find((s) => s.title === 'Completion model');
    assert.equal(completion?.rows.find((r) => r.label === 'Model')?.value, 'Alembic Test Tiny');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
