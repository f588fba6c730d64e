import type * as vscode from 'vscode';

/** A VS Code cancellation token as an AbortSignal (what the engine client and the core take).
 * Dispose the result when the work ends, so a long-lived token does not keep the listener. */
export function signalFrom(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const sub = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => sub.dispose() };
}
