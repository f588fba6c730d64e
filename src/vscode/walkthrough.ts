// The "Get started with Alembic" walkthrough's side: it opens once on the first run without a model
// (VS Code opens walkthroughs only for marketplace installs), and its "try" steps put a sample file
// in front of the user with everything set for the first completion, chat and command — so the
// first hour works without the README.
import * as vscode from 'vscode';
import type { CommandRegistry } from './commands';
import { DisposableStore } from './disposable';
import type { EngineService } from './engineService';

export const WALKTHROUGH_COMMANDS = [
  'alembic.walkthrough.tryCompletion',
  'alembic.walkthrough.tryChat',
  'alembic.walkthrough.tryCommand',
] as const;

const WALKTHROUGH_ID = 'alembic.gettingStarted';

/** The sample: a cart with a `return` left to complete, and a function to chat about. */
const SAMPLE = `// A small shopping cart to try Alembic on (a scratch copy: change it as you like).

export function createCart() {
  return { items: [] };
}

export function addItem(cart, name, price, quantity = 1) {
  cart.items.push({ name, price, quantity });
  return cart;
}

export function total(items) {
  return 
}
`;
const SAMPLE_LINES = SAMPLE.split('\n');
/** 0-based: the `return ` line in total(), and where total() starts and ends. */
const RETURN_LINE = SAMPLE_LINES.indexOf('  return ');
const TOTAL_LINES = [SAMPLE_LINES.indexOf('export function total(items) {'), RETURN_LINE + 1] as const;

export class Walkthrough extends DisposableStore {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: EngineService,
    commands: CommandRegistry,
  ) {
    super();
    this.register(commands.registerCommand('alembic.walkthrough.tryCompletion', () => this.tryCompletion()));
    this.register(commands.registerCommand('alembic.walkthrough.tryChat', () => this.tryChat()));
    this.register(commands.registerCommand('alembic.walkthrough.tryCommand', () => this.tryCommand()));
    this.offerOnFirstRun();
  }

  /** The sample with the cursor at the end of the `return` line, and a suggestion asked for. */
  private async tryCompletion(): Promise<void> {
    if (!this.engine.requireModel('completion', 'for inline completions')) return;
    const editor = await this.openSample();
    const end = editor.document.lineAt(RETURN_LINE).range.end;
    editor.selection = new vscode.Selection(end, end);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
  }

  /** The sample with total() selected (the chat attaches the selection) and the chat's input focused. */
  private async tryChat(): Promise<void> {
    if (!this.engine.requireModel('chat', 'to chat')) return;
    const editor = await this.openSample();
    editor.selection = this.totalFunction(editor);
    await vscode.commands.executeCommand('alembic.chat.focus');
  }

  /** "Explain" on the sample's total(). */
  private async tryCommand(): Promise<void> {
    if (!this.engine.requireModel('chat', 'for this')) return;
    const editor = await this.openSample();
    editor.selection = this.totalFunction(editor);
    await vscode.commands.executeCommand('alembic.explain');
  }

  private totalFunction(editor: vscode.TextEditor): vscode.Selection {
    return new vscode.Selection(TOTAL_LINES[0], 0, TOTAL_LINES[1], editor.document.lineAt(TOTAL_LINES[1]).text.length);
  }

  /** A fresh scratch copy of the sample in the extension's storage (never in the user's project). */
  private async openSample(): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.joinPath(this.context.globalStorageUri, 'try-alembic', 'cart.js');
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!open?.isDirty) await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(SAMPLE));
    return vscode.window.showTextDocument(uri, { preview: false });
  }

  private offerOnFirstRun(): void {
    const key = 'alembic.walkthroughOffered';
    const state = this.context.globalState;
    if (state.get<boolean>(key) || this.engine.hasModelFor('completion') || this.engine.hasModelFor('chat')) return;
    void state.update(key, true);
    void vscode.commands.executeCommand(
      'workbench.action.openWalkthrough',
      `${this.context.extension.id}#${WALKTHROUGH_ID}`,
      false,
    );
  }
}
