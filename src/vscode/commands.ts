// One registry for Alembic's commands, so that a feature that fails to start leaves its commands
// saying why instead of VS Code's "command not found" (rust-analyzer's pattern: every command has
// its implementation and a disabled fallback).
//   - A feature starts through `startFeature(name, commandIds, create)`, naming the commands it
//     owns, and registers their implementations with `registerCommand` (VS Code's signature).
//   - When `create` throws, what it registered is taken back, and each of its commands answers
//     with the feature's name and the error, and offers the log.
//   - `coverContributed()`, after every feature started, gives each contributed command that still
//     has no implementation a fallback that says so (a command is never missing).
import * as vscode from 'vscode';
import { DisposableStore } from './disposable';
import type { Logger } from './log';

type Handler = (...args: never[]) => unknown;

interface Failure {
  feature: string;
  reason: string;
}

export class CommandRegistry extends DisposableStore {
  private readonly handlers = new Map<string, Handler>();
  private readonly registered = new Map<string, vscode.Disposable>();
  private readonly owners = new Map<string, string>();
  private readonly failures = new Map<string, Failure>();
  /** The feature being started: what it registers is taken back if it throws. */
  private starting?: string[];

  constructor(
    private readonly log: Logger,
    /** package.json's commands, for titles in the fallback messages. */
    private readonly contributed: readonly { command: string; title: string }[],
  ) {
    super();
    this.register({ dispose: () => this.registered.forEach((r) => r.dispose()) });
  }

  /** The feature that owns a command, if one declared it. */
  owner(id: string): string | undefined {
    return this.owners.get(id);
  }

  /** Why a command cannot run, when its feature failed to start. */
  unavailable(id: string): string | undefined {
    const failure = this.failures.get(id);
    return failure && `the ${failure.feature} failed to start: ${failure.reason}`;
  }

  /** Like vscode.commands.registerCommand: the command's implementation. */
  registerCommand(id: string, handler: Handler): vscode.Disposable {
    this.handlers.set(id, handler);
    this.failures.delete(id);
    this.ensureRegistered(id);
    this.starting?.push(id);
    return new vscode.Disposable(() => {
      if (this.handlers.get(id) === handler) this.handlers.delete(id);
    });
  }

  /** Creates a feature that owns `commandIds` (the caller disposes it); when it throws, the error
   * is shown once and its commands keep answering with the reason. */
  startFeature<T extends vscode.Disposable>(
    name: string,
    commandIds: readonly string[],
    create: () => T,
  ): T | undefined {
    for (const id of commandIds) this.owners.set(id, name);
    const previous = this.starting;
    const mine: string[] = [];
    this.starting = mine;
    try {
      return create();
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.log.error(`could not start the ${name}`, e);
      for (const id of new Set([...mine, ...commandIds])) {
        this.handlers.delete(id);
        this.failures.set(id, { feature: name, reason });
        this.ensureRegistered(id);
      }
      void vscode.window
        .showErrorMessage(`Alembic: the ${name} failed to start: ${reason}`, 'Show Log')
        .then((c) => c && vscode.commands.executeCommand('alembic.showLog'));
      return undefined;
    } finally {
      this.starting = previous;
    }
  }

  /** Gives every contributed command without an implementation a fallback that says why. */
  coverContributed(): void {
    for (const { command } of this.contributed) {
      if (this.handlers.has(command)) continue;
      if (!this.failures.has(command)) this.log.warn(`no feature implements ${command}`);
      this.ensureRegistered(command);
    }
  }

  private ensureRegistered(id: string): void {
    if (this.registered.has(id) || this.disposed) return;
    try {
      this.registered.set(
        id,
        vscode.commands.registerCommand(id, (...args: never[]) => this.run(id, args)),
      );
    } catch (e) {
      // Registered by other code directly: it keeps its own implementation.
      this.log.warn(`${id} is registered outside the command registry: ${e instanceof Error ? e.message : e}`);
    }
  }

  private run(id: string, args: never[]): unknown {
    const handler = this.handlers.get(id);
    if (handler) return handler(...args);
    const title = this.contributed.find((c) => c.command === id)?.title ?? id;
    const why = this.unavailable(id) ?? 'it is not available in this window';
    this.log.warn(`${id} cannot run: ${why}`);
    void vscode.window
      .showErrorMessage(`Alembic: "${title}" cannot run: ${why}.`, 'Show Log')
      .then((c) => c && vscode.commands.executeCommand('alembic.showLog'));
    return undefined;
  }
}
