// Every `alembic.*` setting with its type and default, in one place. package.json declares the
// same settings for VS Code's UI; a test checks that the two agree, so defaults cannot drift.
// No `vscode` import: the CLI and the plain-Node tests read it too.

export type GpuSetting = 'auto' | 'cuda' | 'vulkan' | 'metal' | 'off';

export const SETTING_DEFAULTS = {
  'completion.model': '',
  'chat.model': '',
  'engine.gpu': 'auto' as GpuSetting,
  'engine.gpuLayers': -1,
  'engine.contextSize': 0,
  'engine.threads': 0,
  'engine.idleUnloadMinutes': 15,
  'completion.enabled': true,
  /** Per-language switch; languages not listed are on. */
  'completion.languages': { plaintext: false, markdown: false, scminput: false } as Record<string, boolean>,
  'completion.multiline': 'auto' as 'auto' | 'always' | 'never',
  'completion.maxLines': 12,
  'completion.maxTokens': 128,
  'completion.timeoutMs': 3000,
  'completion.prefixTokens': 1536,
  'completion.suffixTokens': 128,
  'completion.extraContextTokens': 1024,
  'completion.debounceMaxMs': 350,
  'completion.prefetch': true,
  'chat.maxTokens': 2048,
  'chat.temperature': 0.3,
  'chat.timeoutSeconds': 300,
  /** Offer the active editor's selection (or file) as an attachment chip. */
  'chat.attachActiveEditor': true,
  'chat.maxConversations': 50,
};

export type Settings = typeof SETTING_DEFAULTS;
export type SettingKey = keyof Settings;

/** Settings whose change means the engine must reload its models. */
export const ENGINE_RELOAD_KEYS: readonly SettingKey[] = [
  'completion.model',
  'chat.model',
  'engine.gpu',
  'engine.gpuLayers',
  'engine.contextSize',
  'engine.threads',
];

/** Settings that change how the engine process is started (it restarts). */
export const ENGINE_RESTART_KEYS: readonly SettingKey[] = ['engine.gpu'];

/** Largest context an automatic context size grows to. */
export const AUTO_CONTEXT_LIMIT = 16384;
