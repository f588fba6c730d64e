// Sweep Next-Edit (sweepai/sweep-next-edit-1.5B and -0.5B, Qwen2.5-Coder based). The format is the
// one its model card's run_model.py uses and Zed's client reproduces
// (zed-industries/zed crates/edit_prediction/src/sweep_prompt.rs, build_prompt and its test
// "test_build_prompt_uses_run_model_ordering"): Qwen2.5-Coder's own `<|file_sep|>` file blocks,
//
//   <|file_sep|>{related path}\n{content}\n                 other files (recently viewed or edited)
//   <|file_sep|>{path}.diff\noriginal:\n{before}\nupdated:\n{after}\n     the last 3 edits
//   <|file_sep|>original/{path}\n{window before the latest edit}\n
//   <|file_sep|>current/{path}\n{window now}\n
//   <|file_sep|>updated/{path}\n                              the model writes the new window
//
// The window is 10 lines above and 10 below the cursor (Sweep trained on fixed 21-line windows);
// the answer ends at the next `<|file_sep|>` or `</s>`. Each edit block is cut to 40 lines as
// Zed's client does. The order puts what changes on every keystroke (the windows) last, after the
// related files, which change rarely, so the KV cache keeps the front of the prompt.
import type { PromptSegment } from '../../engine/protocol';
import { beforeAfter } from '../diffText';
import type { EditRecord } from '../editHistory';
import {
  readLines,
  rewriteBudget,
  withoutFinalNewline,
  type NesContext,
  type NesPrompt,
  type NextEditFormat,
} from '../nesPrompt';

const FILE_SEP = '<|file_sep|>';
const WINDOW_LINES_ABOVE = 10;
const WINDOW_LINES_BELOW = 10;
const MAX_RECENT_CHANGE_BLOCKS = 3;
const MAX_RECENT_CHANGE_LINES = 40;

export const sweepFormat: NextEditFormat = {
  family: 'sweep',
  label: 'Sweep Next-Edit',
  build(ctx: NesContext): NesPrompt {
    const { doc, cursor, path } = ctx;
    const start = Math.max(0, cursor.line - WINDOW_LINES_ABOVE);
    const end = Math.min(doc.lineCount, cursor.line + WINDOW_LINES_BELOW + 1);
    const current = readLines(doc, start, end);
    const original = originalWindow(current, start, ctx.edits, doc.uri) ?? current;

    const segments: PromptSegment[] = [];
    const block = (name: string, content: string) => {
      segments.push({ special: FILE_SEP }, { text: `${name}\n${content}${content.endsWith('\n') ? '' : '\n'}` });
    };
    for (const s of ctx.snippets) {
      if (s.uri === doc.uri && s.startLine < end && s.startLine + lineCount(s.text) > start) continue; // the window shows it
      block(s.path, s.text);
    }
    for (const edit of ctx.edits.slice(-MAX_RECENT_CHANGE_BLOCKS)) {
      const before = limitLines(beforeAfter(edit).original);
      const after = limitLines(beforeAfter(edit).updated);
      block(`${edit.path}.diff`, `original:\n${before}${before.endsWith('\n') ? '' : '\n'}updated:\n${after}`);
    }
    block(`original/${path}`, original.join('\n'));
    block(`current/${path}`, current.join('\n'));
    segments.push({ special: FILE_SEP }, { text: `updated/${path}\n` });

    return {
      family: 'sweep',
      segments,
      stop: [FILE_SEP, '</s>'],
      maxTokens: rewriteBudget(current),
      region: { start, end, lines: current },
      parse(output: string): string[] | null {
        let text = output;
        for (const stop of [FILE_SEP, '</s>']) {
          const at = text.indexOf(stop);
          if (at >= 0) text = text.slice(0, at);
        }
        if (text.trim() === '') return null; // Zed's client: an empty answer is no suggestion
        return withoutFinalNewline(text).split('\n');
      },
    };
  },
};

/** The window as it was before the file's latest edit, when that edit lies inside the window and
 * its recorded lines are what the window shows now (Zed maps the window into the old snapshot). */
function originalWindow(
  current: readonly string[],
  start: number,
  edits: readonly EditRecord[],
  uri: string,
): string[] | undefined {
  let latest: EditRecord | undefined;
  for (let i = edits.length - 1; i >= 0 && !latest; i--) if (edits[i]!.uri === uri) latest = edits[i];
  if (!latest) return undefined;
  const from = latest.newStart - start;
  const to = from + latest.newLines.length;
  if (from < 0 || to > current.length) return undefined;
  if (latest.newLines.some((l, i) => current[from + i] !== l)) return undefined;
  return [...current.slice(0, from), ...latest.oldLines, ...current.slice(to)];
}

/** Head and tail of a long block with "..." between (Zed's limit_change_lines). */
function limitLines(text: string): string {
  const lines = text.split('\n');
  if (lines.length <= MAX_RECENT_CHANGE_LINES) return text;
  const head = Math.floor(MAX_RECENT_CHANGE_LINES / 2);
  const tail = MAX_RECENT_CHANGE_LINES - head - 1;
  return [...lines.slice(0, head), '...', ...lines.slice(lines.length - tail)].join('\n');
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
