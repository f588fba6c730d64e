// Composition root: creates each feature and registers it for disposal. Every feature starts
// through the command registry, naming the commands it owns: when one fails to start, the others
// still work, the failure is shown and logged, and its commands answer with the reason.
import * as vscode from 'vscode';
import { ActionsFeature, ACTION_COMMANDS } from './actions/actionsFeature';
import { CHAT_COMMANDS, ChatFeature } from './chat/chatFeature';
import { CommandRegistry } from './commands';
import { reportInvalidSettingsTo } from './config';
import { InlineCompletions } from './completion/inlineCompletions';
import { DIFF_REVIEW_COMMANDS, DiffReview } from './diff/diffReview';
import { ENGINE_COMMANDS, EngineCommands } from './engineCommands';
import { EngineService } from './engineService';
import { LanguageModelFeature } from './lm/languageModelFeature';
import { ENGINE_STATUS_COMMANDS, EngineStatusView } from './engineStatusView';
import { createChannelLogger } from './log';
import { MODEL_COMMANDS, registerModelCommands } from './models/modelCommands';
import { NEXT_EDIT_COMMANDS, NesFeature } from './nes/nesFeature';
import { registerServerCommands, SERVER_COMMANDS } from './remote/serverCommands';
import { EngineStatusBar } from './statusBar';
import { WALKTHROUGH_COMMANDS, Walkthrough } from './walkthrough';

/** The commands of the inline completions (src/vscode/completion). */
const COMPLETION_COMMANDS = [
  'alembic.completionAccepted',
  'alembic.toggleInlineCompletions',
  'alembic.snoozeInlineCompletions',
  'alembic.toggleInlineCompletionsForLanguage',
  'alembic.clearCompletionCache',
] as const;

/** What activate() returns: used by the extension-host tests. */
export interface AlembicApi {
  readonly engine: EngineService;
  readonly commands: CommandRegistry;
  /** The chat view and its `ask()` for the editing commands. */
  readonly chat?: ChatFeature;
  readonly diffReview?: DiffReview;
  readonly engineStatus?: EngineStatusView;
}

export async function activate(context: vscode.ExtensionContext): Promise<AlembicApi> {
  const channel = vscode.window.createOutputChannel('Alembic', { log: true });
  context.subscriptions.push(channel);
  const log = createChannelLogger(channel);
  reportInvalidSettingsTo(log.child('settings'));
  log.info(
    `Alembic ${context.extension.packageJSON.version} activating (VS Code ${vscode.version}, ${process.platform}-${process.arch}, Node ${process.version})`,
  );
  const commands = new CommandRegistry(log.child('commands'), context.extension.packageJSON.contributes.commands);
  context.subscriptions.push(commands);
  const engine = new EngineService(context, log);
  context.subscriptions.push(engine);
  const feature = <T extends vscode.Disposable>(name: string, ids: readonly string[], create: () => T) => {
    const started = commands.startFeature(name, ids, create);
    if (started) context.subscriptions.push(started);
    return started;
  };

  feature('engine commands', ENGINE_COMMANDS, () => new EngineCommands(engine, commands, channel));
  const statusBar = feature('status bar', ['alembic.statusMenu'], () => new EngineStatusBar(engine, commands));
  const diffReview = feature('diff review', DIFF_REVIEW_COMMANDS, () => new DiffReview(commands, log.child('diff')));
  const completions = feature(
    'inline completions',
    COMPLETION_COMMANDS,
    () => new InlineCompletions(engine, commands, log.child('completion')),
  );
  if (completions && statusBar) context.subscriptions.push(statusBar.contribute(completions.status));
  const nextEdits = feature(
    'next edit suggestions',
    NEXT_EDIT_COMMANDS,
    () => new NesFeature(engine, commands, log.child('nextEdit'), completions?.pipeline.extraContext),
  );
  if (nextEdits && statusBar) context.subscriptions.push(statusBar.contribute(nextEdits.status));
  feature('model commands', MODEL_COMMANDS, () =>
    registerModelCommands(context, engine, commands, log.child('models')),
  );
  const chat = feature(
    'chat',
    CHAT_COMMANDS,
    () => new ChatFeature(context, engine, diffReview, commands, log.child('chat')),
  );
  feature(
    'editor actions',
    ACTION_COMMANDS,
    () => new ActionsFeature(context, engine, chat, diffReview, commands, log.child('actions')),
  );
  const engineStatus = feature(
    'Engine Status view',
    ENGINE_STATUS_COMMANDS,
    () =>
      new EngineStatusView(
        context,
        engine,
        commands,
        {
          completion: () => completions?.pipeline.stats.snapshot(),
          chat: () => chat?.controller.lastAnswerStats,
        },
        log.child('status'),
      ),
  );
  feature('server commands', SERVER_COMMANDS, () =>
    vscode.Disposable.from(...registerServerCommands(engine, commands)),
  );
  feature('walkthrough', WALKTHROUGH_COMMANDS, () => new Walkthrough(context, engine, commands));
  feature('language model provider', [], () => new LanguageModelFeature(engine, log.child('lm')));
  commands.coverContributed();

  void engine.reload(); // load the configured model in the background
  log.info('Alembic activated');
  return { engine, commands, chat, diffReview, engineStatus };
}

export function deactivate(): void {
  // Everything, the engine process included, is in context.subscriptions and disposed by VS Code.
}
