// The instruction box of "Edit Selection…": type a new instruction or pick a recent one.
import * as vscode from 'vscode';

const RECENT_KEY = 'alembic.recentEditInstructions';
const MAX_RECENT = 12;

export async function askInstruction(context: vscode.ExtensionContext): Promise<string | undefined> {
  const recent = context.globalState.get<string[]>(RECENT_KEY, []);
  const pick = vscode.window.createQuickPick();
  pick.title = 'Alembic: Edit Selection';
  pick.placeholder = 'Describe the change (e.g. "handle an empty list", "convert to async/await")';
  pick.items = recent.map((label) => ({ label, description: 'recent' }));
  pick.matchOnDescription = false;
  // What the user types is itself an option, shown first, so Enter takes the typed text.
  pick.onDidChangeValue((value) => {
    const typed = value.trim();
    const recentItems = recent.filter((r) => r !== typed).map((label) => ({ label, description: 'recent' }));
    pick.items = typed ? [{ label: typed, description: 'new instruction' }, ...recentItems] : recentItems;
  });
  const instruction = await new Promise<string | undefined>((resolve) => {
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]?.label ?? (pick.value.trim() || undefined));
      pick.hide();
    });
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (instruction)
    await context.globalState.update(
      RECENT_KEY,
      [instruction, ...recent.filter((r) => r !== instruction)].slice(0, MAX_RECENT),
    );
  return instruction;
}
