// The settings code-server starts with. Everything that would hide what the tests look at (suggest
// widgets over ghost text, trust prompts, welcome pages, AI chat panels) or reach the network
// (telemetry, updates, recommendations) is off.
//
// code-server is a *remote* window: settings with `"scope": "machine"` (Alembic's model paths and
// engine options) apply only from the remote settings (<user-data>/Machine/settings.json, "Preferences:
// Open Remote Settings (JSON)"). VS Code ignores them in the user settings once they change, so
// writeSettings() puts each setting in the file where VS Code reads it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './paths';

export type SettingsTarget = 'user' | 'remote';

/** Quiet, offline, nothing saved or restored behind the user's back. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'npm.fetchOnlinePackageInfo': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.openRepositoryInParentFolders': 'never',
};

/** For the tests: also no startup editor, no autosave or hot exit, no suggest widget over ghost text. */
export const TEST_SETTINGS: Record<string, unknown> = {
  ...QUIET_SETTINGS,
  'workbench.startupEditor': 'none',
  'files.autoSave': 'off',
  'files.hotExit': 'off',
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
  'editor.inlineSuggest.enabled': true,
  'editor.minimap.enabled': false,
};

/** The engine settings the tests run the generated model with: small, one thread, CPU only. */
export function testModelSettings(modelPath: string): Record<string, unknown> {
  return {
    'alembic.completion.model': modelPath,
    'alembic.engine.threads': 1,
    'alembic.engine.contextSize': 2048,
    'alembic.engine.gpu': 'off',
    // Each window's engine under code-server, where the scenarios count and kill it; the shared
    // engine (a detached process) has its engine-tier tests (test/engine/sharedEngine.test.ts).
    'alembic.engine.shareAcrossWindows': false,
    'alembic.completion.timeoutMs': 3000, // the default, written out so a scenario can edit it
    'alembic.completion.partialAfterMs': 400, // likewise
    // Local, spelled out so that a scenario can point them at a server by editing settings.json.
    'alembic.completion.backend': 'local',
    'alembic.completion.endpoint': '',
    'alembic.chat.backend': 'local',
    // Present so the next-edit scenarios can change them by editing settings.json.
    'alembic.nextEdit.model': '',
    'alembic.nextEdit.format': 'auto',
  };
}

/** The settings package.json declares with a machine scope. */
function machineScopedKeys(): Set<string> {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const properties: Record<string, { scope?: string }> = pkg.contributes?.configuration?.properties ?? {};
  return new Set(
    Object.entries(properties)
      .filter(([, p]) => p.scope === 'machine' || p.scope === 'machine-overridable')
      .map(([k]) => k),
  );
}

export function settingsPath(userDataDir: string, target: SettingsTarget): string {
  return join(userDataDir, target === 'remote' ? 'Machine' : 'User', 'settings.json');
}

/** Which file a setting belongs in. */
export function settingsTarget(key: string): SettingsTarget {
  return machineScopedKeys().has(key) ? 'remote' : 'user';
}

/** Writes the settings into the user and remote settings files (replacing them). */
export function writeSettings(userDataDir: string, settings: Record<string, unknown>): void {
  const machine = machineScopedKeys();
  const split: Record<SettingsTarget, Record<string, unknown>> = { user: {}, remote: {} };
  for (const [key, value] of Object.entries(settings)) split[machine.has(key) ? 'remote' : 'user'][key] = value;
  for (const target of ['user', 'remote'] as const) {
    const path = settingsPath(userDataDir, target);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(split[target], null, 2)}\n`);
  }
}

/** Reads a settings.json; {} when there is none, undefined when it has comments or trailing commas
 * (JSONC) that JSON cannot read. */
export function readSettings(userDataDir: string, target: SettingsTarget): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(settingsPath(userDataDir, target), 'utf8');
  } catch {
    return {};
  }
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
