// "Select Model…", "Download Model…" and "Download the Recommended Model": choose what the engine
// serves. A picked file is pre-checked before it is saved in the settings, so a bad file is
// refused with a reason and the current model keeps serving.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { inspectGguf, type GgufSummary } from '../../core/gguf/ggufCheck';
import { MODEL_CATALOG, type CatalogModel } from '../../core/models/catalog';
import { listModelFolder } from '../../core/models/modelStore';
import { formatBytes } from '../../core/util/format';
import { getSetting, setSetting } from '../config';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { downloadWithProgress, modelsFolder, recommendationForThisMachine } from './modelDownloads';

type Use = 'both' | 'completion' | 'chat';

interface ModelPick extends vscode.QuickPickItem {
  action: 'file' | 'browse' | 'download';
  path?: string;
  model?: CatalogModel;
}

export function registerModelCommands(
  context: vscode.ExtensionContext,
  engine: EngineService,
  log: Logger,
): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('alembic.selectModel', (path?: string, use?: Use) =>
      typeof path === 'string' ? useModelFile(path, use, log) : selectModel(context, engine, log),
    ),
    vscode.commands.registerCommand('alembic.downloadModel', (id?: string) =>
      downloadModelCommand(context, engine, log, id),
    ),
    vscode.commands.registerCommand('alembic.downloadRecommendedModel', () =>
      downloadRecommended(context, engine, log),
    ),
  );
}

async function selectModel(context: vscode.ExtensionContext, engine: EngineService, log: Logger): Promise<void> {
  const folder = await listModelFolder(modelsFolder(context));
  const current = new Set([getSetting('completion.model'), getSetting('chat.model')].filter(Boolean));
  const recommended = await recommendationForThisMachine(engine).catch(() => undefined);
  const items: (ModelPick | vscode.QuickPickItem)[] = [
    { label: '$(folder-opened) Browse for a .gguf file…', action: 'browse' } as ModelPick,
    { label: 'On this machine', kind: vscode.QuickPickItemKind.Separator },
  ];
  const known = new Set<string>();
  for (const m of folder.models) {
    known.add(m.path);
    items.push({
      label: m.catalogModel?.displayName ?? m.fileName,
      description: formatBytes(m.sizeBytes),
      detail: m.path,
      action: 'file',
      path: m.path,
      picked: current.has(m.path),
    } as ModelPick);
  }
  for (const path of current) {
    if (!known.has(path))
      items.push({ label: basename(path), description: 'current', detail: path, action: 'file', path } as ModelPick);
  }
  items.push({ label: 'Download', kind: vscode.QuickPickItemKind.Separator });
  for (const model of MODEL_CATALOG) {
    if (folder.models.some((m) => m.fileName === model.fileName)) continue;
    items.push(catalogPick(model, recommended && (recommended.completion === model || recommended.chat === model)));
  }
  const pick = (await vscode.window.showQuickPick(items, {
    title: 'Alembic: Select Model',
    placeHolder: 'Pick a model file, or download one',
    matchOnDetail: true,
  })) as ModelPick | undefined;
  if (!pick) return;
  if (pick.action === 'browse') {
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'GGUF models': ['gguf'] },
      openLabel: 'Use Model',
    });
    if (uris?.[0]) await useModelFile(uris[0].fsPath, undefined, log);
  } else if (pick.action === 'file' && pick.path) {
    await useModelFile(pick.path, undefined, log);
  } else if (pick.model) {
    const path = await downloadWithProgress(context, pick.model, log);
    if (path) await useModelFile(path, pick.model.purpose.includes('completion') ? 'completion' : 'chat', log);
  }
}

function catalogPick(model: CatalogModel, recommended: boolean | undefined): ModelPick {
  const uses = model.purpose
    .map((p) => (p === 'completion' ? 'completions' : model.reasoning ? 'chat with reasoning' : 'chat'))
    .join(' + ');
  return {
    label: `$(cloud-download) ${model.displayName}`,
    description: `${formatBytes(model.sizeBytes)} · ${uses}${recommended ? ' · recommended for this machine' : ''}`,
    detail: `${model.description} Needs about ${formatBytes(model.memoryBytes)} of memory.`,
    action: 'download',
    model,
  };
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
        `Alembic cannot use ${basename(path)}: ${e instanceof Error ? e.message : String(e)}`,
        'Choose Another Model…',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('alembic.selectModel');
      });
    return false;
  }
  const chosen = use ?? (await askUse(summary));
  if (!chosen) return false;
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
  return true;
}

async function askUse(summary: GgufSummary): Promise<Use | undefined> {
  if (!summary.fim) return 'chat';
  const options: (vscode.QuickPickItem & { use: Use })[] = [
    { label: 'Completions and chat', description: 'one model in memory', use: 'both' },
    { label: 'Completions only', use: 'completion' },
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
      MODEL_CATALOG.map((m) => catalogPick(m, recommended && (recommended.completion === m || recommended.chat === m))),
      { title: 'Alembic: Download Model', placeHolder: recommended?.reason, matchOnDescription: true },
    );
    model = pick?.model;
  }
  if (!model) return;
  const path = await downloadWithProgress(context, model, log);
  if (path) await useModelFile(path, model.purpose.includes('completion') ? 'completion' : 'chat', log);
}

async function downloadRecommended(
  context: vscode.ExtensionContext,
  engine: EngineService,
  log: Logger,
): Promise<void> {
  const rec = await recommendationForThisMachine(engine);
  const total = rec.completion === rec.chat ? rec.completion.sizeBytes : rec.completion.sizeBytes + rec.chat.sizeBytes;
  const go = await vscode.window.showInformationMessage(
    `${rec.reason} Download ${formatBytes(total)}?`,
    { modal: false },
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
