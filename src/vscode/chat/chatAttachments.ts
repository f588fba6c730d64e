// What the next chat message carries besides its text, as chips the user can remove:
//   - the "auto" chip follows the active editor: its selection, or the whole file when nothing is
//     selected (setting alembic.chat.attachActiveEditor). Removing it hides it for that document;
//     another document brings it back.
//   - chips added on purpose: a file picked with `@` or the attach menu, the active file's problems,
//     "Add Selection to Chat". They are used by one message and then cleared.
// Contents are read when the message is sent, so the model sees the code as it is then.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { formatDiagnostics, type AttachmentContent, type DiagnosticLine } from '../../core/chat/chatPrompt';
import { newId } from '../../core/chat/conversation';
import type { AttachmentKind, AttachmentView } from '../../core/chat/webviewProtocol';
import { getSetting, watchSettings } from '../config';
import { DisposableStore } from '../disposable';

interface PinnedAttachment {
  id: string;
  kind: 'selection' | 'file' | 'diagnostics';
  uri: vscode.Uri;
  range?: vscode.Range;
}

/** Documents that are files a user works on (not output panels, diffs of proposals, git views). */
const ATTACHABLE_SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/dist/**,**/out/**,**/.cache/**,**/*.gguf}';

export class ChatAttachments extends DisposableStore {
  private editor?: vscode.TextEditor;
  private dismissedAuto?: string;
  private readonly pinned = new Map<string, PinnedAttachment>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private selectionTimer?: NodeJS.Timeout;

  constructor() {
    super();
    this.track(vscode.window.activeTextEditor);
    this.register(vscode.window.onDidChangeActiveTextEditor((e) => this.track(e)));
    this.register(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor !== this.editor) return;
        clearTimeout(this.selectionTimer);
        this.selectionTimer = setTimeout(() => this.changed.fire(), 150);
      }),
    );
    this.register(
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.editor?.document === d) this.track(undefined);
      }),
    );
    this.register(
      watchSettings((change) => {
        if (change.affects('chat.attachActiveEditor')) this.changed.fire();
      }),
    );
    this.register({ dispose: () => clearTimeout(this.selectionTimer) });
  }

  /** The editor Insert and Apply act on: the last text editor the user worked in. */
  get targetEditor(): vscode.TextEditor | undefined {
    const doc = this.editor?.document;
    if (!doc || doc.isClosed) return undefined;
    return vscode.window.visibleTextEditors.find((e) => e.document === doc) ?? this.editor;
  }

  views(): AttachmentView[] {
    const views: AttachmentView[] = [];
    const auto = this.autoView();
    if (auto) views.push(auto);
    for (const p of this.pinned.values()) views.push(pinnedView(p));
    return views;
  }

  remove(id: string): void {
    if (id === 'auto' && this.editor) this.dismissedAuto = this.editor.document.uri.toString();
    else this.pinned.delete(id);
    this.changed.fire();
  }

  /** Brings back the active editor's chip, or pins it when the automatic one is off. */
  addCurrent(): void {
    const editor = this.editor;
    if (!editor) return;
    if (getSetting('chat.attachActiveEditor') && this.dismissedAuto === editor.document.uri.toString())
      this.dismissedAuto = undefined;
    else if (!this.autoView())
      this.pin({
        kind: editor.selection.isEmpty ? 'file' : 'selection',
        uri: editor.document.uri,
        range: editor.selection.isEmpty ? undefined : editor.selection,
      });
    this.changed.fire();
  }

  addSelection(editor: vscode.TextEditor): void {
    if (editor.selection.isEmpty) return;
    this.pin({
      kind: 'selection',
      uri: editor.document.uri,
      range: new vscode.Range(editor.selection.start, editor.selection.end),
    });
  }

  /** The ⚠ button: the active file's problems, when it has any (a chip of nothing would mislead). */
  addDiagnostics(): void {
    const uri = this.editor?.document.uri;
    if (!uri) {
      void vscode.window.showInformationMessage('Alembic: open a file to attach its problems.');
      return;
    }
    if (vscode.languages.getDiagnostics(uri).length === 0) {
      vscode.window.setStatusBarMessage(`$(check) Alembic: ${basename(uri.path)} has no problems to attach`, 4000);
      this.changed.fire(); // the view asked: it hears back either way
      return;
    }
    this.pin({ kind: 'diagnostics', uri });
  }

  /** `@` in the chat input: pick a workspace file. Fires onDidChange either way, so the view knows. */
  async pickFile(): Promise<void> {
    try {
      const files = await vscode.workspace.findFiles('**/*', EXCLUDE, 5000);
      const items = files
        .map((uri) => ({ label: basename(uri.path), description: vscode.workspace.asRelativePath(uri, false), uri }))
        .sort((a, b) => a.description.localeCompare(b.description));
      const pick = await vscode.window.showQuickPick(items, {
        title: 'Attach a File to the Chat',
        placeHolder: 'Type to search the workspace',
        matchOnDescription: true,
      });
      if (pick) this.pin({ kind: 'file', uri: pick.uri });
    } finally {
      this.changed.fire();
    }
  }

  /** The chips the view showed when the user pressed Enter: their labels now, and a reader of
   * their contents (the selection as it is now; files are read when asked). */
  capture(ids: readonly string[]): {
    chips: { kind: AttachmentKind; label: string }[];
    read: () => Promise<AttachmentContent[]>;
  } {
    const views = this.views();
    const taken = ids.flatMap((id) => {
      const view = views.find((v) => v.id === id);
      const source = id === 'auto' ? this.autoSource() : this.pinned.get(id);
      // The auto chip's selection is copied: the user may move the cursor before it is read.
      return view && source
        ? [
            {
              view,
              source: { ...source, range: source.range && new vscode.Range(source.range.start, source.range.end) },
            },
          ]
        : [];
    });
    return {
      chips: taken.map(({ view }) => ({ kind: view.kind, label: view.label })),
      read: async () => {
        const contents: AttachmentContent[] = [];
        for (const { source } of taken) contents.push(await readAttachment(source));
        return contents;
      },
    };
  }

  /** After a message is sent: pinned chips were for that message. */
  clearPinned(): void {
    if (this.pinned.size === 0) return;
    this.pinned.clear();
    this.changed.fire();
  }

  private pin(p: Omit<PinnedAttachment, 'id'>): void {
    const key = (x: Omit<PinnedAttachment, 'id'>) =>
      `${x.kind}|${x.uri.toString()}|${x.range ? `${x.range.start.line}:${x.range.start.character}-${x.range.end.line}:${x.range.end.character}` : ''}`;
    const same = [...this.pinned.values()].some((x) => key(x) === key(p));
    if (!same && this.pinned.size < 15) {
      const id = newId();
      this.pinned.set(id, { ...p, id });
    }
    this.changed.fire();
  }

  private track(editor: vscode.TextEditor | undefined): void {
    if (editor && !ATTACHABLE_SCHEMES.has(editor.document.uri.scheme)) return;
    // Focus moving to a non-text editor leaves the last text editor as the one meant.
    if (!editor && this.editor && vscode.window.visibleTextEditors.includes(this.editor)) return;
    if (editor === this.editor) return;
    this.editor = editor;
    this.changed.fire();
  }

  private autoSource(): Omit<PinnedAttachment, 'id'> | undefined {
    const editor = this.editor;
    if (!editor || !getSetting('chat.attachActiveEditor') || this.dismissedAuto === editor.document.uri.toString())
      return undefined;
    return editor.selection.isEmpty
      ? { kind: 'file', uri: editor.document.uri }
      : { kind: 'selection', uri: editor.document.uri, range: editor.selection };
  }

  private autoView(): AttachmentView | undefined {
    const source = this.autoSource();
    return source ? { ...pinnedView({ ...source, id: 'auto' }), auto: true } : undefined;
  }
}

function pinnedView(p: PinnedAttachment): AttachmentView {
  const name = basename(p.uri.path) || 'Untitled';
  const path = vscode.workspace.asRelativePath(p.uri, false);
  if (p.kind === 'selection' && p.range) {
    const [a, b] = lines(p.range);
    const where = a === b ? `${a}` : `${a}-${b}`;
    return {
      id: p.id,
      kind: 'selection',
      label: `${name}:${where}`,
      detail: `The selection in ${path}, line${a === b ? '' : 's'} ${where}`,
      auto: false,
    };
  }
  if (p.kind === 'diagnostics')
    return {
      id: p.id,
      kind: 'diagnostics',
      label: `Problems in ${name}`,
      detail: `The problems VS Code reports in ${path}`,
      auto: false,
    };
  return { id: p.id, kind: 'file', label: name, detail: `The file ${path}`, auto: false };
}

/** 1-based first and last line; a selection ending at column 0 does not include that line. */
function lines(range: vscode.Range): [number, number] {
  const last = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  return [range.start.line + 1, last + 1];
}

async function readAttachment(p: Omit<PinnedAttachment, 'id'>): Promise<AttachmentContent> {
  const path = vscode.workspace.asRelativePath(p.uri, false);
  if (p.kind === 'diagnostics') {
    const list: DiagnosticLine[] = vscode.languages.getDiagnostics(p.uri).map((d) => ({
      severity: (['error', 'warning', 'information', 'hint'] as const)[d.severity] ?? 'information',
      line: d.range.start.line + 1,
      message: d.message,
      source: d.source,
    }));
    return { kind: 'diagnostics', path, text: formatDiagnostics(list) };
  }
  try {
    if (p.uri.scheme !== 'untitled') {
      const stat = await vscode.workspace.fs.stat(p.uri);
      if (stat.size > MAX_FILE_BYTES)
        return {
          kind: 'text',
          description: `the file ${path}, which is too large to send (${Math.round(stat.size / 1048576)} MB); only its name is attached`,
          text: path,
        };
    }
    const document = await vscode.workspace.openTextDocument(p.uri);
    if (p.kind === 'selection' && p.range) {
      const [startLine, endLine] = lines(p.range);
      return {
        kind: 'selection',
        path,
        languageId: document.languageId,
        startLine,
        endLine,
        text: document.getText(p.range),
      };
    }
    return { kind: 'file', path, languageId: document.languageId, text: document.getText() };
  } catch (e) {
    return {
      kind: 'text',
      description: `the file ${path}, which could not be read (${e instanceof Error ? e.message : String(e)})`,
      text: path,
    };
  }
}
