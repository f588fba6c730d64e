import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_COMPLETION_SETTINGS } from '../../src/core/completion/completionSettings';
import {
  changedKeys,
  changeEffects,
  RESTRICTED_KEYS,
  SETTING_DEFAULTS,
  SETTING_KEYS,
  SETTINGS,
  validateSetting,
  type SettingKey,
  type SettingSpec,
} from '../../src/core/settings';

interface Declared {
  type?: string | string[];
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  additionalProperties?: { type?: string };
}

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const declared: Record<string, Declared> = pkg.contributes.configuration.properties;
const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
const spec = (key: SettingKey) => SETTINGS[key] as SettingSpec<unknown>;

describe('settings registry', () => {
  test('package.json declares exactly the settings of the registry', () => {
    assert.deepEqual(Object.keys(declared).sort(), SETTING_KEYS.map((k) => `alembic.${k}`).sort());
  });

  test("each declaration's type, default, enum, minimum and maximum are the registry's", () => {
    for (const key of SETTING_KEYS) {
      const d = declared[`alembic.${key}`]!;
      const s = spec(key);
      assert.equal(d.type, s.type, `alembic.${key}: type`);
      assert.deepEqual(d.default, s.default, `alembic.${key}: default`);
      assert.deepEqual(d.enum, s.enum, `alembic.${key}: enum`);
      assert.equal(d.minimum, s.minimum, `alembic.${key}: minimum`);
      assert.equal(d.maximum, s.maximum, `alembic.${key}: maximum`);
      assert.equal(d.additionalProperties?.type, s.valueType, `alembic.${key}: type of the object's values`);
    }
  });

  test("package.json's restricted configurations are the registry's restricted keys", () => {
    assert.deepEqual([...restricted].sort(), RESTRICTED_KEYS.map((k) => `alembic.${k}`).sort());
  });

  test('every model, engine and timeout setting is restricted in an untrusted workspace', () => {
    const mustBe = SETTING_KEYS.filter((k) => /(^engine\.|\.model$|[tT]imeout)/.test(k));
    assert.ok(mustBe.length >= 9, `found ${mustBe.join(', ')}`);
    assert.deepEqual(
      mustBe.filter((k) => !spec(k).restricted),
      [],
    );
  });

  test("the completion pipeline's defaults are the registry's", () => {
    for (const field of ['prefixTokens', 'suffixTokens', 'extraContextTokens', 'maxTokens', 'timeoutMs'] as const)
      assert.equal(DEFAULT_COMPLETION_SETTINGS[field], SETTING_DEFAULTS[`completion.${field}`]);
    assert.equal(DEFAULT_COMPLETION_SETTINGS.debounceMaxMs, SETTING_DEFAULTS['completion.debounceMaxMs']);
    assert.equal(DEFAULT_COMPLETION_SETTINGS.multiline, SETTING_DEFAULTS['completion.multiline']);
  });

  test('a value outside the enum, the range or the type is refused with a reason', () => {
    assert.deepEqual(validateSetting('engine.gpu', 'cuda'), { ok: true, value: 'cuda' });
    const rocm = validateSetting('engine.gpu', 'rocm');
    assert.equal(rocm.ok, false);
    assert.match(!rocm.ok ? rocm.reason : '', /not one of "auto", "cuda", "vulkan", "metal", "off"/);
    assert.equal(validateSetting('engine.threads', 2.5).ok, false);
    assert.equal(validateSetting('engine.threads', -1).ok, false);
    assert.equal(validateSetting('engine.threads', 257).ok, false);
    assert.equal(validateSetting('engine.threads', '4').ok, false);
    assert.equal(validateSetting('completion.timeoutMs', Number.NaN).ok, false);
    assert.equal(validateSetting('engine.idleUnloadMinutes', 0.5).ok, true, 'a number setting takes fractions');
    assert.equal(validateSetting('completion.languages', { python: 'yes' }).ok, false);
    assert.equal(validateSetting('completion.languages', ['python']).ok, false);
    assert.deepEqual(validateSetting('completion.languages', { python: false }), {
      ok: true,
      value: { python: false },
    });
    assert.equal(validateSetting('completion.enabled', 'false').ok, false);
  });

  test('every default passes its own validation', () => {
    for (const key of SETTING_KEYS) assert.equal(validateSetting(key, SETTING_DEFAULTS[key]).ok, true, key);
  });

  test(
    'what a change requires: the idle time and the debounce are live, budgets rebuild the pipeline, ' +
      'threads and the model file reload the model, the GPU setting restarts the engine',
    () => {
      assert.deepEqual([...changeEffects(['engine.idleUnloadMinutes'])], ['live']);
      assert.deepEqual([...changeEffects(['completion.debounceMaxMs', 'completion.timeoutMs'])], ['live']);
      assert.deepEqual([...changeEffects(['completion.prefixTokens'])], ['rebuildPipeline']);
      assert.deepEqual([...changeEffects(['engine.threads', 'completion.model'])], ['reloadModel']);
      assert.deepEqual([...changeEffects(['engine.gpu'])], ['restartEngine']);
    },
  );

  test('only the keys whose values differ count as changed (objects by value)', () => {
    const before = { ...SETTING_DEFAULTS };
    const after = {
      ...SETTING_DEFAULTS,
      'completion.languages': { ...SETTING_DEFAULTS['completion.languages'] },
      'engine.idleUnloadMinutes': 5,
    };
    assert.deepEqual(changedKeys(before, after), ['engine.idleUnloadMinutes']);
  });
});
