// `alembic models [--json]`: the catalog of recommended models, with the pick for this machine.
import { join } from 'node:path';
import { MODEL_CATALOG } from '../core/models/catalog';
import { listModelFolder } from '../core/models/modelStore';
import { defaultModelsFolder } from '../core/models/modelsFolder';
import { machineResources, recommendModels, type MachineResources } from '../core/models/recommend';
import { formatBytes } from '../core/util/format';
import { EngineClient } from '../engine/client/engineClient';
import { flag, parseArgs } from './args';

export const MODELS_HELP = `usage: alembic models [--json] [--gpu <auto|off|...>]
  Lists the models Alembic can download, what each is for and the memory it needs, marks the
  ones recommended for this machine (from the GPU and memory the engine detects) and the ones
  already in the models folder that the VS Code extension shares.`;

export async function modelsCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { json: { type: 'boolean' }, gpu: { type: 'string' } });
  const machine = await detectMachine(String(args.options.gpu ?? 'auto'));
  const rec = recommendModels(machine);
  const folder = defaultModelsFolder();
  const present = new Set((await listModelFolder(folder)).models.map((m) => m.fileName));
  const downloaded = MODEL_CATALOG.filter((m) => present.has(m.fileName)).map((m) => m.id);
  if (flag(args, 'json')) {
    const recommendation = { completion: rec.completion.id, chat: rec.chat.id, reason: rec.reason };
    process.stdout.write(
      `${JSON.stringify({ machine, recommendation, modelsFolder: folder, downloaded, catalog: MODEL_CATALOG }, null, 2)}\n`,
    );
    return 0;
  }
  const gpu =
    machine.backend === 'cpu'
      ? 'no supported GPU (CPU)'
      : `${machine.backend}, ${formatBytes(machine.vramFreeBytes)} free of ${formatBytes(machine.vramTotalBytes)}`;
  process.stdout.write(`This machine: ${gpu}; ${formatBytes(machine.ramTotalBytes)} RAM.\n${rec.reason}\n\n`);
  const rows = MODEL_CATALOG.map((m) => [
    (m === rec.completion || m === rec.chat ? '* ' : '  ') + m.id,
    m.purpose.map((p) => (p === 'chat' && m.reasoning ? 'chat+reasoning' : p)).join(','),
    formatBytes(m.sizeBytes),
    formatBytes(m.memoryBytes),
    `${m.displayName}${downloaded.includes(m.id) ? ' (downloaded)' : ''}`,
  ]);
  const header = ['  id', 'for', 'file', 'memory', 'name'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows])
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  process.stdout.write(`\n* recommended here. Download one with: alembic download <id>\nModels folder: ${folder}\n`);
  return 0;
}

async function detectMachine(gpu: string): Promise<MachineResources> {
  const engine = new EngineClient({ enginePath: join(__dirname, 'engine.js'), gpu: gpu as 'auto' });
  try {
    return machineResources((await engine.status()).gpu);
  } finally {
    await engine.dispose();
  }
}
