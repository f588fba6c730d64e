// The editor commands: the editing commands, their lightbulb entries and the Source Control
// button. They stream into the chat view (each in a conversation of its own) and propose edits
// through the diff review.
import * as vscode from 'vscode';
import type { ChatFeature } from '../chat/chatFeature';
import type { CommandRegistry } from '../commands';
import type { DiffReview } from '../diff/diffReview';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { AlembicCodeActions } from './codeActions';
import { registerCommitMessageAction } from './commitMessageAction';
import { EditorActions } from './editorActions';

/** The commands this feature implements. */
export const ACTION_COMMANDS = [
  'alembic.explain',
  'alembic.editSelection',
  'alembic.generateTests',
  'alembic.addDocumentation',
  'alembic.fixProblem',
  'alembic.generateCommitMessage',
] as const;

export class ActionsFeature extends DisposableStore {
  constructor(
    context: vscode.ExtensionContext,
    engine: EngineService,
    chat: ChatFeature | undefined,
    diffReview: DiffReview | undefined,
    commands: CommandRegistry,
    log: Logger,
  ) {
    super();
    // The editing commands show their answer in the chat and their change in a review diff.
    if (!chat) throw new Error('the chat, where the commands show their answers, did not start');
    if (!diffReview) throw new Error('the diff review, where the commands propose their changes, did not start');
    this.register(new EditorActions(context, engine, chat, diffReview, commands, log));
    for (const scheme of ['file', 'untitled'])
      this.register(
        vscode.languages.registerCodeActionsProvider({ scheme }, new AlembicCodeActions(), {
          providedCodeActionKinds: AlembicCodeActions.kinds,
        }),
      );
    this.register(registerCommitMessageAction(commands, engine, log.child('commit')));
  }
}
