// The one models folder that the extension and the CLI share, per platform.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultModelsFolder } from '../../src/core/models/modelsFolder';

describe('defaultModelsFolder', () => {
  test('on Linux is alembic/models in the XDG cache folder, ~/.cache when XDG_CACHE_HOME is unset', () => {
    assert.equal(
      defaultModelsFolder({ platform: 'linux', env: {}, home: '/home/ada' }),
      '/home/ada/.cache/alembic/models',
    );
    assert.equal(
      defaultModelsFolder({ platform: 'linux', env: { XDG_CACHE_HOME: '/var/cache/ada' }, home: '/home/ada' }),
      '/var/cache/ada/alembic/models',
    );
  });

  test('ignores a relative XDG_CACHE_HOME, as the XDG specification says', () => {
    assert.equal(
      defaultModelsFolder({ platform: 'linux', env: { XDG_CACHE_HOME: 'cache' }, home: '/home/ada' }),
      '/home/ada/.cache/alembic/models',
    );
  });

  test("on macOS is in the user's Library/Caches", () => {
    assert.equal(
      defaultModelsFolder({ platform: 'darwin', env: {}, home: '/Users/ada' }),
      '/Users/ada/Library/Caches/alembic/models',
    );
  });

  test('on Windows is in %LOCALAPPDATA%, or AppData\\Local of the home folder without it', () => {
    assert.equal(
      defaultModelsFolder({
        platform: 'win32',
        env: { LOCALAPPDATA: 'D:\\Users\\ada\\AppData\\Local' },
        home: 'D:\\Users\\ada',
      }),
      'D:\\Users\\ada\\AppData\\Local\\alembic\\models',
    );
    assert.equal(
      defaultModelsFolder({ platform: 'win32', env: {}, home: 'C:\\Users\\ada' }),
      'C:\\Users\\ada\\AppData\\Local\\alembic\\models',
    );
  });

  test('ALEMBIC_MODELS_DIR overrides it everywhere; an empty one does not', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      assert.equal(
        defaultModelsFolder({ platform, env: { ALEMBIC_MODELS_DIR: '/data/models' }, home: '/h' }),
        '/data/models',
      );
    }
    assert.equal(
      defaultModelsFolder({ platform: 'linux', env: { ALEMBIC_MODELS_DIR: ' ' }, home: '/h' }),
      '/h/.cache/alembic/models',
    );
  });
});
