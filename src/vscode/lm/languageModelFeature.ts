// Registers Alembic's chat model with VS Code's language-model API where VS Code has it (1.104 and
// later), so that VS Code's chat and other extensions can use it; on an older VS Code it says so in
// the log and does nothing else.
import * as vscode from 'vscode';
import { DisposableStore } from '../disposable';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { AlembicChatProvider, LM_VENDOR } from './alembicChatProvider';
import { registerProviderFunction } from './lmProviderApi';

export class LanguageModelFeature extends DisposableStore {
  /** False on a VS Code without the provider API. */
  readonly registered: boolean;

  constructor(engine: EngineService, log: Logger) {
    super();
    const register = registerProviderFunction();
    if (!register) {
      log.info(
        `VS Code ${vscode.version} has no language model provider API (it came in 1.104): Alembic's model is not offered to VS Code's chat.`,
      );
      this.registered = false;
      return;
    }
    const provider = this.register(new AlembicChatProvider(engine, log));
    this.register(register(LM_VENDOR, provider));
    this.registered = true;
    log.info(`offered to VS Code's chat as vendor "${LM_VENDOR}"`);
  }
}
