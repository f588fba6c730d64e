// The one models folder on a machine, shared by the extension (every VS Code window, VS Code
// desktop and code-server alike) and the `alembic` command line, so a model downloaded by either
// is seen by both. It is a per-user folder of its own rather than the extension's global storage:
// that storage lives in a different place for each VS Code flavour (Code, Insiders, VSCodium,
// code-server, a remote server) and profile, which the command line cannot know. Models are large
// and can always be downloaded again, so the folder is in the user's cache directory, where
// llama.cpp keeps the models it downloads too. ALEMBIC_MODELS_DIR overrides it.
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

export interface FolderEnvironment {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
}

function currentEnvironment(): FolderEnvironment {
  return { platform: process.platform, env: process.env, home: homedir() };
}

/** Where models are downloaded and listed: ALEMBIC_MODELS_DIR, else
 *  Linux and others: $XDG_CACHE_HOME/alembic/models (~/.cache/alembic/models),
 *  macOS: ~/Library/Caches/alembic/models,
 *  Windows: %LOCALAPPDATA%\alembic\models. */
export function defaultModelsFolder(environment: FolderEnvironment = currentEnvironment()): string {
  const { platform, env, home } = environment;
  const override = env.ALEMBIC_MODELS_DIR?.trim();
  if (override) return override;
  if (platform === 'win32') {
    return win32.join(env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local'), 'alembic', 'models');
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', 'alembic', 'models');
  const cache =
    env.XDG_CACHE_HOME && posix.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : posix.join(home, '.cache');
  return posix.join(cache, 'alembic', 'models');
}
