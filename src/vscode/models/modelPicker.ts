// The one model picker, behind "Select Model…" (completions and chat) and the chat header's
// "Select Chat Model…": a file of your own, the models already on this machine, or a catalog model
// to download (the recommendation for this machine marked). For the chat it also offers "Same as
// the completion model" (one model in memory).
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { MODEL_CATALOG, type CatalogModel } from '../../core/models/catalog';
import { listModelFolders } from '../../core/models/modelStore';
import { formatBytes } from '../../core/util/format';
import { getSetting } from '../config';
import type { EngineService } from '../engineService';
import { modelFolders, recommendationForThisMachine } from './modelDownloads';

/** Which model the picker chooses: the general one (it asks what a file is for) or the chat's. */
export type PickerRole = 'any' | 'chat';

export type ModelChoice =
  | { action: 'file'; path: string }
  | { action: 'browse' }
  | { action: 'download'; model: CatalogModel }
  | { action: 'sameAsCompletion' };

interface ModelPick extends vscode.QuickPickItem {
  choice: ModelChoice;
}

export async function pickModel(
  context: vscode.ExtensionContext,
  engine: EngineService,
  role: PickerRole,
): Promise<ModelChoice | undefined> {
  const folder = await listModelFolders(modelFolders(context)).catch(() => ({ models: [] }));
  const completion = getSetting('completion.model');
  const chat = getSetting('chat.model');
  const current = new Set(role === 'chat' ? [chat || completion] : [completion, chat]);
  const recommended = await recommendationForThisMachine(engine).catch(() => undefined);
  const items: (ModelPick | vscode.QuickPickItem)[] = [
    { label: '$(folder-opened) Browse for a .gguf file…', choice: { action: 'browse' } } as ModelPick,
  ];
  if (role === 'chat' && completion)
    items.push({
      label: 'Same as the completion model',
      description: `${basename(completion)}${!chat ? ' · current' : ''}`,
      detail: 'One model in memory for completions and chat.',
      choice: { action: 'sameAsCompletion' },
    } as ModelPick);
  items.push({ label: 'On this machine', kind: vscode.QuickPickItemKind.Separator });
  const listed = new Set<string>();
  for (const m of folder.models) {
    listed.add(m.path);
    items.push({
      label: m.catalogModel?.displayName ?? m.fileName,
      description: `${formatBytes(m.sizeBytes)}${current.has(m.path) ? ' · current' : ''}`,
      detail: m.path,
      choice: { action: 'file', path: m.path },
    } as ModelPick);
  }
  for (const path of current) {
    if (path && !listed.has(path))
      items.push({
        label: basename(path),
        description: 'current',
        detail: path,
        choice: { action: 'file', path },
      } as ModelPick);
  }
  items.push({ label: 'Download', kind: vscode.QuickPickItemKind.Separator });
  for (const model of MODEL_CATALOG) {
    if (folder.models.some((m) => m.fileName === model.fileName)) continue;
    if (role === 'chat' && !model.purpose.includes('chat')) continue;
    const isRecommended = recommended && (recommended.completion === model || recommended.chat === model);
    items.push({ ...catalogItem(model, isRecommended), choice: { action: 'download', model } } as ModelPick);
  }
  const pick = (await vscode.window.showQuickPick(items, {
    title: role === 'chat' ? 'Alembic: Select Chat Model' : 'Alembic: Select Model',
    placeHolder:
      role === 'chat' ? 'The model that answers in the chat and the commands' : 'Pick a model file, or download one',
    matchOnDetail: true,
  })) as ModelPick | undefined;
  return pick?.choice;
}

/** A catalog model as a picker row: its size, what it does, and the memory it needs. */
export function catalogItem(model: CatalogModel, recommended: boolean | undefined): vscode.QuickPickItem {
  const uses = model.purpose
    .map((p) =>
      p === 'completion'
        ? 'completions'
        : p === 'nextEdit'
          ? 'next edits'
          : model.reasoning
            ? 'chat with reasoning'
            : 'chat',
    )
    .join(' + ');
  return {
    label: `$(cloud-download) ${model.displayName}`,
    description: `${formatBytes(model.sizeBytes)} · ${uses}${recommended ? ' · recommended for this machine' : ''}`,
    detail: `${model.description} Needs about ${formatBytes(model.memoryBytes)} of memory.`,
  };
}
