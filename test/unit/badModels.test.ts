// The record of model files that crashed the engine: a file is known by path, size and mtime, so
// a changed file gets a new chance; the record survives a restart of the editor when it has a file.
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BadModelRegistry } from '../../src/engine/client/badModels';
import { scratchDir } from '../helpers/malformedGguf';

const scratch = scratchDir();
after(() => scratch.cleanup());

describe('files that crashed the engine', () => {
  test('are known by path, size and modification time', () => {
    const path = scratch.write('crash.gguf', 'GGUF and then some');
    const registry = new BadModelRegistry();
    assert.equal(registry.find(path), undefined);
    registry.remember(path, 'killed by SIGABRT');
    assert.equal(registry.find(path)?.reason, 'killed by SIGABRT');
    assert.equal(registry.find(scratch.write('other.gguf', 'GGUF and then some')), undefined);
  });

  test('a file that changed (downloaded again) is no longer known as bad', () => {
    const path = scratch.write('changed.gguf', 'first version');
    const registry = new BadModelRegistry();
    registry.remember(path, 'killed by SIGABRT');
    scratch.write('changed.gguf', 'second version, longer');
    assert.equal(registry.find(path), undefined);
    const again = scratch.write('touched.gguf', 'same bytes');
    registry.remember(again, 'killed by SIGSEGV');
    utimesSync(again, new Date(), new Date(Date.now() + 60_000));
    assert.equal(registry.find(again), undefined);
  });

  test('the record is kept in its file for the next session, and clear() forgets everything', () => {
    const path = scratch.write('kept.gguf', 'bytes');
    const file = join(scratch.dir, 'state', 'bad-models.json');
    new BadModelRegistry(file).remember(path, 'stopped responding');
    assert.equal(new BadModelRegistry(file).find(path)?.reason, 'stopped responding');
    const registry = new BadModelRegistry(file);
    registry.clear();
    assert.equal(new BadModelRegistry(file).find(path), undefined);
  });

  test('an unreadable record starts empty instead of failing', () => {
    const file = scratch.write('broken.json', '{ not json');
    assert.equal(new BadModelRegistry(file).find(scratch.write('x.gguf', 'x')), undefined);
  });
});
