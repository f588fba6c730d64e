// "Select Model…" when a feature runs on a server: the models the server lists (its /v1/models or
// Ollama's /api/tags), the current one marked, and the ways to the server's settings or back to a
// model on this machine.
import * as vscode from 'vscode';
import type { ServerModelEntry } from '../../core/remote/serverBackend';
import { getSetting, setSetting } from '../config';
import type { RemoteServers } from './remoteServers';
import type { Role } from './serverSettings';

interface Pick extends vscode.QuickPickItem {
  action: 'model' | 'local' | 'apiKey' | 'settings';
  id?: string;
}

export async function selectServerModel(servers: RemoteServers, role: Role): Promise<void> {
  const view = servers.view(role);
  const connection = servers.connection(role);
  const modelKey = role === 'completion' ? 'completion.serverModel' : 'chat.serverModel';
  let models: ServerModelEntry[] = [];
  let problem: string | undefined = connection ? undefined : view?.error;
  if (connection) {
    try {
      models = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Alembic: asking ${view?.label} for its models…` },
        () => connection.backend.listModels(),
      );
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
  }
  const current = getSetting(modelKey) || view?.facts?.id;
  const items: (Pick | vscode.QuickPickItem)[] = models.map((m): Pick => ({
    label: m.id,
    description: [m.detail, m.id === current ? 'current' : ''].filter(Boolean).join(' · ') || undefined,
    action: 'model',
    id: m.id,
    picked: m.id === current,
  }));
  if (problem) items.push({ label: `$(error) ${problem}`, action: 'settings', alwaysShow: true } as Pick);
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(key) Set API Key…', action: 'apiKey' } as Pick);
  items.push({ label: '$(gear) Server Settings…', action: 'settings' } as Pick);
  items.push({ label: '$(device-desktop) Use a Model on This Machine Instead', action: 'local' } as Pick);
  const pick = (await vscode.window.showQuickPick(items, {
    title: `Alembic: ${role === 'completion' ? 'Completion' : 'Chat'} Model on ${view?.label ?? 'the server'}`,
    placeHolder: models.length ? 'Pick the model the server should use' : 'The server lists no models',
  })) as Pick | undefined;
  if (!pick) return;
  switch (pick.action) {
    case 'model':
      await setSetting(modelKey, pick.id!);
      void vscode.window.setStatusBarMessage(`Alembic: ${role} uses ${pick.id} on ${view?.label}`, 4000);
      return;
    case 'apiKey':
      await vscode.commands.executeCommand('alembic.setApiKey', connection?.backend.endpoint.href);
      return;
    case 'settings':
      await vscode.commands.executeCommand('workbench.action.openSettings', `alembic.${role}.`);
      return;
    case 'local':
      await setSetting(role === 'completion' ? 'completion.backend' : 'chat.backend', 'local');
      if (
        role === 'completion'
          ? !getSetting('completion.model')
          : !getSetting('chat.model') && !getSetting('completion.model')
      )
        await vscode.commands.executeCommand(role === 'chat' ? 'alembic.chat.selectModel' : 'alembic.selectModel');
  }
}
