// Where a user finds Alembic's settings. In a remote window (code-server, Remote-SSH, WSL, Dev
// Containers) VS Code keeps machine-scoped settings (the model files and the engine) on the Settings
// editor's *Remote* tab only, so a search on the User tab finds nothing: the commands that save or
// mention these settings open the tab where they are.
import * as vscode from 'vscode';

const EXTENSION_ID = 'alembic.alembic';

/** The scope package.json declares for `alembic.<key>`. */
function scopeOf(key: string): string | undefined {
  const pkg = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as
    { contributes?: { configuration?: { properties?: Record<string, { scope?: string }> } } } | undefined;
  return pkg?.contributes?.configuration?.properties?.[`alembic.${key}`]?.scope;
}

/** Whether the Settings editor shows `alembic.<key>` on its Remote tab in this window. */
export function onRemoteTab(key: string): boolean {
  const scope = scopeOf(key);
  return vscode.env.remoteName !== undefined && (scope === 'machine' || scope === 'machine-overridable');
}

/** "your Remote settings" or "your User settings", for messages. */
export function settingsPlace(key: string): string {
  return onRemoteTab(key) ? 'your Remote settings' : 'your User settings';
}

/** Opens the Settings editor where `alembic.<key>` is, searching for it; without a key, on the tab
 * that has the model and engine settings, filtered to Alembic's. */
export async function openAlembicSettings(key?: string): Promise<void> {
  const remote = onRemoteTab(key ?? 'completion.model');
  const query = key ? `alembic.${key}` : `@ext:${EXTENSION_ID}`;
  // Both take { query } (the remote one ignores a plain string).
  await vscode.commands.executeCommand(
    remote ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings',
    { query },
  );
}
