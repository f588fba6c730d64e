// `alembic download <id|url>`: downloads a catalog model (or any GGUF URL) with a progress bar.
// Resumable: run it again after an interruption and it continues where it stopped.
import { basename } from 'node:path';
import { DownloadError, downloadModel, formatProgress, type DownloadProgress } from '../core/download/downloader';
import { findCatalogModel, MODEL_CATALOG, modelDownloadUrl } from '../core/models/catalog';
import { defaultModelsFolder } from '../core/models/modelsFolder';
import { CliExit, parseArgs, str, UsageError } from './args';

export const DOWNLOAD_HELP = `usage: alembic download <model-id | https://…/file.gguf> [--dir <folder>] [--sha256 <hex>]
  Downloads into --dir, by default the models folder the VS Code extension uses too
  (${defaultModelsFolder()}; ALEMBIC_MODELS_DIR changes it). Interrupted downloads resume;
  a file is used only once its size and SHA-256 check out. See \`alembic models\` for the ids.`;

export async function downloadCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { dir: { type: 'string' }, sha256: { type: 'string' } });
  const [what, extra] = args.positionals;
  if (!what || extra) throw new UsageError('exactly one model id or URL is required');
  const model = findCatalogModel(what);
  let url: string;
  let fileName: string;
  if (model) {
    url = modelDownloadUrl(model);
    fileName = model.fileName;
  } else if (/^https?:\/\//.test(what)) {
    url = what;
    fileName = decodeURIComponent(basename(new URL(what).pathname));
  } else {
    throw new UsageError(`unknown model "${what}"; known ids: ${MODEL_CATALOG.map((m) => m.id).join(', ')}`);
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const bar = new ProgressBar();
  try {
    const result = await downloadModel({
      url,
      destinationDir: str(args, 'dir') ?? defaultModelsFolder(),
      fileName,
      sha256: str(args, 'sha256') ?? model?.sha256,
      signal: controller.signal,
      onProgress: (p) => bar.update(p),
    });
    bar.done();
    const check = result.verifiedAgainst
      ? `SHA-256 verified (${result.sha256})`
      : 'no SHA-256 known to verify against; its length was checked';
    const when = result.alreadyPresent ? ' when it was downloaded' : '';
    process.stdout.write(
      `${result.alreadyPresent ? 'Already downloaded' : 'Downloaded'}: ${result.path}\n${check}${when}\n`,
    );
    return 0;
  } catch (e) {
    bar.done();
    if (e instanceof DownloadError) {
      const hint =
        e.code === 'unverified'
          ? ' If you know its SHA-256, run the same command with --sha256 <hex> to check it.'
          : e.code === 'aborted' || e.keptBytes > 0
            ? ' Run the same command again to resume.'
            : '';
      throw new CliExit(1, `${e.message}${hint}`);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A one-line bar on a terminal; a line per 10% otherwise (logs, CI). */
class ProgressBar {
  private lastDecile = -1;
  private drawn = false;

  update(p: DownloadProgress): void {
    const fraction = p.totalBytes ? Math.min(1, p.receivedBytes / p.totalBytes) : 0;
    if (process.stderr.isTTY) {
      const width = 24;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${formatProgress(p)}\x1b[K`);
      this.drawn = true;
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        process.stderr.write(`${formatProgress(p)}\n`);
      }
    }
  }

  done(): void {
    if (this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }
}
