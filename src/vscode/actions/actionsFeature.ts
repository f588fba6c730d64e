// The command-palette actions (issue 6): the editing commands, their lightbulb entries and the
// Source Control button. They stream into the chat view and propose edits through its diff review.
import * as vscode from 'vscode';
import type { ChatFeature } from '../chat/chatFeature';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { AlembicCodeActions } from './codeActions';
import { registerCommitMessageAction } from './commitMessageAction';
import { EditorActions } from './editorActions';

export class ActionsFeature extends DisposableStore {
  constructor(context: vscode.ExtensionContext, engine: EngineService, chat: ChatFeature, log: Logger) {
    super();
    this.register(new EditorActions(context, engine, chat, log));
    this.register(
      vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new AlembicCodeActions(), {
        providedCodeActionKinds: AlembicCodeActions.kinds,
      }),
    );
    this.register(
      vscode.languages.registerCodeActionsProvider({ scheme: 'untitled' }, new AlembicCodeActions(), {
        providedCodeActionKinds: AlembicCodeActions.kinds,
      }),
    );
    this.register(registerCommitMessageAction(engine, log.child('commit')));
  }
}
