// The language-model provider API (vscode.lm.registerLanguageModelChatProvider and the
// `languageModelChatProviders` contribution), declared here because it is newer than the VS Code
// floor Alembic keeps (engines.vscode ^1.96, @types/vscode 1.96): it is stable since VS Code 1.104.
// Alembic feature-detects it at activation: on an older VS Code everything else works and the log
// says that VS Code's own chat cannot use Alembic's model. The shapes are those of VS Code's
// vscode.d.ts (1.104 and later); the parts the floor already has (LanguageModelTextPart,
// LanguageModelToolCallPart, LanguageModelChatTool…) come from @types/vscode.
import * as vscode from 'vscode';

export interface LanguageModelChatInformation {
  readonly id: string;
  readonly name: string;
  readonly family: string;
  readonly tooltip?: string;
  readonly detail?: string;
  readonly version: string;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  readonly capabilities: { readonly imageInput?: boolean; readonly toolCalling?: boolean | number };
}

export interface LanguageModelChatRequestMessage {
  readonly role: vscode.LanguageModelChatMessageRole;
  readonly content: ReadonlyArray<unknown>;
  readonly name: string | undefined;
}

export interface ProvideLanguageModelChatResponseOptions {
  readonly modelOptions?: { readonly [name: string]: unknown };
  readonly tools?: readonly vscode.LanguageModelChatTool[];
  readonly toolMode: vscode.LanguageModelChatToolMode;
}

export type LanguageModelResponsePart = vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart;

export interface LanguageModelChatProvider<T extends LanguageModelChatInformation = LanguageModelChatInformation> {
  readonly onDidChangeLanguageModelChatInformation?: vscode.Event<void>;
  provideLanguageModelChatInformation(
    options: { readonly silent: boolean },
    token: vscode.CancellationToken,
  ): vscode.ProviderResult<T[]>;
  provideLanguageModelChatResponse(
    model: T,
    messages: readonly LanguageModelChatRequestMessage[],
    options: ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Thenable<void>;
  provideTokenCount(
    model: T,
    text: string | LanguageModelChatRequestMessage,
    token: vscode.CancellationToken,
  ): Thenable<number>;
}

type Register = (vendor: string, provider: LanguageModelChatProvider) => vscode.Disposable;

/** VS Code's registerLanguageModelChatProvider, or undefined on a VS Code without it. */
export function registerProviderFunction(): Register | undefined {
  const lm = (vscode as unknown as { lm?: { registerLanguageModelChatProvider?: Register } }).lm;
  const register = lm?.registerLanguageModelChatProvider;
  return typeof register === 'function' ? register.bind(lm) : undefined;
}
