// Review of a proposed change before it touches a file, shared by chat's Apply and the editing
// commands (a feature of its own: neither owns it). `propose()` opens VS Code's diff between the
// file as it is and the file with the change (a read-only virtual document), `proposeFile()` does
// the same for a whole new file (or text added to the end of an existing one), and each resolves
// when the user decides:
//   - Accept applies the change as one WorkspaceEdit (one undo step) and closes the diff;
//   - Reject, or closing the diff, leaves the file untouched;
//   - a change that would leave the file as it is opens nothing: the user is told ('unchanged').
// The diff's tab has a short title ("sum.ts: Fix (review)") and the whole story (the diagnostic,
// the instruction) in its description, so it does not push the other tabs away. Accept and Reject
// are labelled buttons in its title bar, with keys (Ctrl+Enter, Ctrl+Backspace), and palette
// commands; the context keys `alembic.diffReview.active` (the active editor is a proposal's diff)
// and `alembic.diffReview.pending` (some proposal is open) gate them.
// If the file changed in the meantime, the change is applied where the original text still is;
// when that place cannot be found unambiguously, nothing is applied and the user is told.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { CommandRegistry } from '../commands';
import { DisposableStore } from '../disposable';
import type { Logger } from '../log';
import { PROPOSAL_SCHEME, ProposalDocuments } from './proposalDocuments';

export interface ProposedChange {
  uri: vscode.Uri;
  range: vscode.Range;
  newText: string;
  /** What the change is, in a word or two, for the tab's title ("Fix", "Apply"). */
  title?: string;
  /** What the change does in full, for the tab's description ("Fix 'x' is not defined in a.ts line 3"). */
  detail?: string;
}

export type ReviewOutcome = 'accepted' | 'rejected' | 'unchanged';

/** The commands this feature implements. */
export const DIFF_REVIEW_COMMANDS = [
  'alembic.diff.accept',
  'alembic.diff.reject',
  'alembic.review.accept',
  'alembic.review.reject',
] as const;

interface PendingReview {
  target: vscode.Uri;
  proposal: vscode.Uri;
  /** The empty left side of a new file's diff. */
  empty?: vscode.Uri;
  /** Applies the change; false when it could not be (the user was told why). */
  apply: () => Promise<boolean>;
  settle: (outcome: ReviewOutcome) => void;
}

export class DiffReview extends DisposableStore {
  private readonly documents = this.register(new ProposalDocuments());
  private readonly pending = new Map<string, PendingReview>();

  constructor(
    commands: CommandRegistry,
    private readonly log: Logger,
  ) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this.documents));
    // The palette's "Accept Proposed Change" and the title bar's labelled "Accept" do the same.
    for (const id of ['alembic.diff.accept', 'alembic.review.accept'])
      this.register(commands.registerCommand(id, (uri?: vscode.Uri) => this.decide(uri, 'accepted')));
    for (const id of ['alembic.diff.reject', 'alembic.review.reject'])
      this.register(commands.registerCommand(id, (uri?: vscode.Uri) => this.decide(uri, 'rejected')));
    this.register(vscode.window.tabGroups.onDidChangeTabs((e) => this.onTabsChanged(e)));
    this.register(vscode.window.tabGroups.onDidChangeTabGroups(() => this.updateContext()));
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()));
  }

  /** Shows the change as a diff and resolves with the user's decision. */
  async propose(change: ProposedChange): Promise<ReviewOutcome> {
    const document = await vscode.workspace.openTextDocument(change.uri);
    await this.supersede(change.uri);
    const start = document.offsetAt(change.range.start);
    const end = document.offsetAt(change.range.end);
    const text = document.getText();
    const originalText = text.slice(start, end);
    const name = basename(change.uri.path) || 'Untitled';
    if (originalText === change.newText) {
      void vscode.window.showInformationMessage(
        `Alembic: ${name} already has this code there; there is nothing to apply.`,
      );
      this.log.info(`nothing to review for ${change.uri.toString(true)}: the proposal equals the file`);
      return 'unchanged';
    }
    const proposal = this.documents.create(change.uri, text.slice(0, start) + change.newText + text.slice(end));
    return this.open(
      { target: change.uri, proposal, apply: () => this.applyRange(change.uri, start, originalText, change.newText) },
      change.uri,
      change.title,
      change.detail,
    );
  }

  /** Proposes a whole file: created when it does not exist; when it does, `text` is proposed as an
   * addition at its end (existing content, such as earlier tests, is never replaced this way). */
  async proposeFile(uri: vscode.Uri, text: string, title?: string, detail?: string): Promise<ReviewOutcome> {
    const exists = await vscode.workspace.fs.stat(uri).then(
      () => true,
      () => false,
    );
    if (exists) {
      const document = await vscode.workspace.openTextDocument(uri);
      const current = document.getText();
      const separator = current === '' ? '' : current.endsWith('\n\n') ? '' : current.endsWith('\n') ? '\n' : '\n\n';
      const end = document.positionAt(current.length);
      return this.propose({ uri, range: new vscode.Range(end, end), newText: separator + text, title, detail });
    }
    await this.supersede(uri);
    const empty = this.documents.create(uri, '');
    const proposal = this.documents.create(uri, text);
    const apply = async () => {
      const edit = new vscode.WorkspaceEdit();
      edit.createFile(uri, { ignoreIfExists: true });
      edit.insert(uri, new vscode.Position(0, 0), text);
      if (!(await vscode.workspace.applyEdit(edit))) {
        void vscode.window.showErrorMessage(`Alembic: VS Code refused to create ${basename(uri.path)}.`);
        return false;
      }
      this.log.info(`created ${uri.toString(true)} from a reviewed proposal`);
      await vscode.window.showTextDocument(uri, { preview: false });
      return true;
    };
    return this.open({ target: uri, proposal, empty, apply }, empty, `${title ?? 'New file'}, new file`, detail);
  }

  private async open(
    review: Omit<PendingReview, 'settle'>,
    left: vscode.Uri,
    title = 'Proposed change',
    detail?: string,
  ): Promise<ReviewOutcome> {
    const outcome = new Promise<ReviewOutcome>((resolve) =>
      this.pending.set(review.proposal.toString(), { ...review, settle: resolve }),
    );
    const label = `${basename(review.target.path) || 'Untitled'}: ${title} (review)`;
    const description = detail ? `${detail}. Accept or Reject in the title bar` : 'Accept or Reject in the title bar';
    await openDiff(left, review.proposal, label, description);
    this.updateContext();
    return outcome;
  }

  /** A new proposal for a file replaces (rejects) an open one for it. */
  private async supersede(uri: vscode.Uri): Promise<void> {
    for (const review of [...this.pending.values()]) {
      if (review.target.toString() === uri.toString()) await this.finish(review, 'rejected');
    }
  }

  /** The proposal an Accept/Reject command means: the one named, else the active diff's, else the only one. */
  private reviewFor(uri?: vscode.Uri): PendingReview | undefined {
    if (uri instanceof vscode.Uri) {
      const direct = this.pending.get(uri.toString());
      if (direct) return direct;
      const byTarget = [...this.pending.values()].filter((r) => r.target.toString() === uri.toString());
      if (byTarget.length === 1) return byTarget[0];
    }
    const active = this.activeProposal();
    if (active) return this.pending.get(active);
    return this.pending.size === 1 ? [...this.pending.values()][0] : undefined;
  }

  private async decide(uri: vscode.Uri | undefined, outcome: ReviewOutcome): Promise<void> {
    const review = this.reviewFor(uri);
    if (!review) {
      void vscode.window.showInformationMessage('Alembic: there is no proposed change to review here.');
      return;
    }
    if (outcome === 'accepted' && !(await review.apply())) return;
    await this.finish(review, outcome);
  }

  /** Replaces `originalText` at `start` (or, if the file changed, wherever it now is once). */
  private async applyRange(target: vscode.Uri, start: number, originalText: string, newText: string): Promise<boolean> {
    const document = await vscode.workspace.openTextDocument(target);
    const text = document.getText();
    if (text.slice(start, start + originalText.length) !== originalText) {
      const first = originalText ? text.indexOf(originalText) : -1;
      if (first < 0 || first !== text.lastIndexOf(originalText)) {
        void vscode.window.showErrorMessage(
          `Alembic: ${basename(target.path)} changed since the change was proposed, and the text it ` +
            `replaces is no longer there. Nothing was changed; apply it again.`,
        );
        return false;
      }
      start = first;
    }
    const range = new vscode.Range(document.positionAt(start), document.positionAt(start + originalText.length));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(target, range, newText);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage(`Alembic: VS Code refused the edit to ${basename(target.path)}.`);
      return false;
    }
    this.log.info(`applied a reviewed change to ${target.toString(true)}`);
    const end = document.positionAt(start + newText.length);
    await vscode.window.showTextDocument(document, { preview: false, selection: new vscode.Range(end, end) });
    return true;
  }

  private async finish(review: PendingReview, outcome: ReviewOutcome): Promise<void> {
    const key = review.proposal.toString();
    // Forgotten before its tab closes, so the close below does not count as a second decision.
    if (!this.pending.delete(key)) return;
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => isDiffOf(t, key));
    if (tabs.length) await vscode.window.tabGroups.close(tabs).then(undefined, () => false);
    this.documents.delete(review.proposal);
    if (review.empty) this.documents.delete(review.empty);
    this.updateContext();
    review.settle(outcome);
  }

  /** Closing a review's diff without deciding rejects it. */
  private onTabsChanged(e: vscode.TabChangeEvent): void {
    for (const tab of e.closed) {
      if (!(tab.input instanceof vscode.TabInputTextDiff)) continue;
      const key = tab.input.modified.toString();
      const review = this.pending.get(key);
      if (review) void this.finish(review, 'rejected');
    }
    this.updateContext();
  }

  private activeProposal(): string | undefined {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputTextDiff && this.pending.has(input.modified.toString()))
      return input.modified.toString();
    return undefined;
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', 'alembic.diffReview.pending', this.pending.size > 0);
    void vscode.commands.executeCommand('setContext', 'alembic.diffReview.active', this.activeProposal() !== undefined);
  }

  override dispose(): void {
    for (const review of this.pending.values()) review.settle('rejected');
    this.pending.clear();
    super.dispose();
  }
}

/** The diff with a short tab label and a description (the workbench's own diff command takes both;
 * the public `vscode.diff` only a label, used when the other is missing). */
async function openDiff(left: vscode.Uri, right: vscode.Uri, label: string, description: string): Promise<void> {
  try {
    await vscode.commands.executeCommand('_workbench.diff', left, right, { label, description }, [
      vscode.ViewColumn.Active,
      { pinned: true, preserveFocus: false },
    ]);
  } catch {
    await vscode.commands.executeCommand('vscode.diff', left, right, label, { preview: false });
  }
}

function isDiffOf(tab: vscode.Tab, proposal: string): boolean {
  return tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === proposal;
}
