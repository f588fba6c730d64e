// The settings registry: every `alembic.*` setting once, with its default, how a value is
// validated, what a change requires, and whether an untrusted workspace may set it. package.json
// declares the same settings for VS Code's UI; a plain-Node test checks each declaration (type,
// default, enum, minimum, maximum, restricted list) against this file, so the two cannot drift.
// No `vscode` import: the CLI, the benchmark and the plain-Node tests read it too.
//
// What a change requires, weakest first:
//   live             the new value is used from the next time it is read; nothing restarts
//   rebuildPipeline  the completion pipeline re-plans its prompt budgets and drops its cache
//                    (cached suggestions were shaped by the old value)
//   reloadModel      the engine loads the models again (same process)
//   restartEngine    the engine process is started again (its backend is fixed at start)
// Besides, the server settings (SERVER_KEYS) make the connections to the servers again, with a
// new health check; a feature's backend also reloads the local models (a feature moved to a
// server frees its local model, and back).

export type GpuSetting = 'auto' | 'cuda' | 'vulkan' | 'metal' | 'off';
export type MultilineSetting = 'auto' | 'always' | 'never';
export type NextEditFormatSetting = 'auto' | 'sweep' | 'zeta' | 'instinct';
export type ChangeEffect = 'live' | 'rebuildPipeline' | 'reloadModel' | 'restartEngine';
export type SettingType = 'string' | 'boolean' | 'integer' | 'number' | 'object';
/** Where a feature's requests go: the local engine, or a server of one of these kinds. */
export type BackendSetting = 'local' | 'llama-server' | 'openai' | 'ollama';
export type FimTemplateSetting =
  'auto' | 'qwen' | 'deepseek' | 'starcoder' | 'codellama' | 'codestral' | 'codegemma' | 'server';
const BACKENDS: BackendSetting[] = ['local', 'llama-server', 'openai', 'ollama'];

export interface SettingSpec<T> {
  readonly type: SettingType;
  readonly default: T;
  readonly enum?: readonly T[];
  readonly minimum?: number;
  readonly maximum?: number;
  /** For objects: the type of every property's value. */
  readonly valueType?: 'boolean';
  readonly onChange: ChangeEffect;
  /** An untrusted workspace's value is ignored (package.json's `restrictedConfigurations`):
   * model files, everything the engine is started or loaded with, and the timeouts. */
  readonly restricted?: boolean;
}

const spec = <T>(s: SettingSpec<T>): SettingSpec<T> => s;

export const SETTINGS = {
  'completion.model': spec({ type: 'string', default: '', onChange: 'reloadModel', restricted: true }),
  'chat.model': spec({ type: 'string', default: '', onChange: 'reloadModel', restricted: true }),
  'engine.gpu': spec<GpuSetting>({
    type: 'string',
    default: 'auto',
    enum: ['auto', 'cuda', 'vulkan', 'metal', 'off'],
    onChange: 'restartEngine',
    restricted: true,
  }),
  'engine.gpuLayers': spec({ type: 'integer', default: -1, minimum: -1, onChange: 'reloadModel', restricted: true }),
  'engine.contextSize': spec({
    type: 'integer',
    default: 0,
    minimum: 0,
    maximum: 131072,
    onChange: 'reloadModel',
    restricted: true,
  }),
  'engine.threads': spec({
    type: 'integer',
    default: 0,
    minimum: 0,
    maximum: 256,
    onChange: 'reloadModel',
    restricted: true,
  }),
  'engine.idleUnloadMinutes': spec({ type: 'number', default: 15, minimum: 0, onChange: 'live', restricted: true }),
  /** One engine process for every window of this user (src/engine/shared); off: one per window. */
  'engine.shareAcrossWindows': spec({ type: 'boolean', default: true, onChange: 'restartEngine', restricted: true }),
  'completion.enabled': spec({ type: 'boolean', default: true, onChange: 'live' }),
  /** Per-language switch; languages not listed are on. */
  'completion.languages': spec<Record<string, boolean>>({
    type: 'object',
    default: { plaintext: false, markdown: false, scminput: false },
    valueType: 'boolean',
    onChange: 'live',
  }),
  'completion.multiline': spec<MultilineSetting>({
    type: 'string',
    default: 'auto',
    enum: ['auto', 'always', 'never'],
    onChange: 'rebuildPipeline',
  }),
  'completion.maxLines': spec({ type: 'integer', default: 12, minimum: 1, maximum: 200, onChange: 'rebuildPipeline' }),
  'completion.maxTokens': spec({
    type: 'integer',
    default: 128,
    minimum: 8,
    maximum: 2048,
    onChange: 'rebuildPipeline',
  }),
  'completion.timeoutMs': spec({
    type: 'integer',
    default: 3000,
    minimum: 1,
    maximum: 60000,
    onChange: 'live',
    restricted: true,
  }),
  'completion.prefixTokens': spec({
    type: 'integer',
    default: 1536,
    minimum: 128,
    maximum: 32768,
    onChange: 'rebuildPipeline',
  }),
  'completion.suffixTokens': spec({
    type: 'integer',
    default: 128,
    minimum: 0,
    maximum: 4096,
    onChange: 'rebuildPipeline',
  }),
  'completion.extraContextTokens': spec({
    type: 'integer',
    default: 1024,
    minimum: 0,
    maximum: 16384,
    onChange: 'rebuildPipeline',
  }),
  'completion.debounceMaxMs': spec({ type: 'integer', default: 350, minimum: 0, maximum: 2000, onChange: 'live' }),
  'completion.prefetch': spec({ type: 'boolean', default: true, onChange: 'live' }),
  /** The first words of a suggestion still being written this long after the key show at once. */
  'completion.partialAfterMs': spec({ type: 'integer', default: 400, minimum: 0, maximum: 5000, onChange: 'live' }),
  'chat.maxTokens': spec({ type: 'integer', default: 2048, minimum: 64, maximum: 32768, onChange: 'live' }),
  'chat.temperature': spec({ type: 'number', default: 0.3, minimum: 0, maximum: 2, onChange: 'live' }),
  'chat.timeoutSeconds': spec({
    type: 'integer',
    default: 300,
    minimum: 10,
    maximum: 3600,
    onChange: 'live',
    restricted: true,
  }),
  /** Offer the active editor's selection (or file) as an attachment chip. */
  'chat.attachActiveEditor': spec({ type: 'boolean', default: true, onChange: 'live' }),
  'chat.maxConversations': spec({ type: 'integer', default: 50, minimum: 1, maximum: 500, onChange: 'live' }),
  // The server settings decide where code is sent: machine-scoped in package.json (user or remote
  // settings only) and restricted, so that no workspace can point them elsewhere.
  'completion.backend': spec<BackendSetting>({
    type: 'string',
    default: 'local',
    enum: BACKENDS,
    onChange: 'reloadModel',
    restricted: true,
  }),
  /** The server's address (https unless it is this machine). */
  'completion.endpoint': spec({ type: 'string', default: '', onChange: 'live', restricted: true }),
  /** The model as the server names it; empty = the server's only (or first) model. */
  'completion.serverModel': spec({ type: 'string', default: '', onChange: 'live', restricted: true }),
  'chat.backend': spec<BackendSetting>({
    type: 'string',
    default: 'local',
    enum: BACKENDS,
    onChange: 'reloadModel',
    restricted: true,
  }),
  /** Empty = the completion endpoint. */
  'chat.endpoint': spec({ type: 'string', default: '', onChange: 'live', restricted: true }),
  'chat.serverModel': spec({ type: 'string', default: '', onChange: 'live', restricted: true }),
  'server.fimTemplate': spec<FimTemplateSetting>({
    type: 'string',
    default: 'auto',
    enum: ['auto', 'qwen', 'deepseek', 'starcoder', 'codellama', 'codestral', 'codegemma', 'server'],
    onChange: 'live',
    restricted: true,
  }),
  /** Ollama's num_ctx (and the context assumed when an OpenAI-compatible server does not say). */
  'server.contextSize': spec({
    type: 'integer',
    default: 8192,
    minimum: 512,
    maximum: 131072,
    onChange: 'live',
    restricted: true,
  }),
  'server.keepAlive': spec({ type: 'string', default: '30m', onChange: 'live', restricted: true }),
  'server.connectTimeoutMs': spec({
    type: 'integer',
    default: 5000,
    minimum: 100,
    maximum: 120000,
    onChange: 'live',
    restricted: true,
  }),
  'server.stallTimeoutMs': spec({
    type: 'integer',
    default: 30000,
    minimum: 100,
    maximum: 600000,
    onChange: 'live',
    restricted: true,
  }),
  'server.maxResponseKB': spec({
    type: 'integer',
    default: 4096,
    minimum: 16,
    maximum: 1048576,
    onChange: 'live',
    restricted: true,
  }),
  /** GGUF file of the next-edit model (Sweep Next-Edit, Zeta or Instinct); empty = no next edits. */
  'nextEdit.model': spec({ type: 'string', default: '', onChange: 'reloadModel', restricted: true }),
  /** Off unloads the next-edit model (the engine loads only what is used). */
  'nextEdit.enabled': spec({ type: 'boolean', default: true, onChange: 'reloadModel' }),
  /** Per-language switch; languages not listed are on. */
  'nextEdit.languages': spec<Record<string, boolean>>({
    type: 'object',
    default: { plaintext: false, scminput: false },
    valueType: 'boolean',
    onChange: 'live',
  }),
  /** The prompt format; 'auto' reads it from the model file's metadata. */
  'nextEdit.format': spec<NextEditFormatSetting>({
    type: 'string',
    default: 'auto',
    enum: ['auto', 'sweep', 'zeta', 'instinct'],
    onChange: 'live',
  }),
  'nextEdit.debounceMs': spec({ type: 'integer', default: 600, minimum: 0, maximum: 5000, onChange: 'live' }),
  'nextEdit.timeoutMs': spec({
    type: 'integer',
    default: 8000,
    minimum: 500,
    maximum: 60000,
    onChange: 'live',
    restricted: true,
  }),
  'nextEdit.inputLookup': spec({ type: 'boolean', default: true, onChange: 'live' }),
};

export type SettingKey = keyof typeof SETTINGS;
export type Settings = { [K in SettingKey]: (typeof SETTINGS)[K]['default'] };

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** Every setting's default. */
export const SETTING_DEFAULTS = Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTINGS[k].default])) as Settings;

/** The settings an untrusted workspace cannot set (package.json lists the same, prefixed). */
export const RESTRICTED_KEYS: readonly SettingKey[] = SETTING_KEYS.filter((k) => SETTINGS[k].restricted);

/** Settings that change which servers the features talk to, and how (the connections are made again). */
export const SERVER_KEYS: readonly SettingKey[] = SETTING_KEYS.filter(
  (k) => k.endsWith('.backend') || k.endsWith('.endpoint') || k.endsWith('.serverModel') || k.startsWith('server.'),
);

/** Largest context an automatic context size grows to. */
export const AUTO_CONTEXT_LIMIT = 16384;

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Checks a value read from the user's settings against the registry; VS Code's UI warns about a
 * bad value but still hands it to the extension. */
export function validateSetting<K extends SettingKey>(key: K, value: unknown): Validated<Settings[K]> {
  const s = SETTINGS[key] as SettingSpec<unknown>;
  const bad = (reason: string): Validated<Settings[K]> => ({ ok: false, reason });
  switch (s.type) {
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad('is not a number');
      if (s.type === 'integer' && !Number.isInteger(value)) return bad('is not a whole number');
      if (s.minimum !== undefined && value < s.minimum) return bad(`is below the minimum ${s.minimum}`);
      if (s.maximum !== undefined && value > s.maximum) return bad(`is above the maximum ${s.maximum}`);
      break;
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('is not an object');
      if (s.valueType && Object.values(value).some((v) => typeof v !== s.valueType))
        return bad(`has a value that is not a ${s.valueType}`);
      break;
    default:
      if (typeof value !== s.type) return bad(`is not a ${s.type}`);
  }
  if (s.enum && !s.enum.includes(value)) return bad(`is not one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  return { ok: true, value: value as Settings[K] };
}

/** What a set of changed settings requires, as the set of effects of their registry entries. */
export function changeEffects(keys: Iterable<SettingKey>): Set<ChangeEffect> {
  const effects = new Set<ChangeEffect>();
  for (const key of keys) effects.add(SETTINGS[key].onChange);
  return effects;
}

/** The keys whose values differ between two snapshots (objects compared by their JSON). */
export function changedKeys(before: Settings, after: Settings): SettingKey[] {
  return SETTING_KEYS.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}
