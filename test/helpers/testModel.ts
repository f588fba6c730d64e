// The suite's model files, generated on first use into .cache/ (never committed).
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildTestModel, type TestModelOptions } from '../fixtures/makeTestModel';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const CACHE_DIR = join(REPO_ROOT, '.cache');
export const ENGINE_PATH = join(REPO_ROOT, 'dist', 'engine.js');
export const CLI_PATH = join(REPO_ROOT, 'dist', 'cli.js');

const GENERATOR = join(REPO_ROOT, 'test', 'fixtures', 'makeTestModel.ts');

/** Path of a generated test model; regenerated when the generator is newer than the file. */
export function testModelPath(variant: 'default' | 'chatOnly' = 'default'): string {
  const options: TestModelOptions = variant === 'chatOnly' ? { fim: false } : {};
  const path = join(CACHE_DIR, variant === 'chatOnly' ? 'test-model-chat-only.gguf' : 'test-model.gguf');
  if (!existsSync(path) || statSync(path).mtimeMs < statSync(GENERATOR).mtimeMs) {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Written aside and renamed: an engine that has the old file mapped keeps reading the old one.
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, buildTestModel(options));
    renameSync(temp, path);
  }
  return path;
}

/** Writes a file into .cache/ for a test and returns its path. */
export function cacheFile(name: string, content: Buffer | string): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, name);
  writeFileSync(path, content);
  return path;
}

export function requireBuiltEngine(): string {
  if (!existsSync(ENGINE_PATH)) throw new Error('dist/engine.js is missing: run `npm run build` first');
  return ENGINE_PATH;
}
