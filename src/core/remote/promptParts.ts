// Prompts for servers that do not take Alembic's segments as they are: the parts of a 'server'
// template prompt (for llama-server's /infill and Ollama's `suffix`), and a prompt as one string
// (OpenAI-compatible /completions and Ollama's raw mode, whose tokenizers read the special
// tokens' texts as those tokens).
import { SERVER_FIM_TOKENS } from '../completion/fimTemplates';
import type { PromptSegment } from '../engine/protocol';

export interface ServerPromptParts {
  snippets: { path: string; text: string }[];
  prefix: string;
  suffix: string;
  /** The cursor line up to the cursor: the start of the middle. */
  middleStart: string;
}

/** Reads the parts back out of a prompt rendered with the 'server' template. */
export function serverParts(segments: readonly PromptSegment[]): ServerPromptParts {
  const t = SERVER_FIM_TOKENS;
  const parts: ServerPromptParts = { snippets: [], prefix: '', suffix: '', middleStart: '' };
  let where: 'snippet' | 'prefix' | 'suffix' | 'middle' | undefined;
  let snippet: { path: string; text: string; pieces: number } | undefined;
  for (const s of segments) {
    if ('special' in s) {
      if (s.special === t.fileSeparator) {
        where = 'snippet';
        snippet = { path: '', text: '', pieces: 0 };
        parts.snippets.push(snippet);
      } else if (s.special === t.prefix) where = 'prefix';
      else if (s.special === t.suffix) where = 'suffix';
      else if (s.special === t.middle) where = 'middle';
      continue;
    }
    if (where === 'snippet' && snippet) {
      if (snippet.pieces++ === 0) snippet.path = s.text;
      else snippet.text += s.text;
    } else if (where === 'prefix') parts.prefix += s.text;
    else if (where === 'suffix') parts.suffix += s.text;
    else if (where === 'middle') parts.middleStart += s.text;
  }
  parts.snippets = parts.snippets.map(({ path, text }) => ({ path, text }));
  return parts;
}

/** The prompt as one string: special tokens spelled out, for servers that parse them. */
export function promptText(segments: readonly PromptSegment[]): string {
  return segments.map((s) => ('special' in s ? s.special : s.text)).join('');
}
