// Maps the `alembic.completion.*` settings onto the core's CompletionSettings.
import type { CompletionSettings } from '../../core/completion/completionSettings';
import { getSetting } from '../config';

export function completionSettings(): Partial<CompletionSettings> {
  return {
    multiline: getSetting('completion.multiline'),
    maxLines: getSetting('completion.maxLines'),
    maxTokens: getSetting('completion.maxTokens'),
    timeoutMs: getSetting('completion.timeoutMs'),
    prefixTokens: getSetting('completion.prefixTokens'),
    suffixTokens: getSetting('completion.suffixTokens'),
    extraContextTokens: getSetting('completion.extraContextTokens'),
    debounceMaxMs: getSetting('completion.debounceMaxMs'),
    prefetch: getSetting('completion.prefetch'),
    partialAfterMs: getSetting('completion.partialAfterMs'),
  };
}

/** Whether automatic completions are on for a language (languages not listed are on). */
export function enabledForLanguage(languageId: string): boolean {
  const languages = getSetting('completion.languages');
  return languages[languageId] ?? languages['*'] ?? true;
}
