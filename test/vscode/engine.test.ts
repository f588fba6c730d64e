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
});
