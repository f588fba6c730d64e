// "Generate Commit Message": a button in the Source Control view. It reads the staged diff through
// the built-in Git extension's API, trims it to what the chat model's context can hold (saying so
// in the prompt), and streams the message into the repository's commit input box.
import * as vscode from 'vscode';
import { commitMessagePrompt } from '../../core/actions/actionPrompts';
import { parseCommitMessage, trimDiff } from '../../core/actions/commitMessage';
import { TokenEstimator } from '../../core/completion/tokenEstimate';
import type { CommandRegistry } from '../commands';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { signalFrom } from '../cancellation';

/** The part of the Git extension's API (vscode.git, API version 1) used here. */
interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly inputBox: { value: string };
  diff(cached?: boolean): Promise<string>;
}
interface GitApi {
  readonly repositories: GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
}

const ANSWER_TOKENS = 400;

export function registerCommitMessageAction(
  commands: CommandRegistry,
  engine: EngineService,
  log: Logger,
): vscode.Disposable {
  return commands.registerCommand('alembic.generateCommitMessage', async (scm?: { rootUri?: vscode.Uri }) => {
    try {
      await generate(engine, log, scm?.rootUri);
    } catch (e) {
      log.error('commit message failed', e);
      void vscode.window.showErrorMessage(`Alembic: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

async function generate(engine: EngineService, log: Logger, rootUri: vscode.Uri | undefined): Promise<void> {
  const git = await gitApi();
  if (!git) {
    void vscode.window.showInformationMessage(
      'Alembic: the built-in Git extension is not available, so there is no staged diff to describe.',
    );
    return;
  }
  const repository =
    (rootUri && git.getRepository(rootUri)) ||
    (vscode.window.activeTextEditor && git.getRepository(vscode.window.activeTextEditor.document.uri)) ||
    git.repositories[0];
  if (!repository) {
    void vscode.window.showInformationMessage(
      'Alembic: open a folder that is a Git repository to generate a commit message.',
    );
    return;
  }
  if (!engine.requireModel('chat', 'to write commit messages')) return;
  let diff = await repository.diff(true);
  let note: string | undefined;
  if (!diff.trim()) {
    diff = await repository.diff(false);
    if (!diff.trim()) {
      void vscode.window.showInformationMessage(
        'Alembic: there are no changes to describe. Stage the changes for the commit first.',
      );
      return;
    }
    note = 'nothing is staged, so this is the diff of all changes in the working tree';
  }
  const contextTokens =
    engine.servers.view('chat')?.facts?.contextSize || engine.state.models.chat?.contextSize || 4096;
  // 2.5 characters per token: diffs are dense in symbols, which tokenize short.
  const budgetChars = Math.max(2000, new TokenEstimator(2.5).charsFor(contextTokens - ANSWER_TOKENS - 300));
  const trimmed = trimDiff(diff, budgetChars);
  if (trimmed.truncated) {
    const omitted = trimmed.omittedFiles.length
      ? ` (shortened or left out: ${trimmed.omittedFiles.slice(0, 8).join(', ')})`
      : '';
    note = [note, `the diff was trimmed to fit the model's context${omitted}`].filter(Boolean).join('; ');
  }
  const prompt = commitMessagePrompt(trimmed.text, note);
  const before = repository.inputBox.value;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.SourceControl, title: 'Alembic: writing the commit message' },
    () =>
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: 'Alembic: writing the commit message…',
          cancellable: true,
        },
        async (_p, token) => {
          const cancel = signalFrom(token);
          let streamed = '';
          try {
            const result = await engine.chat(
              { messages: prompt.messages, maxTokens: ANSWER_TOKENS, timeoutMs: 120_000, temperature: 0.2 },
              {
                signal: cancel.signal,
                onChunk: (chunk) => {
                  if (chunk.segment !== 'text') return;
                  streamed += chunk.text;
                  repository.inputBox.value = streamed.trimStart();
                },
              },
            );
            if (result.stopReason === 'abort') {
              repository.inputBox.value = before;
              return;
            }
            repository.inputBox.value = parseCommitMessage(result.text) || before;
            log.info(
              `commit message written (${result.accounting.generatedTokens} tokens${trimmed.truncated ? ', diff trimmed' : ''})`,
            );
            if (trimmed.truncated)
              void vscode.window.setStatusBarMessage(
                'Alembic: the diff was trimmed to fit the model; check the message covers everything.',
                6000,
              );
          } catch (e) {
            repository.inputBox.value = before;
            engine.showFailure(e);
          } finally {
            cancel.dispose();
          }
        },
      ),
  );
}

async function gitApi(): Promise<GitApi | undefined> {
  const extension = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>('vscode.git');
  if (!extension) return undefined;
  const exports = extension.isActive ? extension.exports : await extension.activate();
  return exports.getAPI(1);
}
