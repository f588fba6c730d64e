// The rules that turn raw model output into a suggestion worth showing. Each is a small function
// of (text, context) that returns the text, a shorter text, or null to drop the suggestion; the
// pipeline in postprocess.ts composes them in order. They encode what users complain about most:
// special tokens and <think> leaking, code repeated from right below the cursor, brackets closed
// twice, runaway repetition, and suggestions that are only whitespace where Tab should indent.
import { isBlank } from './documentWindow';
import { firstNonBlank, lastNonBlank } from './multiline';

export interface RuleContext {
  readonly linePrefix: string;
  readonly lineSuffix: string;
  readonly nextLines: readonly string[];
  readonly previousLines: readonly string[];
  readonly multiline: boolean;
  readonly maxLines: number;
  /** The generation was cut by a token or time cap, so its last line may be unfinished. */
  readonly truncated: boolean;
}

export type Rule = (text: string, ctx: RuleContext) => string | null;

/** Removes reasoning: whole `<think>…</think>` blocks, everything after an unclosed `<think>`,
 * and everything before a stray `</think>` (the prompt opened the block). */
export const stripThinking: Rule = (text) => {
  let out = text.replace(/<think>[\s\S]*?<\/think>\n?/g, '');
  const open = out.indexOf('<think>');
  if (open >= 0) out = out.slice(0, open);
  const close = out.lastIndexOf('</think>');
  if (close >= 0) out = out.slice(close + '</think>'.length).replace(/^\n/, '');
  return out;
};

const SPECIAL_TOKEN = new RegExp(
  [
    String.raw`<\|[A-Za-z_]+\|>`, // Qwen, StarCoder: <|fim_prefix|>, <|endoftext|>
    String.raw`<｜[^｜\n]{1,40}｜>`, // DeepSeek's full-width bars: <｜fim▁hole｜>
    String.raw`<(?:fim_(?:prefix|suffix|middle|pad)|file_sep|repo_name|PRE|SUF|MID|EOT|end_of_turn|eos|bos)>`,
    String.raw`\[(?:PREFIX|SUFFIX|MIDDLE)\]`, // Codestral
  ].join('|'),
);

/** Cuts at the first special-token text: whatever follows it (a new file, a new prompt) is not the
 * middle the user asked for. */
export const cutAtSpecialToken: Rule = (text) => {
  const m = SPECIAL_TOKEN.exec(text);
  return m ? text.slice(0, m.index) : text;
};

/** A generation cut by a cap may end mid-line; a multi-line suggestion loses that last line. */
export const dropUnfinishedLastLine: Rule = (text, ctx) => {
  if (!ctx.truncated) return text;
  const nl = text.lastIndexOf('\n');
  return nl > 0 ? text.slice(0, nl) : text;
};

/** One line unless the cursor starts a block; then at most `maxLines`. */
export const limitLines: Rule = (text, ctx) => {
  const lines = text.split('\n');
  if (!ctx.multiline) return lines[0]!;
  return lines.slice(0, Math.max(1, ctx.maxLines)).join('\n');
};

/** Stops runaway repetition: a block of 1–4 lines repeated three times in a row keeps one copy;
 * a pattern repeated within a line keeps the text before it. Legitimate repeats stay: closers at
 * different depths differ in indentation, and lines of fewer than 4 characters never count. */
export const cutRunawayRepetition: Rule = (text, ctx) => {
  const lines = text.split('\n');
  lines[0] = ctx.linePrefix + lines[0]; // compare whole lines: the first continues the cursor line
  for (let i = 0; i < lines.length; i++) {
    for (let period = 1; period <= 4 && i + 3 * period <= lines.length; period++) {
      const block = lines.slice(i, i + period);
      if (block.join('').replace(/\s/g, '').length < 4) continue;
      const same = (at: number) => block.every((l, k) => lines[at + k] === l);
      if (same(i + period) && same(i + 2 * period))
        return lines
          .slice(0, i + period)
          .join('\n')
          .slice(ctx.linePrefix.length);
    }
  }
  // Within a line: a unit of 2–16 characters eight times in a row (a ruler of one repeated
  // character, like a "// =====" separator, only counts from 80 characters on).
  for (const m of text.matchAll(/(.{2,16}?)\1{7,}/g)) {
    if (m[0].length >= 32 && !/^(.)\1*$/.test(m[1]!)) return text.slice(0, m.index);
  }
  const ruler = /(.)\1{79,}/.exec(text);
  return ruler ? text.slice(0, ruler.index) : text;
};

/** Stops at a line that copies the next line of the document: the model is rewriting the suffix. */
export const cutAtNextLineCopy: Rule = (text, ctx) => {
  const next = firstNonBlank(ctx.nextLines)?.trimEnd();
  if (!next) return text;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) if (lines[i]!.trimEnd() === next) return lines.slice(0, i).join('\n');
  return text;
};

const CLOSER_OF: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const OPENER_OF: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Closes only brackets the completion opened: a closer for a bracket opened before the cursor is
 * cut when the text after the cursor (rest of the line, or the next line) already supplies it. */
export const closeOnlyOwnBrackets: Rule = (text, ctx) => {
  const rest = ctx.lineSuffix.trimStart();
  // What the document has right after the inserted text: the rest of the line, or the next line.
  const following = rest || (firstNonBlank(ctx.nextLines) ?? '').trimStart();
  const stack: string[] = [];
  let quote = '';
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      if (quote !== '`') quote = '';
      continue;
    }
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (CLOSER_OF[c]) stack.push(c);
    else if (OPENER_OF[c]) {
      if (stack.length > 0 && stack[stack.length - 1] === OPENER_OF[c]) {
        stack.pop();
        continue;
      }
      // An unmatched closer: it closes something opened before the cursor.
      if (!following.startsWith(c)) continue;
      if (line === 0) return text.slice(0, i).trimEnd();
      if (text.slice(lineStart, i).trim() !== '') continue;
      // A closer line. When the closer is on the cursor line (`{|}`), keep the line break and
      // indentation before it so the existing closer lands on its own line.
      return rest ? text.slice(0, i) : text.slice(0, Math.max(0, lineStart - 1)).trimEnd();
    }
  }
  return text;
};

/** Stops where the output reaches the text after the cursor on the same line. A rest of the line
 * that starts with a closing bracket is left to closeOnlyOwnBrackets, which knows which closers
 * the completion opened itself. */
export const stopAtSuffixOverlap: Rule = (text, ctx) => {
  const rest = ctx.lineSuffix.trim();
  if (!rest || /^[)\]}]/.test(rest)) return text;
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const at =
    rest.length >= 3 ? first.indexOf(rest) : first.trimEnd().endsWith(rest) ? first.trimEnd().length - rest.length : -1;
  return at >= 0 ? text.slice(0, at).trimEnd() : text;
};

/** Drops a suggestion that only repeats what follows the cursor (the rest of the line, the next line). */
export const dropIfRepeatsSuffix: Rule = (text, ctx) => {
  const body = text.trim();
  if (!body) return text;
  const after = `${ctx.lineSuffix}\n${ctx.nextLines.join('\n')}`.trimStart();
  if (after.startsWith(body)) return null;
  const next = firstNonBlank(ctx.nextLines);
  if (!text.includes('\n') && next !== undefined && (ctx.linePrefix + text).trim() === next.trim()) return null;
  return text;
};

/** Drops a suggestion whose line rewrites the line above (a common degenerate FIM output). */
export const dropIfRepeatsLineAbove: Rule = (text, ctx) => {
  const above = lastNonBlank(ctx.previousLines)?.trim();
  if (!above || !/[A-Za-z0-9]/.test(above) || above.length < 4) return text;
  const firstLine = (ctx.linePrefix + text.split('\n')[0]).trim();
  return firstLine === above ? null : text;
};

/** No trailing whitespace or blank lines; and nothing at all when only whitespace is left, so Tab
 * keeps indenting on a blank line. */
export const dropBlank: Rule = (text, ctx) => {
  const trimmed = text.replace(/\s+$/, '');
  if (isBlank(trimmed)) return null;
  // Keep a final line break and indentation that put a closer after the cursor on its own line.
  const tail = text.slice(text.lastIndexOf('\n'));
  if (ctx.multiline && /^[)\]}]/.test(ctx.lineSuffix.trimStart()) && /^\n[ \t]*$/.test(tail) && trimmed.includes('\n'))
    return trimmed + tail;
  return trimmed;
};
