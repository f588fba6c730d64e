// The completion cache: never ask the model what it already answered. An entry is keyed on the
// document context the answer depends on — model, language, prefix window, suffix window — so an
// edit inside the window changes the key and the stale entry is simply never found again (and
// ages out of the LRU); an edit outside the window does not change the answer's inputs.
//
// The key has three parts: a hash of the window without the current line (computed once per
// request), and the current line's text after and before the cursor, in clear. Typed-ahead lookup
// walks back over the last characters before the cursor: if the context with the last k
// characters removed has a cached suggestion that starts with those k characters, the user is
// typing the suggestion, and its remainder is served with no model call. Editors auto-close
// brackets and quotes, so typing "(" also puts ")" after the cursor: the walk accepts a text after
// the cursor that grew by exactly the closers of what was typed. Store and lookup build keys with
// the same function (`entryKey`), so a repeated request is a hit by construction.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CompletionContext } from './promptLayout';

/** How far typed-ahead lookup walks back on the current line. */
export const TYPED_AHEAD_MAX_CHARS = 64;

/** The identity of a request's context: what cache keys and in-flight matching compare. */
export interface ContextIdentity {
  /** Hash of model, language, the prefix window above the cursor line and the lines below it. */
  readonly windowId: string;
  /** The current line after the cursor. */
  readonly lineSuffix: string;
  /** The current line up to the cursor. */
  readonly linePrefix: string;
}

export interface CachedCompletion {
  /** The post-processed suggestion; empty when the model had nothing worth showing. */
  readonly text: string;
  readonly multiline: boolean;
}

export interface TypedAheadHit {
  /** What is left of the cached suggestion after what the user typed. */
  readonly remainder: string;
  /** The characters typed since the suggestion was made. */
  readonly typed: string;
  /** Closers the editor inserted after the cursor while the user typed (may be empty). */
  readonly autoClosed: string;
  readonly entry: CachedCompletion;
}

export function identify(modelId: string, ctx: CompletionContext): ContextIdentity {
  const hash = createHash('sha1');
  for (const part of [modelId, ctx.languageId, ctx.stablePrefix, ctx.recentPrefix, ...ctx.nextLines]) {
    hash.update(part);
    hash.update('\u0000');
  }
  return { windowId: hash.digest('base64'), lineSuffix: ctx.lineSuffix, linePrefix: ctx.linePrefix };
}

/** The one function that turns an identity into a cache key, for both store and lookup. */
export function entryKey(id: ContextIdentity): string {
  return `${id.windowId}\u0000${id.lineSuffix}\u0000${id.linePrefix}`;
}

/** The closers an editor adds after the cursor while `typed` is typed: one per bracket or quote
 * the typed text leaves open, innermost first. */
export function autoClosedBy(typed: string): string {
  const open: string[] = [];
  for (const c of typed) {
    const closer = c === '(' ? ')' : c === '[' ? ']' : c === '{' ? '}' : undefined;
    if (closer) open.push(closer);
    else if (c === ')' || c === ']' || c === '}') {
      if (open[open.length - 1] === c) open.pop();
    } else if (c === '"' || c === "'" || c === '`') {
      if (open[open.length - 1] === c) open.pop();
      else open.push(c);
    }
  }
  return open.reverse().join('');
}

/** Characters the user typed to get from context `from` to context `to` on the same line, or
 * undefined when `to` does not extend `from` within the typed-ahead distance. */
export function typedSince(
  from: ContextIdentity,
  to: ContextIdentity,
  maxChars = TYPED_AHEAD_MAX_CHARS,
): string | undefined {
  if (from.windowId !== to.windowId || !to.linePrefix.startsWith(from.linePrefix)) return undefined;
  const typed = to.linePrefix.slice(from.linePrefix.length);
  if (typed.length > maxChars) return undefined;
  if (to.lineSuffix !== from.lineSuffix && to.lineSuffix !== autoClosedBy(typed) + from.lineSuffix) return undefined;
  return typed;
}

/** One-time answers kept at most (they are taken by the next request or two). */
const ONE_TIME_ENTRIES = 8;

export class CompletionCache {
  private readonly lru: LRUCache<string, CachedCompletion>;
  private readonly oneTime = new Map<string, CachedCompletion>();

  constructor(maxEntries = 256) {
    this.lru = new LRUCache({ max: Math.max(1, maxEntries) });
  }

  get size(): number {
    return this.lru.size;
  }

  get(id: ContextIdentity): CachedCompletion | undefined {
    return this.lru.get(entryKey(id));
  }

  set(id: ContextIdentity, entry: CachedCompletion): void {
    this.lru.set(entryKey(id), entry);
  }

  /** An answer for the next request at this context only, never cached: what a generation cut by
   * its timeout managed to write. The next request after that asks the model again, since the
   * timeout said how busy the machine was, not what the answer is. */
  offerOnce(id: ContextIdentity, entry: CachedCompletion): void {
    const key = entryKey(id);
    this.oneTime.delete(key);
    this.oneTime.set(key, entry);
    if (this.oneTime.size > ONE_TIME_ENTRIES) this.oneTime.delete(this.oneTime.keys().next().value!);
  }

  /** Takes (and removes) the one-time answer for this context. */
  takeOnce(id: ContextIdentity): CachedCompletion | undefined {
    const key = entryKey(id);
    const entry = this.oneTime.get(key);
    this.oneTime.delete(key);
    return entry;
  }

  /** A cached suggestion the user has been typing: walks back up to `maxChars` characters of the
   * current line and serves the rest of the first suggestion that starts with what was typed. */
  lookupTypedAhead(id: ContextIdentity, maxChars = TYPED_AHEAD_MAX_CHARS): TypedAheadHit | undefined {
    const limit = Math.min(maxChars, id.linePrefix.length);
    for (let k = 1; k <= limit; k++) {
      const typed = id.linePrefix.slice(-k);
      const linePrefix = id.linePrefix.slice(0, -k);
      const closers = autoClosedBy(typed);
      const suffixes =
        closers && id.lineSuffix.startsWith(closers)
          ? [id.lineSuffix, id.lineSuffix.slice(closers.length)]
          : [id.lineSuffix];
      for (const lineSuffix of suffixes) {
        const entry = this.lru.get(entryKey({ windowId: id.windowId, lineSuffix, linePrefix }));
        if (entry && entry.text.length > typed.length && entry.text.startsWith(typed)) {
          return {
            remainder: entry.text.slice(typed.length),
            typed,
            autoClosed: id.lineSuffix.slice(0, id.lineSuffix.length - lineSuffix.length),
            entry,
          };
        }
      }
    }
    return undefined;
  }

  clear(): void {
    this.lru.clear();
    this.oneTime.clear();
  }
}
