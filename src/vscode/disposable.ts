import * as vscode from 'vscode';

/** Base for parts that own resources: everything registered is disposed with the owner, last first. */
export abstract class DisposableStore implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private isDisposed = false;

  protected register<T extends vscode.Disposable>(disposable: T): T {
    if (this.isDisposed) disposable.dispose();
    else this.disposables.push(disposable);
    return disposable;
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    while (this.disposables.length) {
      try {
        this.disposables.pop()!.dispose();
      } catch {
        // keep disposing the rest
      }
    }
  }
}
