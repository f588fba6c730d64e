// llama.vscode's completion cache (src/lru-cache.ts and getCachedCompletion in src/completion.ts):
// an LRU of 250 entries keyed by the SHA-256 of "input_prefix|input_suffix|prompt", holding the
// suggestions shown for that context. A lookup tries the exact key, then every shorter prompt
// (the cursor line cut one character at a time): a suggestion made there that starts with what
// was typed since is served without asking the server (typed-ahead).
import { createHash } from 'node:crypto';
import { LLAMA_VSCODE_CONFIG } from './request';

export class ResultCache {
  private readonly map = new Map<string, string[]>();

  constructor(readonly capacity = LLAMA_VSCODE_CONFIG.maxCacheKeys) {
    if (capacity <= 0) throw new RangeError('the cache needs room for at least one entry');
  }

  get size(): number {
    return this.map.size;
  }

  static key(inputPrefix: string, inputSuffix: string, prompt: string): string {
    return createHash('sha256').update(`${inputPrefix}|${inputSuffix}|${prompt}`).digest('hex');
  }

  get(key: string): string[] | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key); // most recently used last
    this.map.set(key, value);
    return value;
  }

  put(key: string, value: string[]): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  /** getCachedCompletion: the exact entry, else the typed-ahead remainders of a shorter prompt's. */
  lookup(
    inputPrefix: string,
    inputSuffix: string,
    prompt: string,
  ): { completions: string[]; typedAhead: boolean } | undefined {
    const exact = this.get(ResultCache.key(inputPrefix, inputSuffix, prompt));
    if (exact !== undefined) return { completions: exact, typedAhead: false };
    for (let i = prompt.length; i >= 0; i--) {
      const shorter = prompt.slice(0, i);
      const typed = prompt.slice(i);
      const found = this.get(ResultCache.key(inputPrefix, inputSuffix, shorter));
      if (found === undefined) continue;
      const completions = found
        .filter((c) => c && typed === c.slice(0, typed.length))
        .map((c) => c.slice(prompt.length - shorter.length));
      if (completions.length > 0) return { completions, typedAhead: true };
    }
    return undefined;
  }
}
