// Downloads catalog models into the shared models folder with a cancellable progress
// notification. The transfer itself (resume, hash check, lock, never a partial file under the final
// name) is the core downloader's; this file is the VS Code face of it.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { DownloadError, downloadModel, formatProgress } from '../../core/download/downloader';
import { modelDownloadUrl, type CatalogModel } from '../../core/models/catalog';
import { defaultModelsFolder } from '../../core/models/modelsFolder';
import { machineResources, recommendModels, type Recommendation } from '../../core/models/recommend';
import type { EngineService } from '../engineService';
import type { Logger } from '../log';
import { signalFrom } from '../cancellation';

/** Where downloaded models live: the one per-user models folder, shared by all windows and the CLI. */
export function modelsFolder(): string {
  return defaultModelsFolder();
}

/** The folders whose models Select Model offers: the shared one, then the extension's global
 * storage, where Alembic downloaded models before the folder was shared (still offered, so an
 * update loses none). */
export function modelFolders(context: vscode.ExtensionContext): string[] {
  return [modelsFolder(), join(context.globalStorageUri.fsPath, 'models')];
}

/** Downloads one model; resolves to its path, or undefined when the user cancelled or it failed (already reported). */
export async function downloadWithProgress(
  context: vscode.ExtensionContext,
  model: CatalogModel,
  log: Logger,
): Promise<string | undefined> {
  const dir = modelsFolder();
  log.info(`downloading ${model.id} from ${modelDownloadUrl(model)} into ${dir}`);
  try {
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Alembic: downloading ${model.displayName}`,
        cancellable: true,
      },
      async (progress, token) => {
        const { signal } = signalFrom(token); // the token ends with the progress notification
        let reported = 0;
        return downloadModel({
          url: modelDownloadUrl(model),
          destinationDir: dir,
          fileName: model.fileName,
          sha256: model.sha256,
          signal,
          onProgress: (p) => {
            const percent = p.totalBytes ? (100 * p.receivedBytes) / p.totalBytes : 0;
            progress.report({ message: formatProgress(p), increment: Math.max(0, percent - reported) });
            reported = Math.max(reported, percent);
          },
        });
      },
    );
    log.info(
      `downloaded ${model.id}: ${result.path} (${result.resumed ? 'resumed' : 'fresh'}, sha256 ${result.sha256 ?? 'not checked'})`,
    );
    return result.path;
  } catch (e) {
    if (e instanceof DownloadError && e.code === 'aborted') {
      void vscode.window.showInformationMessage(
        `Alembic: download of ${model.displayName} paused. Download it again to resume where it stopped.`,
      );
      return undefined;
    }
    log.error(`download of ${model.id} failed`, e);
    const retry = 'Retry';
    const choice = await vscode.window.showErrorMessage(
      `Alembic: ${e instanceof Error ? e.message : String(e)}`,
      retry,
      'Select a Local File…',
    );
    if (choice === retry) return downloadWithProgress(context, model, log);
    if (choice) void vscode.commands.executeCommand('alembic.selectModel');
    return undefined;
  }
}

/** The recommendation for this machine (the GPU figures come from the engine). */
export async function recommendationForThisMachine(engine: EngineService): Promise<Recommendation> {
  const status = await engine.engine.status().catch(() => undefined);
  return recommendModels(machineResources(status?.gpu));
}
