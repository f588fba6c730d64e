import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { alembic, engineState, isReadyWithTestModel } from './alembic';

suite('Engine', () => {
  test('the exported API reports the engine ready with the test model on the CPU', async () => {
    const { api } = await alembic();
    const state = await engineState(api, 'the test model to be ready', isReadyWithTestModel);
    assert.equal(state.gpu?.backend, 'cpu');
    assert.equal(state.models.completion?.gpuLayers, 0);
    assert.equal(state.models.completion?.contextSize, 2048);
    assert.ok(state.pid && state.pid > 0, 'the engine process has a pid');
  });

  test('changing alembic.engine.contextSize reloads the model with the new context size', async () => {
    const { api } = await alembic();
    await engineState(api, 'the test model to be ready', isReadyWithTestModel);
    const config = () => vscode.workspace.getConfiguration('alembic');
    const previous = config().inspect<number>('engine.contextSize')?.globalValue;
    try {
      await config().update('engine.contextSize', 1024, vscode.ConfigurationTarget.Global);
      const state = await engineState(
        api,
        'a context of 1024 tokens',
        (s) => isReadyWithTestModel(s) && s.models.completion?.contextSize === 1024,
      );
      assert.equal(state.models.completion?.name, 'Alembic Test Tiny');
    } finally {
      await config().update('engine.contextSize', previous, vscode.ConfigurationTarget.Global);
    }
    if (previous)
      await engineState(
        api,
        `the context size back at ${previous}`,
        (s) => isReadyWithTestModel(s) && s.models.completion?.contextSize === previous,
      );
  });

  test('changing alembic.engine.idleUnloadMinutes changes the idle timer only: same engine process, model still loaded', async () => {
    const { api } = await alembic();
    await engineState(api, 'the test model to be ready', isReadyWithTestModel);
    const config = () => vscode.workspace.getConfiguration('alembic');
    const previous = config().inspect<number>('engine.idleUnloadMinutes')?.globalValue;
    const client = api.engine.engine;
    const pid = api.engine.state.pid;
    const phases: string[] = [];
    const sub = api.engine.onDidChangeState((s) => phases.push(s.phase));
    try {
      await config().update('engine.idleUnloadMinutes', 7, vscode.ConfigurationTarget.Global);
      await until('the engine client to use 7 minutes', () => api.engine.engine.idleUnloadMs === 7 * 60_000);
      assert.equal(api.engine.engine, client, 'the engine client was not replaced');
      assert.equal(api.engine.state.pid, pid, 'the engine process was not restarted');
      assert.ok(isReadyWithTestModel(api.engine.state), `the model stays loaded (${api.engine.state.phase})`);
      assert.deepEqual(
        phases.filter((p) => p === 'starting' || p === 'stopped' || p === 'loading'),
        [],
        'no restart or reload',
      );
    } finally {
      sub.dispose();
      await config().update('engine.idleUnloadMinutes', previous, vscode.ConfigurationTarget.Global);
    }
  });
});

/** Polls `condition` every 50 ms until it holds. */
async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
