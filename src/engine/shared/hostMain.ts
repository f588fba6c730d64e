// Entry point of the shared engine's host (dist/engineHost.js), started detached by the first
// window or tool that finds no host (rendezvous.ts). It writes its lines to its log file (stdout
// and stderr point there) and exits on its own: see engineHost.ts for when.
// Environment (set by rendezvous.ts): ALEMBIC_SHARED_DIR, ALEMBIC_SHARED_ENGINE_PATH,
// ALEMBIC_SHARED_VERSION, ALEMBIC_SHARED_IDLE_EXIT_MS, ALEMBIC_ENGINE_GPU.
import { createLogger } from '../../core/util/logger';
import { ensurePrivateDir } from '../../core/util/userDirs';
import { EngineHost } from './engineHost';
import { sharedPaths } from './rendezvous';

const env = process.env;
const dir = env.ALEMBIC_SHARED_DIR;
const enginePath = env.ALEMBIC_SHARED_ENGINE_PATH;
if (!dir || !enginePath) {
  console.error('The shared engine host is started by Alembic (the extension or the CLI), not on its own.');
  process.exit(2);
}
const log = createLogger((level, line) => {
  if (level !== 'trace') console.log(`${new Date().toISOString()} [host ${process.pid}] ${level}: ${line}`);
});
const host = new EngineHost({
  paths: sharedPaths(ensurePrivateDir(dir)),
  version: env.ALEMBIC_SHARED_VERSION ?? '0.0.0',
  idleExitMs: Number(env.ALEMBIC_SHARED_IDLE_EXIT_MS) || 60_000,
  engine: { enginePath, gpu: env.ALEMBIC_ENGINE_GPU ?? 'auto' },
  log,
  onShutdown: () => process.exit(0),
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
  process.on(signal, () => void host.shutdown(`${signal} received`));
host.start().catch((e: unknown) => {
  log.error('the shared engine host could not start', e);
  process.exit(1);
});
