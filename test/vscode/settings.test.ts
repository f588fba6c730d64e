import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { SETTING_DEFAULTS } from '../../src/core/settings';
import { alembic } from './alembic';

suite('Settings', () => {
  test('every setting the code reads has the default that package.json declares', async () => {
    const config = vscode.workspace.getConfiguration('alembic');
    for (const [key, codeDefault] of Object.entries(SETTING_DEFAULTS)) {
      const inspected = config.inspect(key);
      assert.notEqual(
        inspected?.defaultValue,
        undefined,
        `alembic.${key} is in SETTING_DEFAULTS but package.json does not declare it`,
      );
      assert.deepEqual(
        inspected?.defaultValue,
        codeDefault,
        `alembic.${key}: package.json says ${JSON.stringify(inspected?.defaultValue)}, the code ${JSON.stringify(codeDefault)}`,
      );
    }
  });

  test('every alembic setting package.json declares is known to the code', async () => {
    const { extension } = await alembic();
    const declared = Object.keys(extension.packageJSON.contributes.configuration.properties as Record<string, unknown>);
    const known = Object.keys(SETTING_DEFAULTS).map((k) => `alembic.${k}`);
    assert.deepEqual(
      declared.filter((k) => !known.includes(k)),
      [],
      'declared in package.json but missing from SETTING_DEFAULTS',
    );
  });
});
