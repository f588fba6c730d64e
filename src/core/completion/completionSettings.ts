// The completion settings the core reads. The user-facing ones take their defaults from the
// settings registry (src/core/settings.ts), so each default is declared once; the others are the
// core's own tuning. The benchmark and the CLI run with these defaults.
import { SETTINGS, type MultilineSetting } from '../settings';

export interface CompletionSettings {
  /** Tokens of code above the cursor (including the current line up to the cursor). */
  prefixTokens: number;
  /** Tokens of code after the cursor (the rest of the line and of the block). The suffix follows
   * the current line in the prompt, so it is evaluated again on every model call: keep it small
   * next to the prefix (the benchmark's target is 10% of prompt tokens evaluated). */
  suffixTokens: number;
  /** Tokens of snippets from other files and places (the front of the prompt). */
  extraContextTokens: number;
  /** Generation cap in tokens. */
  maxTokens: number;
  /** Generation cap in milliseconds. */
  timeoutMs: number;
  /** Lines a multi-line suggestion may have. */
  maxLines: number;
  /** 'auto': several lines only where the cursor starts a block. */
  multiline: MultilineSetting;
  /** Lines the suffix may span below the cursor line. */
  maxSuffixLines: number;
  /** Lines the prefix may span above the cursor line, whatever the token budget. */
  maxPrefixLines: number;
  /** The prefix window starts on a multiple of this many lines, so it stays put while typing. */
  chunkLines: number;
  /** Automatic requests are skipped when more than this many characters (closers aside) sit right of the cursor. */
  maxCharsRightOfCursor: number;
  /** Bounds of the adaptive debounce. */
  debounceMinMs: number;
  debounceMaxMs: number;
  /** Compute the completion that follows a shown suggestion's acceptance in the background. */
  prefetch: boolean;
  /** A suggestion the model is still writing this long after the request shows its first words
   * (the rest follows when it is written); 0: only finished suggestions show. */
  partialAfterMs: number;
  /** Idle time after which a changed extra context is evaluated in the background. */
  idlePrefillMs: number;
  /** Entries of the completion cache. */
  cacheSize: number;
  /** Back off the cursor line's last token and let the model choose how the typed word goes on
   * (the engine's token healing): the cursor splits a token at most positions. Off by default
   * until it is measured on a real model: the suite's scripted models start their answer as a new
   * word after any token, which healing after a space or inside a word rightly refuses. */
  tokenHealing: boolean;
}

export const DEFAULT_COMPLETION_SETTINGS: Readonly<CompletionSettings> = Object.freeze({
  prefixTokens: SETTINGS['completion.prefixTokens'].default,
  suffixTokens: SETTINGS['completion.suffixTokens'].default,
  extraContextTokens: SETTINGS['completion.extraContextTokens'].default,
  maxTokens: SETTINGS['completion.maxTokens'].default,
  timeoutMs: SETTINGS['completion.timeoutMs'].default,
  maxLines: SETTINGS['completion.maxLines'].default,
  multiline: SETTINGS['completion.multiline'].default,
  maxSuffixLines: 16,
  maxPrefixLines: 512,
  chunkLines: 32,
  maxCharsRightOfCursor: 8,
  debounceMinMs: 40,
  debounceMaxMs: SETTINGS['completion.debounceMaxMs'].default,
  prefetch: SETTINGS['completion.prefetch'].default,
  partialAfterMs: SETTINGS['completion.partialAfterMs'].default,
  idlePrefillMs: 1200,
  cacheSize: 256,
  tokenHealing: false,
});
