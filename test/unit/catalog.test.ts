// The model catalog, the per-machine recommendation and the models folder listing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { catalogModelForFile, FIM_FAMILIES, findCatalogModel, MODEL_CATALOG } from '../../src/core/models/catalog';
import {
  listModelFolder,
  listModelFolders,
  modelFileNameProblem,
  modelFilePath,
} from '../../src/core/models/modelStore';
import { recommendModels, type MachineResources } from '../../src/core/models/recommend';

const GIB = 1024 ** 3;

describe('model catalog', () => {
  test('gives every entry a unique kebab id and a unique file name', () => {
    const ids = MODEL_CATALOG.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(new Set(MODEL_CATALOG.map((m) => m.fileName)).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z0-9][a-z0-9.]*(-[a-z0-9.]+)*$/, id);
  });

  test('points every entry at the https resolve URL of its Hugging Face repo and file', () => {
    for (const m of MODEL_CATALOG) {
      assert.match(m.huggingFaceRepo, /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, m.id);
      assert.equal(modelFileNameProblem(m.fileName), null, m.id);
      const url = new URL(m.downloadUrl);
      assert.equal(url.protocol, 'https:');
      assert.equal(url.hostname, 'huggingface.co');
      assert.equal(url.pathname, `/${m.huggingFaceRepo}/resolve/main/${m.fileName}`);
    }
  });

  test('offers completion only from fill-in-the-middle families and reasoning only for chat', () => {
    for (const m of MODEL_CATALOG) {
      assert.ok(m.purpose.length > 0, m.id);
      if (m.purpose.includes('completion')) assert.ok((FIM_FAMILIES as readonly string[]).includes(m.family), m.id);
      if (m.reasoning) assert.deepEqual([...m.purpose], ['chat'], m.id);
    }
    assert.ok(
      MODEL_CATALOG.some((m) => m.reasoning),
      'the R1 distills are marked as reasoning models',
    );
  });

  test('has positive sizes, memory above the file size, and only well-formed hashes', () => {
    for (const m of MODEL_CATALOG) {
      assert.ok(m.sizeBytes > 100e6 && m.sizeBytes < 20e9, m.id);
      assert.ok(m.memoryBytes > m.sizeBytes, m.id);
      assert.ok(m.parameterCount > 100e6, m.id);
      if (m.sha256 !== undefined) assert.match(m.sha256, /^[0-9a-f]{64}$/, m.id);
      assert.ok(m.description.length > 10 && m.description.length < 120 && !m.description.includes('\n'), m.id);
    }
  });

  test('finds entries by id and by downloaded file name', () => {
    const model = MODEL_CATALOG[0]!;
    assert.equal(findCatalogModel(model.id), model);
    assert.equal(catalogModelForFile(model.fileName), model);
    assert.equal(findCatalogModel('no-such-model'), undefined);
  });
});

function machine(
  backend: MachineResources['backend'],
  vramGiB: number,
  ramGiB: number,
  freeShare = 0.9,
): MachineResources {
  return {
    backend,
    vramTotalBytes: vramGiB * GIB,
    vramFreeBytes: vramGiB * GIB * freeShare,
    ramTotalBytes: ramGiB * GIB,
    ramFreeBytes: ramGiB * GIB * 0.5,
  };
}

describe('recommendModels', () => {
  test('picks the 0.5B completion and 1.5B chat models on the CPU of an 8 GB machine', () => {
    const r = recommendModels(machine('cpu', 0, 8));
    assert.equal(r.completion.id, 'qwen2.5-coder-0.5b-base-q8');
    assert.equal(r.chat.id, 'qwen2.5-coder-1.5b-instruct-q8');
    assert.deepEqual([r.completionPlacement, r.chatPlacement], ['cpu', 'cpu']);
    assert.match(r.reason, /CPU/);
  });

  test('keeps the 1.5B completion model on a 4 GB GPU and sends chat to the CPU', () => {
    const r = recommendModels(machine('cuda', 4, 16));
    assert.equal(r.completion.id, 'qwen2.5-coder-1.5b-base-q8');
    assert.equal(r.completionPlacement, 'gpu');
    assert.equal(r.chatPlacement, 'cpu');
    assert.ok(r.chat.parameterCount <= 2e9);
    assert.match(r.reason, /CPU/);
  });

  test('fits the 3B completion and 1.5B chat models together on an 8 GB GPU', () => {
    const r = recommendModels(machine('vulkan', 8, 32));
    assert.equal(r.completion.id, 'qwen2.5-coder-3b-base-q8');
    assert.equal(r.chat.id, 'qwen2.5-coder-1.5b-instruct-q8');
    assert.deepEqual([r.completionPlacement, r.chatPlacement], ['gpu', 'gpu']);
  });

  test('uses the 7B models for both roles on a 24 GB GPU', () => {
    const r = recommendModels(machine('cuda', 24, 64));
    assert.equal(r.completion.id, 'qwen2.5-coder-7b-base-q8');
    assert.equal(r.chat.id, 'qwen2.5-coder-7b-instruct-q4');
    assert.match(r.reason, /NVIDIA GPU/);
  });

  test('budgets Apple unified memory against half the RAM, not the GPU figure Metal reports', () => {
    // Metal reports about two thirds of RAM as GPU memory; the editor and the OS share it.
    const r = recommendModels(machine('metal', 16 * 0.67, 16, 1));
    assert.equal(r.completion.id, 'qwen2.5-coder-3b-base-q8');
    assert.equal(r.chat.id, 'qwen2.5-coder-1.5b-instruct-q8');
    assert.ok(r.budgetBytes <= 8 * GIB);
    assert.match(r.reason, /unified memory/);
  });

  test('plans for the CPU when the GPU cannot hold even the smallest completion model', () => {
    const r = recommendModels(machine('cuda', 1, 8));
    assert.equal(r.completionPlacement, 'cpu');
    assert.match(r.reason, /too little free memory/);
  });

  test('never puts more on the GPU than its budget, and never picks a smaller model for more VRAM', () => {
    let previous = 0;
    for (let vram = 2; vram <= 48; vram += 0.5) {
      const r = recommendModels(machine('cuda', vram, 32));
      const onGpu =
        (r.completionPlacement === 'gpu' ? r.completion.memoryBytes : 0) +
        (r.chatPlacement === 'gpu' ? r.chat.memoryBytes : 0);
      assert.ok(onGpu <= r.budgetBytes, `${vram} GiB: ${onGpu} > ${r.budgetBytes}`);
      assert.ok(r.completion.parameterCount >= previous, `${vram} GiB`);
      previous = r.completion.parameterCount;
    }
  });
});

describe('models folder', () => {
  test('lists finished models and resumable partials, and skips locks, folders and unsafe names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alembic-store-'));
    try {
      const known = MODEL_CATALOG[0]!;
      writeFileSync(join(dir, known.fileName), 'GGUF1234');
      writeFileSync(join(dir, 'mine.gguf.incomplete'), 'GGUF');
      writeFileSync(join(dir, 'mine.gguf.lock'), '{}');
      writeFileSync(join(dir, `${known.fileName}.verified`), '{}');
      writeFileSync(join(dir, 'bad name.gguf'), 'GGUF');
      mkdirSync(join(dir, 'folder.gguf'));
      const contents = await listModelFolder(dir);
      assert.deepEqual(
        contents.models.map((m) => [m.fileName, m.sizeBytes, m.catalogModel?.id]),
        [[known.fileName, 8, known.id]],
      );
      assert.deepEqual(
        contents.partials.map((p) => [p.fileName, p.receivedBytes]),
        [['mine.gguf', 4]],
      );
      assert.deepEqual(await listModelFolder(join(dir, 'missing')), { models: [], partials: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('lists the shared folder and then the old global storage one, a model in both once (the shared copy)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alembic-store-'));
    try {
      const [shared, old] = [join(dir, 'shared'), join(dir, 'old')];
      mkdirSync(shared);
      mkdirSync(old);
      writeFileSync(join(shared, 'a.gguf'), 'GGUF');
      writeFileSync(join(old, 'a.gguf'), 'GGUF');
      writeFileSync(join(old, 'b.gguf'), 'GGUF');
      const contents = await listModelFolders([shared, old, join(dir, 'missing')]);
      assert.deepEqual(
        contents.models.map((m) => m.path),
        [join(shared, 'a.gguf'), join(old, 'b.gguf')],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('keeps model paths inside the folder', () => {
    assert.equal(modelFilePath('/models', 'a.gguf'), join('/models', 'a.gguf'));
    for (const name of ['../a.gguf', 'x/../../a.gguf', 'C:\\a.gguf', 'a.gguf.exe', 'CON']) {
      assert.throws(() => modelFilePath('/models', name), Error, name);
    }
  });
});
