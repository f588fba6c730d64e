// Read-only virtual documents holding proposed file contents, for the right side of a review diff.
// A content provider's documents cannot be edited or saved, so the proposal cannot be changed by
// accident; the URI keeps the target's path so the diff gets the file's language and icon.
import * as vscode from 'vscode';

export const PROPOSAL_SCHEME = 'alembic-proposal';

export class ProposalDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private nextId = 1;

  /** A new virtual document with `text`, named after `target`. */
  create(target: vscode.Uri, text: string): vscode.Uri {
    const uri = vscode.Uri.from({
      scheme: PROPOSAL_SCHEME,
      path: target.path || '/untitled',
      query: `proposal=${this.nextId++}`,
    });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  delete(uri: vscode.Uri): void {
    this.texts.delete(uri.toString());
  }

  dispose(): void {
    this.texts.clear();
    this.changed.dispose();
  }
}
