// Instinct (continuedev/instinct, 7B, Qwen2.5-Coder based), as Continue's client prompts it:
// continuedev/continue core/nextEdit/constants.ts (INSTINCT_SYSTEM_PROMPT, INSTINCT_USER_PROMPT_PREFIX,
// the marker tokens), core/nextEdit/templating/NextEditPromptEngine.ts (the user template),
// core/nextEdit/templating/instinct.ts (contextSnippetsBlock, currentFileContentBlock,
// editHistoryBlock) and core/nextEdit/providers/InstinctNextEditProvider.ts (a window of 25 lines
// either side of the cursor; the editable region from the line above the cursor to five below).
// Continue sends a system and a user message through the model's chat template; Instinct's GGUF
// carries Qwen2.5's ChatML template, so the prompt is that template applied:
//
//   <|im_start|>system\n{system prompt}<|im_end|>\n<|im_start|>user\n
//   {prefix}\n\n### Context:\n{snippets}\n\n### User Edits:\n\n{edits}\n\n### User Excerpt:\n{path}\n\n
//   {window with the region markers and the cursor token}```\n### Response:<|im_end|>\n
//   <|im_start|>assistant\n
//
// The template really has "```" right after the excerpt with no opening fence: reproduced as is.
// Edit diffs are listed most recent first (the system prompt says so) and, as editHistoryBlock
// does, lose their blank lines. The answer is the rewritten region, ended by <|im_end|>.
import type { PromptSegment } from '../../engine/protocol';
import { unifiedHunk } from '../diffText';
import type { EditRecord } from '../editHistory';
import {
  readLines,
  rewriteBudget,
  withoutFinalNewline,
  type NesContext,
  type NesPrompt,
  type NextEditFormat,
} from '../nesPrompt';
import { INSTINCT_SYSTEM_PROMPT, INSTINCT_USER_PROMPT_PREFIX } from './instinctPrompts';

export const INSTINCT_CURSOR = '<|user_cursor_is_here|>';
export const INSTINCT_REGION_START = '<|editable_region_start|>';
export const INSTINCT_REGION_END = '<|editable_region_end|>';
const CONTEXT_FILE = '<|context_file|>';
const SNIPPET = '<|snippet|>';
const WINDOW_LINES = 25;
const TOP_MARGIN = 1;
const BOTTOM_MARGIN = 5;

export const instinctFormat: NextEditFormat = {
  family: 'instinct',
  label: 'Instinct',
  build(ctx: NesContext): NesPrompt {
    const { doc, cursor, path } = ctx;
    const windowStart = Math.max(0, cursor.line - WINDOW_LINES);
    const windowEnd = Math.min(doc.lineCount - 1, cursor.line + WINDOW_LINES);
    const regionStart = Math.max(windowStart, cursor.line - TOP_MARGIN);
    const regionEnd = Math.min(windowEnd, cursor.line + BOTTOM_MARGIN);
    const lines = readLines(doc, windowStart, windowEnd + 1);
    const at = cursor.line - windowStart;
    lines[at] = `${lines[at]!.slice(0, cursor.character)}${INSTINCT_CURSOR}${lines[at]!.slice(cursor.character)}`;
    const content = [
      ...lines.slice(0, regionStart - windowStart),
      INSTINCT_REGION_START,
      ...lines.slice(regionStart - windowStart, regionEnd - windowStart + 1),
      INSTINCT_REGION_END,
      ...lines.slice(regionEnd - windowStart + 1),
    ].join('\n');

    const user =
      `${INSTINCT_USER_PROMPT_PREFIX}\n\n### Context:\n${contextBlock(ctx)}\n\n` +
      `### User Edits:\n\n${editHistoryBlock(ctx.edits)}\n\n` +
      `### User Excerpt:\n${path}\n\n${content}\`\`\`\n### Response:`;
    const segments: PromptSegment[] = [
      { special: '<|im_start|>' },
      { text: `system\n${INSTINCT_SYSTEM_PROMPT}` },
      { special: '<|im_end|>' },
      { text: '\n' },
      { special: '<|im_start|>' },
      { text: `user\n${user}` },
      { special: '<|im_end|>' },
      { text: '\n' },
      { special: '<|im_start|>' },
      { text: 'assistant\n' },
    ];
    const region = readLines(doc, regionStart, regionEnd + 1);
    return {
      family: 'instinct',
      segments,
      stop: ['<|im_end|>', INSTINCT_REGION_END],
      maxTokens: rewriteBudget(region),
      region: { start: regionStart, end: regionEnd + 1, lines: region },
      parse: parseInstinctOutput,
    };
  },
};

/** The answer is the region itself; markers or a code fence the model adds anyway are dropped. */
export function parseInstinctOutput(output: string): string[] | null {
  let text = output.split(INSTINCT_CURSOR).join('');
  const start = text.indexOf(INSTINCT_REGION_START);
  if (start >= 0) text = text.slice(start + INSTINCT_REGION_START.length).replace(/^\n/, '');
  const end = text.indexOf(INSTINCT_REGION_END);
  if (end >= 0) text = text.slice(0, end);
  const fenced = /^```[^\n]*\n([\s\S]*?)\n?```\s*$/.exec(text);
  if (fenced) text = fenced[1]!;
  if (text.trim() === '') return null;
  return withoutFinalNewline(text).split('\n');
}

/** contextSnippetsBlock over Codestral-style "+++++ path" snippets: each file header becomes
 * "<|context_file|>: path" followed by "<|snippet|>" and its lines. */
function contextBlock(ctx: NesContext): string {
  return ctx.snippets
    .filter((s) => s.uri !== ctx.doc.uri)
    .map((s) => `${CONTEXT_FILE}: ${s.path}\n${SNIPPET}\n${withoutFinalNewline(s.text)}`)
    .join('\n\n');
}

/** editHistoryBlock: per diff, `User edited file "path"`, a blank line and a ```diff block of its
 * hunk lines, blank lines dropped; blocks joined by a line break, most recent first. */
function editHistoryBlock(edits: readonly EditRecord[]): string {
  return [...edits]
    .reverse()
    .map((e) => {
      const lines = unifiedHunk(e)
        .split('\n')
        .filter((l) => l.trim() !== '');
      return [`User edited file "${e.path}"`, '', '```diff', lines.join('\n'), '```'].join('\n');
    })
    .join('\n');
}
