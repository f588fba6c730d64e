// Composition root: creates each feature, registers it for disposal, and keeps going when one
// feature fails to start (the others still work, and the failure is shown and logged).
import * as vscode from 'vscode';
import { reportInvalidSettingsTo } from './config';
import { EngineService } from './engineService';
import { EngineStatusBar } from './statusBar';
import { EngineStatusDocument } from './engineStatusDocument';
import { registerModelCommands } from './models/modelCommands';
import { createChannelLogger, type Logger } from './log';
import { InlineCompletions } from './completion/inlineCompletions';
import { ChatFeature } from './chat/chatFeature';
import { ActionsFeature } from './actions/actionsFeature';

/** What activate() returns: used by the extension-host tests. */
export interface AlembicApi {
  readonly engine: EngineService;
  /** The chat view, its `ask()` for the editing commands, and the diff review. */
  readonly chat?: ChatFeature;
}

export async function activate(context: vscode.ExtensionContext): Promise<AlembicApi> {
  const channel = vscode.window.createOutputChannel('Alembic', { log: true });
  context.subscriptions.push(channel);
  const log = createChannelLogger(channel);
  reportInvalidSettingsTo(log.child('settings'));
  log.info(
    `Alembic ${context.extension.packageJSON.version} activating (VS Code ${vscode.version}, ${process.platform}-${process.arch}, Node ${process.version})`,
  );

  const engine = new EngineService(context, log);
  context.subscriptions.push(engine);
  const statusBar = start(log, 'status bar', () => new EngineStatusBar(engine), context);

  start(log, 'engine status', () => new EngineStatusDocument(engine), context);
  if (statusBar)
    start(log, 'inline completions', () => new InlineCompletions(engine, statusBar, log.child('completion')), context);
  start(log, 'model commands', () => registerModelCommands(context, engine, log.child('models')), context);
  const chat = start(log, 'chat', () => new ChatFeature(context, engine, log.child('chat')), context);
  if (chat)
    start(log, 'editor actions', () => new ActionsFeature(context, engine, chat, log.child('actions')), context);
  context.subscriptions.push(
    vscode.commands.registerCommand('alembic.restartEngine', () => engine.restart()),
    vscode.commands.registerCommand('alembic.unloadModel', async () => {
      await engine.unload();
      void vscode.window.showInformationMessage('Alembic: model unloaded. It loads again on the next request.');
    }),
    vscode.commands.registerCommand('alembic.showLog', () => channel.show()),
    vscode.commands.registerCommand('alembic.statusMenu', () => showStatusMenu(engine)),
  );

  void engine.reload(); // load the configured model in the background
  offerWalkthroughOnFirstRun(context, engine);
  log.info('Alembic activated');
  return { engine, chat };
}

export function deactivate(): void {
  // Everything, the engine process included, is in context.subscriptions and disposed by VS Code.
}

function start<T extends vscode.Disposable>(
  log: Logger,
  name: string,
  create: () => T,
  context: vscode.ExtensionContext,
): T | undefined {
  try {
    const feature = create();
    context.subscriptions.push(feature);
    return feature;
  } catch (e) {
    log.error(`could not start the ${name}`, e);
    void vscode.window
      .showErrorMessage(
        `Alembic: the ${name} failed to start: ${e instanceof Error ? e.message : String(e)}`,
        'Show Log',
      )
      .then((c) => {
        if (c) void vscode.commands.executeCommand('alembic.showLog');
      });
    return undefined;
  }
}

/** VS Code opens walkthroughs only for marketplace installs: on the first run without a model,
 * open it so the user is offered the recommended download. */
function offerWalkthroughOnFirstRun(context: vscode.ExtensionContext, engine: EngineService): void {
  const key = 'alembic.walkthroughOffered';
  if (context.globalState.get<boolean>(key) || engine.hasModelFor('completion') || engine.hasModelFor('chat')) return;
  void context.globalState.update(key, true);
  void vscode.commands.executeCommand(
    'workbench.action.openWalkthrough',
    `${context.extension.id}#alembic.gettingStarted`,
    false,
  );
}

async function showStatusMenu(engine: EngineService): Promise<void> {
  const items: (vscode.QuickPickItem & { command: string })[] = [
    { label: '$(chip) Select Model…', command: 'alembic.selectModel' },
    { label: '$(cloud-download) Download Model…', command: 'alembic.downloadModel' },
    { label: '$(pulse) Show Engine Status', command: 'alembic.showEngineStatus' },
    { label: '$(debug-restart) Restart Engine', command: 'alembic.restartEngine' },
    { label: '$(eject) Unload Model', command: 'alembic.unloadModel' },
    { label: '$(sparkle) Toggle Inline Completions', command: 'alembic.toggleInlineCompletions' },
    { label: '$(bell-slash) Snooze Inline Completions for 5 Minutes', command: 'alembic.snoozeInlineCompletions' },
    {
      label: '$(symbol-misc) Toggle Inline Completions for This Language',
      command: 'alembic.toggleInlineCompletionsForLanguage',
    },
    { label: '$(clear-all) Clear Completion Cache', command: 'alembic.clearCompletionCache' },
    { label: '$(output) Show Log', command: 'alembic.showLog' },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: `Alembic — engine ${engine.state.phase}`,
    placeHolder: 'Choose an action',
  });
  if (pick) await vscode.commands.executeCommand(pick.command);
}
