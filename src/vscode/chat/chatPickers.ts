// The chat's native pickers and prompts: the conversation history (reopen or delete) and the
// confirmation before a link from an answer opens in the browser. (The chat model is chosen with
// the one model picker, src/vscode/models/modelPicker.ts.)
import * as vscode from 'vscode';
import type { ConversationStore } from '../../core/chat/conversationStore';
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
