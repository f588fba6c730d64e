// "Select Model…", "Select Chat Model…", "Download Model…", "Download the Recommended Model" and
// "Open Settings": choose what the engine serves. A picked file is pre-checked before it is saved
// in the settings, so a bad file is refused with a reason and the current model keeps serving; a
// saved model says where the setting is (the Remote tab in a remote window) and opens it on request.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { inspectGguf, type GgufSummary } from '../../core/gguf/ggufCheck';
import { MODEL_CATALOG, type CatalogModel } from '../../core/models/catalog';
import { displayText, NOTIFICATION_MAX_CHARS } from '../../core/util/displayText';
import { detectNextEditFamily, NEXT_EDIT_FORMATS } from '../../core/nes/families';
import { formatBytes } from '../../core/util/format';
import type { CommandRegistry } from '../commands';
import { setSetting } from '../config';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { selectServerModel } from '../remote/serverModelPicker';
import { openAlembicSettings, settingsPlace } from '../settingsLocation';
import { downloadWithProgress, modelsFolder, recommendationForThisMachine } from './modelDownloads';
import { catalogItem, pickModel, type ModelChoice, type PickerRole } from './modelPicker';

type Use = 'both' | 'completion' | 'chat' | 'nextEdit';

/** The commands this feature implements. */
export const MODEL_COMMANDS = [
  'alembic.selectModel',
  'alembic.chat.selectModel',
  'alembic.downloadModel',
  'alembic.downloadRecommendedModel',
  'alembic.openSettings',
] as const;

export function registerModelCommands(
  context: vscode.ExtensionContext,
  engine: EngineService,
  commands: CommandRegistry,
  log: Logger,
): vscode.Disposable {
  const select = async (role: PickerRole) => {
    // A feature on a server picks among the server's models.
    const served = role === 'chat' ? 'chat' : 'completion';
    if (engine.servers.view(served)) return selectServerModel(engine.servers, served);
    const choice = await pickModel(context, engine, role);
    if (choice) await useChoice(context, choice, role, log);
  };
  return vscode.Disposable.from(
    commands.registerCommand('alembic.selectModel', (path?: string, use?: Use) =>
      typeof path === 'string' ? useModelFile(path, use, log) : select('any'),
    ),
    commands.registerCommand('alembic.chat.selectModel', () => select('chat')),
    commands.registerCommand('alembic.downloadModel', (id?: string) => downloadModelCommand(context, engine, log, id)),
    commands.registerCommand('alembic.downloadRecommendedModel', () => downloadRecommended(context, engine, log)),
    commands.registerCommand('alembic.openSettings', (key?: string) =>
      openAlembicSettings(typeof key === 'string' && /^[a-zA-Z.]+$/.test(key) ? key : undefined),
    ),
  );
}

async function useChoice(
  context: vscode.ExtensionContext,
  choice: ModelChoice,
  role: PickerRole,
  log: Logger,
): Promise<void> {
  const use = role === 'chat' ? 'chat' : undefined;
  switch (choice.action) {
    case 'sameAsCompletion':
      await setSetting('chat.model', '');
      announce('The chat uses the completion model', 'chat.model');
      return;
    case 'file':
      await useModelFile(choice.path, use, log);
      return;
    case 'browse': {
      const uris = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'GGUF models': ['gguf'] },
        openLabel: role === 'chat' ? 'Use for Chat' : 'Use Model',
      });
      if (uris?.[0]) await useModelFile(uris[0].fsPath, use, log);
      return;
    }
    case 'download': {
      const path = await downloadWithProgress(context, choice.model, log);
      if (path) await useModelFile(path, use ?? defaultUse(choice.model), log);
    }
  }
}

/** What a downloaded catalog model is for. */
function defaultUse(model: CatalogModel): Use {
  if (model.purpose.includes('nextEdit')) return 'nextEdit';
  return model.purpose.includes('completion') ? 'completion' : 'chat';
}

/** Pre-checks a file and saves it as the completion and/or chat model. */
export async function useModelFile(path: string, use: Use | undefined, log: Logger): Promise<boolean> {
  let summary: GgufSummary;
  try {
    summary = await inspectGguf(path);
  } catch (e) {
    log.warn(`refused ${path}: ${e instanceof Error ? e.message : String(e)}`);
    // Not awaited: the caller (a command, a test) must not wait for the user to dismiss it.
    void vscode.window
      .showErrorMessage(
        `Alembic cannot use ${basename(path)}: ${displayText(e instanceof Error ? e.message : String(e), { maxChars: NOTIFICATION_MAX_CHARS })}`,
        'Choose Another Model…',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('alembic.selectModel');
      });
    return false;
  }
  const chosen = use ?? (await askUse(summary));
  if (!chosen) return false;
  if (chosen === 'nextEdit') {
    await setSetting('nextEdit.model', path);
    log.info(`using ${path} for next edits`);
    announce(`${summary.name} now serves next edit suggestions`, 'nextEdit.model');
    return true;
  }
  if (chosen !== 'chat' && !summary.fim) {
    void vscode.window.showWarningMessage(
      `Alembic: ${summary.name} has no fill-in-the-middle tokens, so it cannot do inline completions. It was set for chat only.`,
    );
    await setSetting('chat.model', path);
    return true;
  }
  if (chosen === 'both') {
    await setSetting('completion.model', path);
    await setSetting('chat.model', '');
  } else {
    await setSetting(chosen === 'completion' ? 'completion.model' : 'chat.model', path);
  }
  log.info(`using ${path} for ${chosen}`);
  const what = { both: 'completions and chat', completion: 'completions', chat: 'the chat' }[chosen];
  announce(`${summary.name} now serves ${what}`, chosen === 'chat' ? 'chat.model' : 'completion.model');
  return true;
}

/** Says where the choice is saved, with a way to open that place (not awaited). */
function announce(what: string, key: string): void {
  void vscode.window
    .showInformationMessage(`Alembic: ${what}. It is saved in ${settingsPlace(key)} (alembic.${key}).`, 'Open Setting')
    .then((choice) => choice && openAlembicSettings(key));
}

async function askUse(summary: GgufSummary): Promise<Use | undefined> {
  const nextEdit = detectNextEditFamily({
    name: summary.name,
    fileName: basename(summary.path),
    chatTemplate: summary.chatTemplate,
  }).family;
  if (!summary.fim && !nextEdit) return 'chat';
  const options: (vscode.QuickPickItem & { use: Use })[] = [
    ...(nextEdit
      ? [
          {
            label: 'Next edit suggestions',
            description: `${NEXT_EDIT_FORMATS[nextEdit].label} format`,
            use: 'nextEdit' as const,
          },
        ]
      : []),
    ...(summary.fim
      ? [
          { label: 'Completions and chat', description: 'one model in memory', use: 'both' as const },
          { label: 'Completions only', use: 'completion' as const },
        ]
      : []),
    { label: 'Chat only', use: 'chat' },
  ];
  const pick = await vscode.window.showQuickPick(options, { title: `Use ${summary.name} for…` });
  return pick?.use;
}

async function downloadModelCommand(
  context: vscode.ExtensionContext,
  engine: EngineService,
  log: Logger,
  id?: string,
): Promise<void> {
  const recommended = await recommendationForThisMachine(engine).catch(() => undefined);
  let model = id ? MODEL_CATALOG.find((m) => m.id === id) : undefined;
  if (!model) {
    const pick = await vscode.window.showQuickPick(
      MODEL_CATALOG.map((m) => ({
        ...catalogItem(m, recommended && (recommended.completion === m || recommended.chat === m)),
        model: m,
      })),
      { title: 'Alembic: Download Model', placeHolder: recommended?.reason, matchOnDescription: true },
    );
    model = pick?.model;
  }
  if (!model) return;
  const path = await downloadWithProgress(context, model, log);
  if (path) await useModelFile(path, defaultUse(model), log);
}

/** The walkthrough's one-click download: a modal says what, how big and where, with Cancel. */
async function downloadRecommended(
  context: vscode.ExtensionContext,
  engine: EngineService,
  log: Logger,
): Promise<void> {
  const rec = await recommendationForThisMachine(engine);
  const models = rec.completion === rec.chat ? [rec.completion] : [rec.completion, rec.chat];
  const total = models.reduce((sum, m) => sum + m.sizeBytes, 0);
  const list = models.map((m) => `${m.displayName} (${formatBytes(m.sizeBytes)})`).join(' and ');
  const go = await vscode.window.showInformationMessage(
    `Download ${formatBytes(total)} of models?`,
    {
      modal: true,
      detail: `${rec.reason}\n\n${list}, into ${modelsFolder()}. An interrupted download resumes where it stopped; each file is checked before it is used.`,
    },
    'Download',
  );
  if (go !== 'Download') return;
  const completionPath = await downloadWithProgress(context, rec.completion, log);
  if (!completionPath) return;
  await useModelFile(completionPath, rec.completion === rec.chat ? 'both' : 'completion', log);
  if (rec.chat !== rec.completion) {
    const chatPath = await downloadWithProgress(context, rec.chat, log);
    if (chatPath) await useModelFile(chatPath, 'chat', log);
  }
}
