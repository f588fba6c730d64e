// What the replay's editor does besides typing, as the events VS Code gives an extension: every
// keystroke is an edit and a cursor move; VS Code's autosave (files.autoSave "afterDelay", 1 s)
// saves the document 1 s after the last key; and once per file the typist switches to a second
// file, scrolls through it, clicks a line there, reads, and switches back. Strategies that keep
// extra context (Alembic's ring, llama.vscode's chunks) feed it from these events the way each
// extension does; the baselines ignore them.
import type { CompletionDocument } from '../completion/documentWindow';
import type { ExtraContext } from '../completion/extraContext';

/** An editor as an extension sees it: its document, the cursor's line, unsaved changes. */
export interface EditorView {
  doc: CompletionDocument;
  line: number;
  dirty: boolean;
}

export type EditorEvent =
  /** The document changed at `line` (onDidChangeTextDocument). */
  | { kind: 'edit'; doc: CompletionDocument; line: number }
  /** The cursor moved to `line` (onDidChangeTextEditorSelection). */
  | { kind: 'cursor'; doc: CompletionDocument; line: number }
  /** The document was saved (onDidSaveTextDocument); `line` is its editor's cursor. */
  | { kind: 'save'; doc: CompletionDocument; line: number }
  /** Another editor became the active one (onDidChangeActiveTextEditor). */
  | { kind: 'switch'; from: EditorView; to: EditorView }
  /** An editor's visible lines changed (onDidChangeTextEditorVisibleRanges). */
  | { kind: 'scroll'; doc: CompletionDocument; firstLine: number; lastLine: number; active: boolean };

/** The editor state at any moment (a strategy's timers read it later, as an extension would). */
export interface Workspace {
  active(): EditorView;
}

/** Autosave delay of VS Code's files.autoSave "afterDelay" (files.autoSaveDelay default). */
export const AUTOSAVE_DELAY_MS = 1000;

/** Alembic's extension feeds its extra context from these events exactly as
 * src/vscode/completion/inlineCompletions.ts (registerContextFeeds) does. */
export function feedExtraContext(extra: ExtraContext, event: EditorEvent): void {
  switch (event.kind) {
    case 'edit':
      extra.onEdit(event.doc, event.line);
      break;
    case 'cursor':
      extra.onCursorMove(event.doc, event.line);
      break;
    case 'switch':
      extra.onEditorSwitch(event.from.doc, event.from.line);
      break;
    case 'save':
      extra.onSave(event.doc, event.line);
      break;
    case 'scroll':
      // Only editors other than the active one contribute their visible lines.
      if (!event.active) extra.onVisible(event.doc, event.firstLine, event.lastLine);
      break;
  }
}
