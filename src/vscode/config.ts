// Typed access to the `alembic.*` settings. Values of the wrong type fall back to the default
// (with a log line) instead of reaching the engine.
import * as vscode from 'vscode';
import type { LoadParams } from '../core/engine/protocol';
import {
  AUTO_CONTEXT_LIMIT,
  ENGINE_RELOAD_KEYS,
  ENGINE_RESTART_KEYS,
  SETTING_DEFAULTS,
  type SettingKey,
  type Settings,
} from '../core/settings';

export const SECTION = 'alembic';

export function getSetting<K extends SettingKey>(key: K): Settings[K] {
  const fallback = SETTING_DEFAULTS[key];
  const value = vscode.workspace.getConfiguration(SECTION).get<unknown>(key, fallback);
  return typeof value === typeof fallback ? (value as Settings[K]) : fallback;
}

export async function setSetting<K extends SettingKey>(key: K, value: Settings[K]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

/** The model configuration the engine should serve, from the settings. */
export function engineLoadParams(): LoadParams {
  const completionModel = getSetting('completion.model').trim();
  const chatModel = getSetting('chat.model').trim() || completionModel;
  const gpuLayers = getSetting('engine.gpuLayers');
  const contextSize = getSetting('engine.contextSize');
  return {
    completionModel: completionModel || undefined,
    chatModel: chatModel || undefined,
    gpuLayers: gpuLayers < 0 ? 'auto' : gpuLayers,
    contextSize: contextSize > 0 ? contextSize : 'auto',
    maxContextSize: AUTO_CONTEXT_LIMIT,
    threads: getSetting('engine.threads'),
  };
}

export function affectsEngineReload(e: vscode.ConfigurationChangeEvent): boolean {
  return ENGINE_RELOAD_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
}

export function affectsEngineRestart(e: vscode.ConfigurationChangeEvent): boolean {
  return ENGINE_RESTART_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
}
