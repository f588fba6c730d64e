// The editing commands: Explain, Edit Selection…, Generate Tests, Add Documentation and Fix This
// Problem. Each streams its answer into the chat view, in a conversation of its own titled by the
// command (so it never lands in a chat about something else, and the user sees the model work),
// shows a cancellable progress notification, and — except Explain — proposes the result through
// the diff review: nothing changes until the user accepts, and accepting is one undo step.
// The prompts live in src/core/actions (one place, tested without VS Code).
import * as vscode from 'vscode';
import {
  docsPrompt,
  editPrompt,
  explainPrompt,
  fixPrompt,
  testsPrompt,
  type ActionPrompt,
  type DiagnosticInfo,
} from '../../core/actions/actionPrompts';
import { extractCode, replacementFor } from '../../core/actions/answerParsing';
import { testConventions } from '../../core/actions/testFramework';
import type { AttachmentContent } from '../../core/chat/chatPrompt';
import type { ChatAskResult } from '../chat/chatController';
import type { ChatFeature } from '../chat/chatFeature';
import type { CommandRegistry } from '../commands';
import type { DiffReview } from '../diff/diffReview';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { codeTarget, type CodeTarget } from './codeTarget';
import { askInstruction } from './instructionPicker';
import { signalFrom } from '../cancellation';

export class EditorActions extends DisposableStore {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: EngineService,
    private readonly chat: ChatFeature,
    private readonly diffReview: DiffReview,
    commands: CommandRegistry,
    private readonly log: Logger,
  ) {
    super();
    const command = (id: string, run: (...args: never[]) => Promise<unknown>) =>
      this.register(commands.registerCommand(id, (...args: never[]) => run(...args).catch((e) => this.fail(id, e))));
    command('alembic.explain', () => this.explain());
    command('alembic.editSelection', (instruction?: string) => this.edit(instruction));
    command('alembic.generateTests', () => this.generateTests());
    command('alembic.addDocumentation', () => this.addDocumentation());
    command('alembic.fixProblem', (uri?: vscode.Uri, range?: vscode.Range, diagnostics?: vscode.Diagnostic[]) =>
      this.fix(uri, range, diagnostics),
    );
  }

  private async explain(): Promise<void> {
    const target = await this.prepare();
    if (!target) return;
    const prompt = explainPrompt(target.selection);
    await this.withProgress(prompt.title, (signal) => this.ask(prompt, target, signal));
  }

  private async edit(given?: string): Promise<void> {
    const target = await this.prepare();
    if (!target) return;
    const instruction = typeof given === 'string' && given.trim() ? given.trim() : await askInstruction(this.context);
    if (!instruction) return;
    await this.proposeReplacement(target, editPrompt(target.selection, instruction));
  }

  private async addDocumentation(): Promise<void> {
    const target = await this.prepare();
    if (target) await this.proposeReplacement(target, docsPrompt(target.selection));
  }

  private async fix(uri?: vscode.Uri, range?: vscode.Range, given?: vscode.Diagnostic[]): Promise<void> {
    const editor =
      uri instanceof vscode.Uri
        ? await vscode.window.showTextDocument(uri, { preserveFocus: false })
        : vscode.window.activeTextEditor;
    if (!editor) return this.explainNeed('Open a file with a problem first (errors and warnings are underlined).');
    const at = range instanceof vscode.Range ? range : editor.selection;
    const diagnostics = (Array.isArray(given) && given.length ? given : problemsAt(editor.document, at)).slice(0, 8);
    if (diagnostics.length === 0) return this.explainNeed('There is no error or warning at the cursor to fix.');
    if (!this.engine.requireModel('chat', 'to fix problems')) return;
    const spanning = diagnostics.reduce((r, d) => r.union(d.range), diagnostics[0]!.range);
    // The enclosing function when there is one (a fix often needs more than the marked line),
    // else just the marked lines.
    const around = await codeTarget(editor, new vscode.Range(spanning.start, spanning.start));
    const fits = around.range.contains(spanning) && around.range.end.line - around.range.start.line < 120;
    const target = fits
      ? around
      : await codeTarget(editor, new vscode.Range(spanning.start.line, 0, spanning.end.line + 1, 0));
    await this.proposeReplacement(target, fixPrompt(target.selection, diagnostics.map(diagnosticInfo)));
  }

  private async generateTests(): Promise<void> {
    const target = await this.prepare();
    if (!target) return;
    const files = (
      await vscode.workspace.findFiles('**/*', '**/{node_modules,.git,dist,out,build,.venv,target}/**', 2000)
    ).map((u) => vscode.workspace.asRelativePath(u, false));
    const manifest = await readWorkspaceFile('package.json');
    const conventions = testConventions(target.selection.path, target.selection.languageId, files, manifest);
    const prompt = testsPrompt(target.selection, conventions);
    const result = await this.withProgress(prompt.title, (signal) => this.ask(prompt, target, signal));
    const code = result && result.status === 'done' ? extractCode(result.text, target.selection.languageId) : undefined;
    if (!result || !this.answered(result, code)) return;
    const folder =
      vscode.workspace.getWorkspaceFolder(target.editor.document.uri) ?? vscode.workspace.workspaceFolders?.[0];
    const testUri = folder
      ? vscode.Uri.joinPath(folder.uri, conventions.testPath)
      : target.editor.document.uri.with({ path: `${target.editor.document.uri.path}.test` });
    await this.diffReview.proposeFile(
      testUri,
      `${code!.trimEnd()}\n`,
      prompt.verb,
      `${prompt.title} (${conventions.framework})`,
    );
  }

  /** Streams the answer into the chat, then proposes the code in it as a replacement of the target. */
  private async proposeReplacement(target: CodeTarget, prompt: ActionPrompt): Promise<void> {
    const result = await this.withProgress(prompt.title, (signal) => this.ask(prompt, target, signal));
    const original = target.editor.document.getText(target.range);
    const newText =
      result && result.status === 'done'
        ? replacementFor(result.text, original, target.selection.languageId)
        : undefined;
    if (!result || !this.answered(result, newText)) return;
    if (newText === original) {
      void vscode.window.showInformationMessage('Alembic: the model proposes no change to this code.');
      return;
    }
    const outcome = await this.diffReview.propose({
      uri: target.editor.document.uri,
      range: target.range,
      newText: newText!,
      title: prompt.verb,
      detail: prompt.title,
    });
    this.log.info(`${prompt.title}: ${outcome}`);
  }

  /** Streams the command's answer into a conversation of its own, titled by the command. */
  private ask(prompt: ActionPrompt, target: CodeTarget, signal: AbortSignal): Promise<ChatAskResult> {
    return this.chat.ask({
      title: prompt.title,
      prompt: prompt.messages,
      attachments: [attachment(target)],
      newConversation: true,
      signal,
    });
  }

  /** Whether a finished answer can be applied; tells the user why not otherwise. */
  private answered(result: ChatAskResult, code: string | undefined): boolean {
    if (result.status === 'stopped') {
      void vscode.window.showInformationMessage('Alembic: cancelled. Nothing was changed.');
      return false;
    }
    if (result.status === 'error') {
      void vscode.window
        .showErrorMessage(`Alembic: ${result.error ?? 'the model failed'}. Nothing was changed.`, 'Show Log')
        .then((c) => c && vscode.commands.executeCommand('alembic.showLog'));
      return false;
    }
    if (!code) {
      void vscode.window.showWarningMessage(
        'Alembic: the answer has no code to apply (it is in the chat). Nothing was changed.',
      );
      return false;
    }
    return true;
  }

  private async withProgress(
    title: string,
    run: (signal: AbortSignal) => Promise<ChatAskResult>,
  ): Promise<ChatAskResult | undefined> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Alembic: ${title}`, cancellable: true },
      async (_progress, token) => {
        const cancel = signalFrom(token);
        try {
          return await run(cancel.signal);
        } finally {
          cancel.dispose();
        }
      },
    );
  }

  /** The active editor's target, or undefined after telling the user what is missing. */
  private async prepare(): Promise<CodeTarget | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      this.explainNeed('Open a file and put the cursor in the code (or select it) first.');
      return undefined;
    }
    if (!this.engine.requireModel('chat', 'for this')) return undefined;
    return codeTarget(editor);
  }

  private explainNeed(message: string): void {
    void vscode.window.showInformationMessage(`Alembic: ${message}`);
  }

  private fail(command: string, e: unknown): void {
    this.log.error(`${command} failed`, e);
    void vscode.window
      .showErrorMessage(`Alembic: ${e instanceof Error ? e.message : String(e)}`, 'Show Log')
      .then((c) => c && vscode.commands.executeCommand('alembic.showLog'));
  }
}

function attachment(target: CodeTarget): AttachmentContent {
  const s = target.selection;
  return {
    kind: 'selection',
    path: s.path,
    languageId: s.languageId,
    startLine: s.startLine,
    endLine: s.endLine,
    text: s.code,
  };
}

export function problemsAt(document: vscode.TextDocument, range: vscode.Range): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(document.uri)
    .filter(
      (d) =>
        d.severity <= vscode.DiagnosticSeverity.Warning &&
        (d.range.intersection(range) !== undefined || d.range.start.line === range.start.line),
    );
}

function diagnosticInfo(d: vscode.Diagnostic): DiagnosticInfo {
  const severity = (['error', 'warning', 'information', 'hint'] as const)[d.severity];
  const code = typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
  return {
    severity,
    message: d.message,
    source: d.source,
    code,
    line: d.range.start.line + 1,
    related: d.relatedInformation?.slice(0, 5).map((r) => ({
      path: vscode.workspace.asRelativePath(r.location.uri, false),
      line: r.location.range.start.line + 1,
      message: r.message,
    })),
  };
}

async function readWorkspaceFile(name: string): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return undefined;
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, name)));
  } catch {
    return undefined;
  }
}
