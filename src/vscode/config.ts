// The `alembic.*` settings as the extension reads them: every read goes through the core's
// registry (src/core/settings.ts), so a value of the wrong type, out of range or not in the enum
// falls back to the default and the user is told once, instead of reaching the engine. Changes are
// reported per key with what they require, so each feature does exactly what the registry says.
import * as vscode from 'vscode';
import type { LoadParams } from '../core/engine/protocol';
import {
  AUTO_CONTEXT_LIMIT,
  changedKeys,
  changeEffects,
  SETTING_KEYS,
  SETTINGS,
  validateSetting,
  type ChangeEffect,
  type SettingKey,
  type Settings,
} from '../core/settings';
import type { Logger } from './log';
import { openAlembicSettings } from './settingsLocation';

export const SECTION = 'alembic';

let log: Logger | undefined;
const reported = new Set<string>();

/** Where invalid values are reported (the extension's log); set once at activation. */
export function reportInvalidSettingsTo(logger: Logger): void {
  log = logger;
}

export function getSetting<K extends SettingKey>(key: K): Settings[K] {
  const fallback = SETTINGS[key].default as Settings[K];
  const value = vscode.workspace.getConfiguration(SECTION).get<unknown>(key, fallback);
  const checked = validateSetting(key, value);
  if (checked.ok) return checked.value;
  reportInvalid(key, value, checked.reason, fallback);
  return fallback;
}

export async function setSetting<K extends SettingKey>(key: K, value: Settings[K]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

/** Every setting as the extension would read it now. */
export function readSettings(): Settings {
  return Object.fromEntries(SETTING_KEYS.map((k) => [k, getSetting(k)])) as Settings;
}

/** Opens the Settings editor at one setting (the way out offered by warnings), on the tab where it
 * is: in a remote window the machine settings are on the Remote tab only. */
export function openSetting(key: SettingKey): Thenable<unknown> {
  return openAlembicSettings(key);
}

function reportInvalid(key: SettingKey, value: unknown, reason: string, fallback: unknown): void {
  const text = JSON.stringify(value)?.slice(0, 80) ?? String(value);
  const id = `${key}=${text}`;
  if (reported.has(id)) return;
  reported.add(id);
  const message = `The setting ${SECTION}.${key} is ${text}, which ${reason}; Alembic uses ${JSON.stringify(fallback)} instead.`;
  log?.warn(message);
  void vscode.window.showWarningMessage(`Alembic: ${message}`, 'Open Setting').then((choice) => {
    if (choice) void openSetting(key);
  });
}

/** The settings that changed in one event, and what they require. */
export interface SettingsChange {
  readonly keys: readonly SettingKey[];
  affects(key: SettingKey): boolean;
  requires(effect: ChangeEffect): boolean;
}

/** Calls `listener` with the settings whose values changed: on a configuration change, and when
 * the workspace is trusted (its restricted settings then apply). Values are compared with the
 * previous ones, so saving settings.json unchanged, or changing another extension's setting,
 * requires nothing. */
export function watchSettings(listener: (change: SettingsChange) => void): vscode.Disposable {
  let current = readSettings();
  const check = () => {
    const next = readSettings();
    const keys = changedKeys(current, next);
    current = next;
    if (keys.length === 0) return;
    const effects = changeEffects(keys);
    listener({ keys, affects: (k) => keys.includes(k), requires: (e) => effects.has(e) });
  };
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) check();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(check),
  );
}

/** The model configuration the engine should serve, from the settings. A feature whose backend is
 * a server loads nothing locally. */
export function engineLoadParams(): LoadParams {
  const localCompletion = getSetting('completion.backend') === 'local';
  const localChat = getSetting('chat.backend') === 'local';
  const configuredCompletion = getSetting('completion.model').trim();
  const completionModel = localCompletion ? configuredCompletion : '';
  const chatModel = localChat ? getSetting('chat.model').trim() || configuredCompletion : '';
  const nextEditModel = getSetting('nextEdit.enabled') ? getSetting('nextEdit.model').trim() : '';
  const gpuLayers = getSetting('engine.gpuLayers');
  const contextSize = getSetting('engine.contextSize');
  return {
    completionModel: completionModel || undefined,
    chatModel: chatModel || undefined,
    nextEditModel: nextEditModel || undefined,
    gpuLayers: gpuLayers < 0 ? 'auto' : gpuLayers,
    contextSize: contextSize > 0 ? contextSize : 'auto',
    maxContextSize: AUTO_CONTEXT_LIMIT,
    threads: getSetting('engine.threads'),
  };
}
