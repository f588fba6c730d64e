// Zeta (zed-industries/zeta, 7B, Qwen2.5-Coder based), in the "zeta1" format its open weights
// were trained on. Taken from Zed's client: zed-industries/zed crates/zeta_prompt/src/zeta_prompt.rs
// (mod zeta1: INSTRUCTION_HEADER, EXCERPT_HEADER, RESPONSE_HEADER, format_zeta1_prompt,
// format_zeta1_event, clean_zeta1_model_output) and crates/zeta/src/zeta1/input_excerpt.rs
// (excerpt_for_cursor_position, expand_range; MAX_REWRITE_TOKENS 350, MAX_CONTEXT_TOKENS 150,
// MAX_EVENT_TOKENS 500 in crates/zeta/src/zeta1.rs):
//
//   ### Instruction:\n{instruction}\n\n### User Edits:\n\n
//   User edited {path}:\n```diff\n{hunk}\n```   (events oldest first, joined by a blank line)
//   \n\n### User Excerpt:\n\n
//   ```{path}\n[<|start_of_file|>\n]{context above}<|editable_region_start|>\n
//   {editable, with <|user_cursor_is_here|>}\n<|editable_region_end|>{context below}\n```
//   \n\n### Response:\n
//
// Without a syntax tree the editable region grows line by line around the cursor (Zed's fallback
// when no syntax node fits). The markers are plain text for Qwen's tokenizer; the answer is the
// editable region between the two markers, cut at the end marker.
import type { PromptSegment } from '../../engine/protocol';
import { unifiedHunk } from '../diffText';
import type { EditRecord } from '../editHistory';
import {
  guessTokens,
  readLines,
  rewriteBudget,
  type NesContext,
  type NesPrompt,
  type NextEditFormat,
} from '../nesPrompt';

export const ZETA_CURSOR = '<|user_cursor_is_here|>';
export const ZETA_START_OF_FILE = '<|start_of_file|>';
export const ZETA_REGION_START = '<|editable_region_start|>';
export const ZETA_REGION_END = '<|editable_region_end|>';

const INSTRUCTION_HEADER =
  '### Instruction:\n' +
  'You are a code completion assistant and your task is to analyze user edits and then rewrite an ' +
  'excerpt that the user provides, suggesting the appropriate edits within the excerpt, taking ' +
  'into account the cursor location.\n\n' +
  '### User Edits:\n\n';
const EXCERPT_HEADER = '\n\n### User Excerpt:\n\n';
const RESPONSE_HEADER = '\n\n### Response:\n';

const MAX_REWRITE_TOKENS = 350;
const MAX_CONTEXT_TOKENS = 150;
const MAX_EVENT_TOKENS = 500;
/** Our bound on top of Zed's: blank lines cost no tokens by its estimate, so a file of them would
 * otherwise make the whole file the region. */
const MAX_RANGE_LINES = 200;

export const zetaFormat: NextEditFormat = {
  family: 'zeta',
  label: 'Zeta',
  build(ctx: NesContext): NesPrompt {
    const { doc, cursor, path } = ctx;
    const editable = expandRange(ctx, cursor.line, cursor.line, MAX_REWRITE_TOKENS);
    const context = expandRange(ctx, editable.start, editable.end, MAX_CONTEXT_TOKENS);
    const region = readLines(doc, editable.start, editable.end + 1);
    const cursorRow = cursor.line - editable.start;
    const withCursor = region.map((l, i) =>
      i === cursorRow ? `${l.slice(0, cursor.character)}${ZETA_CURSOR}${l.slice(cursor.character)}` : l,
    );
    const above = readLines(doc, context.start, editable.start);
    const below = readLines(doc, editable.end + 1, context.end + 1);
    const excerpt =
      `\`\`\`${path}\n` +
      (context.start === 0 ? `${ZETA_START_OF_FILE}\n` : '') +
      above.map((l) => `${l}\n`).join('') +
      `${ZETA_REGION_START}\n${withCursor.join('\n')}\n${ZETA_REGION_END}` +
      below.map((l) => `\n${l}`).join('') +
      '\n```';

    const segments: PromptSegment[] = [
      { text: INSTRUCTION_HEADER },
      { text: events(ctx.edits) },
      { text: EXCERPT_HEADER },
      { text: excerpt },
      { text: RESPONSE_HEADER },
    ];
    return {
      family: 'zeta',
      segments,
      stop: [ZETA_REGION_END],
      // The answer may repeat the context above the region before it starts.
      maxTokens: rewriteBudget([...above, ...region]),
      region: { start: editable.start, end: editable.end + 1, lines: region },
      parse: parseZetaOutput,
    };
  },
};

/** Zed's clean_zeta1_model_output: the text between the markers, the cursor marker removed. */
export function parseZetaOutput(output: string): string[] | null {
  const content = output.split(ZETA_CURSOR).join('');
  const startAt = content.indexOf(ZETA_REGION_START);
  let from = startAt >= 0 ? startAt + ZETA_REGION_START.length : 0;
  if (content[from] === '\n') from++;
  const endAt = content.indexOf(ZETA_REGION_END);
  let to = endAt >= 0 ? endAt : content.length;
  if (to > 0 && content[to - 1] === '\n') to--;
  if (from > to) return [''];
  const text = content.slice(from, to);
  if (startAt < 0 && text.trim() === '') return null;
  return text.split('\n');
}

/** Events within the token budget, newest kept first, written oldest first (prompt_for_events). */
function events(edits: readonly EditRecord[]): string {
  const parts: string[] = [];
  let remaining = MAX_EVENT_TOKENS;
  for (let i = edits.length - 1; i >= 0; i--) {
    const e = edits[i]!;
    const text = `User edited ${e.path}:\n\`\`\`diff\n${unifiedHunk(e)}\n\`\`\``;
    const tokens = guessTokens(text);
    if (tokens > remaining) break;
    parts.unshift(text);
    remaining -= tokens;
  }
  return parts.join('\n\n');
}

/** expand_range: from whole lines [start, end] (inclusive), add a line above, then one below,
 * while the budget lasts (each line costs its length / 3 tokens). */
function expandRange(ctx: NesContext, first: number, last: number, budget: number): { start: number; end: number } {
  const { doc } = ctx;
  let start = first;
  let end = last;
  let remaining = budget;
  while (end - start < MAX_RANGE_LINES) {
    let expanded = false;
    if (remaining > 0 && start > 0) {
      start--;
      remaining = Math.max(0, remaining - guessTokens(doc.lineAt(start)));
      expanded = true;
    }
    if (remaining > 0 && end < doc.lineCount - 1) {
      end++;
      remaining = Math.max(0, remaining - guessTokens(doc.lineAt(end)));
      expanded = true;
    }
    if (!expanded) break;
  }
  return { start, end };
}
