// The server settings decide where your code goes: a workspace must not be able to set them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SERVER_KEYS, SETTING_DEFAULTS } from '../../src/core/settings';
import { REPO_ROOT } from '../helpers/testModel';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
const properties = pkg.contributes.configuration.properties as Record<string, { scope?: string; default?: unknown }>;
const restricted = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations as string[];

describe('server settings', () => {
  test('are machine-scoped (user or remote settings only) and ignored in untrusted workspaces', () => {
    for (const key of SERVER_KEYS) {
      assert.equal(properties[`alembic.${key}`]?.scope, 'machine', `alembic.${key} is machine-scoped`);
      assert.ok(restricted.includes(`alembic.${key}`), `alembic.${key} is restricted in untrusted workspaces`);
      assert.deepEqual(properties[`alembic.${key}`]?.default, SETTING_DEFAULTS[key], `alembic.${key}'s default`);
    }
  });

  test('keep features local by default', () => {
    assert.equal(SETTING_DEFAULTS['completion.backend'], 'local');
    assert.equal(SETTING_DEFAULTS['chat.backend'], 'local');
  });
});
