// The suite's model files, generated on first use into .cache/ (never committed).
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildTestModel, type TestModelOptions } from '../fixtures/makeTestModel';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const CACHE_DIR = join(REPO_ROOT, '.cache');
export const ENGINE_PATH = join(REPO_ROOT, 'dist', 'engine.js');
export const CLI_PATH = join(REPO_ROOT, 'dist', 'cli.js');

const GENERATOR = join(REPO_ROOT, 'test', 'fixtures', 'makeTestModel.ts');

/**
 * Path of a generated test model; regenerated when its generator is newer than the file.
 * `default`: the character-vocabulary model (fast); `chatOnly`: the same without FIM tokens;
 * `qwen`: the Qwen-vocabulary model (Qwen2.5-Coder's real BPE, metadata and chat template).
 */
export function testModelPath(variant: 'default' | 'chatOnly' | 'qwen' = 'default'): string {
  if (variant === 'qwen') return qwenTestModelPath();
  const options: TestModelOptions = variant === 'chatOnly' ? { fim: false } : {};
  const path = join(CACHE_DIR, variant === 'chatOnly' ? 'test-model-chat-only.gguf' : 'test-model.gguf');
  if (isStale(path, [GENERATOR])) {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Written aside and renamed: an engine that has the old file mapped keeps reading the old one.
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, buildTestModel(options));
    renameSync(temp, path);
  }
  return path;
}

function qwenTestModelPath(): string {
  const path = join(CACHE_DIR, 'test-model-qwen.gguf');
  // Loaded only when needed: Qwen's tokenizer takes a moment to parse.
  const qwen = require('../fixtures/qwenTestModel') as typeof import('../fixtures/qwenTestModel');
  if (isStale(path, qwen.QWEN_GENERATOR_FILES)) qwen.writeQwenTestModel(path); // written aside and renamed
  return path;
}

function isStale(path: string, sources: string[]): boolean {
  if (!existsSync(path)) return true;
  const built = statSync(path).mtimeMs;
  return sources.some((s) => statSync(s).mtimeMs > built);
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
