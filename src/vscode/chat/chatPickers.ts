// The chat's native pickers and prompts: the conversation history (reopen or delete), the chat
// model, and the confirmation before a link from an answer opens in the browser.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { ConversationStore } from '../../core/chat/conversationStore';
import { listModelFolder } from '../../core/models/modelStore';
import { formatBytes } from '../../core/util/format';
import { getSetting, setSetting } from '../config';
import { modelsFolder } from '../models/modelDownloads';
import type { ChatController } from './chatController';

interface HistoryItem extends vscode.QuickPickItem {
  id: string;
}

const DELETE: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon('trash'),
  tooltip: 'Delete this conversation',
};

/** Lists stored conversations: Enter reopens one, the trash button deletes it. */
export async function showHistory(controller: ChatController, store: ConversationStore): Promise<void> {
  const pick = vscode.window.createQuickPick<HistoryItem>();
  pick.title = 'Alembic: Chat History';
  pick.placeholder = 'Reopen a conversation (the trash button deletes it)';
  pick.matchOnDescription = true;
  const refresh = () => {
    const current = controller.currentConversation.id;
    pick.items = store.list().map((s) => ({
      id: s.id,
      label: s.title,
      description: `${new Date(s.updatedAt).toLocaleString()} · ${s.turns} messages${s.id === current ? ' · open' : ''}`,
      buttons: [DELETE],
    }));
    if (pick.items.length === 0) pick.placeholder = 'No conversations yet';
  };
  refresh();
  await new Promise<void>((resolve) => {
    pick.onDidTriggerItemButton(async (e) => {
      await controller.delete(e.item.id);
      refresh();
    });
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0];
      if (chosen) controller.open(chosen.id);
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve();
    });
    pick.show();
  });
}

interface ModelItem extends vscode.QuickPickItem {
  action: 'same' | 'file' | 'browse' | 'download';
  path?: string;
}

/** Chooses the chat model (which may differ from the completion model). */
export async function selectChatModel(context: vscode.ExtensionContext): Promise<void> {
  const chat = getSetting('chat.model');
  const completion = getSetting('completion.model');
  const folder = await listModelFolder(modelsFolder(context)).catch(() => ({
    models: [] as { path: string; fileName: string; sizeBytes: number }[],
  }));
  const items: (ModelItem | vscode.QuickPickItem)[] = [];
  if (completion) {
    items.push({
      label: 'Same as the completion model',
      description: `${basename(completion)}${!chat ? ' · current' : ''}`,
      detail: 'One model in memory for both.',
      action: 'same',
    } as ModelItem);
  }
  const paths = new Set<string>();
  for (const m of folder.models) {
    paths.add(m.path);
    items.push({
      label: m.fileName,
      description: `${formatBytes(m.sizeBytes)}${m.path === chat ? ' · current' : ''}`,
      detail: m.path,
      action: 'file',
      path: m.path,
    } as ModelItem);
  }
  if (chat && !paths.has(chat))
    items.push({
      label: basename(chat),
      description: 'current',
      detail: chat,
      action: 'file',
      path: chat,
    } as ModelItem);
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(folder-opened) Browse for a .gguf file…', action: 'browse' } as ModelItem);
  items.push({ label: '$(cloud-download) Download a model…', action: 'download' } as ModelItem);
  const pick = (await vscode.window.showQuickPick(items, {
    title: 'Alembic: Select Chat Model',
    placeHolder: 'The model that answers in the chat',
    matchOnDetail: true,
  })) as ModelItem | undefined;
  if (!pick) return;
  if (pick.action === 'same') await setSetting('chat.model', '');
  else if (pick.action === 'download') await vscode.commands.executeCommand('alembic.downloadModel');
  else {
    const path =
      pick.path ??
      (
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { 'GGUF models': ['gguf'] },
          openLabel: 'Use for Chat',
        })
      )?.[0]?.fsPath;
    // alembic.selectModel pre-checks the file before it is saved in the settings.
    if (path) await vscode.commands.executeCommand('alembic.selectModel', path, 'chat');
  }
}

/** Opens a web link from an answer in the browser, after the user confirms the exact address. */
export async function openLink(url: string): Promise<void> {
  let parsed: vscode.Uri;
  try {
    parsed = vscode.Uri.parse(url, true);
  } catch {
    return;
  }
  if (parsed.scheme !== 'http' && parsed.scheme !== 'https') return;
  const choice = await vscode.window.showWarningMessage(
    'Open this link from the chat in your browser?',
    { modal: true, detail: url },
    'Open Link',
  );
  if (choice === 'Open Link') await vscode.env.openExternal(parsed);
}
