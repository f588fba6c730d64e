// The models folder: which names may be written into it, where a catalog model lands, and what
// is already there (finished models and interrupted downloads that can resume).
import { readdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { catalogModelForFile, type CatalogModel } from './catalog';

/** Suffix of a download in progress; such a file is never a usable model. */
export const INCOMPLETE_SUFFIX = '.incomplete';
/** Suffix of the lock file that keeps two windows from writing the same download. */
export const LOCK_SUFFIX = '.lock';

const MAX_NAME_LENGTH = 200;
// Letters, digits and . _ + - only: every file name in the catalog and on Hugging Face GGUF repos
// fits, and nothing in it can mean a path, a device (Windows) or a shell metacharacter.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Why `fileName` may not be written into a models folder, or null when it may. Checked before
 * anything touches the disk. */
export function modelFileNameProblem(fileName: string): string | null {
  if (typeof fileName !== 'string' || fileName.length === 0) return 'The model file name is empty.';
  if (fileName.includes('/') || fileName.includes('\\') || isAbsolute(fileName)) {
    return `"${fileName}" is a path, not a file name: a model can only be saved directly in the models folder.`;
  }
  if (fileName.includes('..') || fileName.startsWith('.')) {
    return `"${fileName}" contains ".." or starts with a dot: a model file needs a plain name.`;
  }
  if (fileName.length > MAX_NAME_LENGTH) return `The model file name is longer than ${MAX_NAME_LENGTH} characters.`;
  if (!SAFE_NAME.test(fileName)) {
    return `"${fileName}" contains characters that are not allowed in a model file name (use letters, digits, ".", "_", "+", "-").`;
  }
  if (!fileName.toLowerCase().endsWith('.gguf')) return `"${fileName}" is not a .gguf file name.`;
  return null;
}

/** The path of `fileName` inside `dir`, or an error when the name could escape it. */
export function modelFilePath(dir: string, fileName: string): string {
  const problem = modelFileNameProblem(fileName);
  if (problem) throw new Error(problem);
  const path = resolve(dir, fileName);
  // Belt and braces: the name rules above already exclude every way out of the folder.
  if (dirname(path) !== resolve(dir)) throw new Error(`"${fileName}" would be saved outside the models folder.`);
  return path;
}

export interface StoredModel {
  fileName: string;
  path: string;
  sizeBytes: number;
  modifiedMs: number;
  /** The catalog entry this file was downloaded for, when it is one. */
  catalogModel?: CatalogModel;
}

export interface PartialDownload {
  /** The final name the download will get. */
  fileName: string;
  path: string;
  receivedBytes: number;
  catalogModel?: CatalogModel;
}

export interface ModelFolderContents {
  models: StoredModel[];
  partials: PartialDownload[];
}

/** What the models folder holds. A missing folder is an empty one. Files with unsafe names are
 * left out: they were not written by Alembic and must not be offered to the engine by name. */
export async function listModelFolder(dir: string): Promise<ModelFolderContents> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { models: [], partials: [] };
    throw err;
  }
  const models: StoredModel[] = [];
  const partials: PartialDownload[] = [];
  for (const name of names.sort()) {
    const isPartial = name.endsWith(INCOMPLETE_SUFFIX);
    const fileName = isPartial ? name.slice(0, -INCOMPLETE_SUFFIX.length) : name;
    if (modelFileNameProblem(fileName) !== null) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const catalogModel = catalogModelForFile(fileName);
    if (isPartial) {
      partials.push({ fileName, path, receivedBytes: info.size, ...(catalogModel && { catalogModel }) });
    } else {
      models.push({
        fileName,
        path,
        sizeBytes: info.size,
        modifiedMs: info.mtimeMs,
        ...(catalogModel && { catalogModel }),
      });
    }
  }
  return { models, partials };
}

/** What several models folders hold, the first folder first; a file name found in an earlier
 * folder hides the same name in a later one (it is the same model, downloaded twice). A folder
 * that cannot be read counts as empty, unless it is the first. */
export async function listModelFolders(dirs: readonly string[]): Promise<ModelFolderContents> {
  const models: StoredModel[] = [];
  const partials: PartialDownload[] = [];
  const seen = new Set<string>();
  for (const [i, dir] of dirs.entries()) {
    const contents = await listModelFolder(dir).catch((err: unknown) => {
      if (i === 0) throw err;
      return { models: [], partials: [] } as ModelFolderContents;
    });
    for (const m of contents.models) if (!seen.has(m.fileName)) models.push(m);
    for (const p of contents.partials) if (!seen.has(p.fileName)) partials.push(p);
    for (const m of contents.models) seen.add(m.fileName);
  }
  return { models, partials };
}
