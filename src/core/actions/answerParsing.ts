// Turns a model's answer into the code to apply. Models wrap code in fenced blocks (sometimes
// several, sometimes with prose around them), sometimes answer bare code, sometimes think first.
// The code keeps its own relative indentation and is re-based onto the indentation of the text it
// replaces, so an edited method stays where it was in its class.
import { stripThoughts } from '../chat/thinkSplitter';

export interface CodeBlock {
  language: string;
  code: string;
}

/** Fenced code blocks of a markdown answer (``` or ~~~, any length ≥ 3), in order. An unclosed
 * last fence (a truncated answer) counts as a block. */
export function fencedBlocks(answer: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = answer.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})\s*([\w+#.-]*)[^\n]*$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      if (close.test(lines[j]!)) break;
      body.push(lines[j]!);
    }
    blocks.push({ language: open[2]!.toLowerCase(), code: body.join('\n') });
    i = j;
  }
  return blocks;
}

const LANGUAGE_ALIASES: Record<string, string[]> = {
  javascript: ['js', 'javascript', 'jsx', 'mjs', 'cjs'],
  typescript: ['ts', 'typescript', 'tsx'],
  javascriptreact: ['jsx', 'js', 'javascript'],
  typescriptreact: ['tsx', 'ts', 'typescript'],
  python: ['py', 'python', 'python3'],
  shellscript: ['sh', 'bash', 'shell', 'zsh'],
  csharp: ['cs', 'csharp', 'c#'],
  cpp: ['cpp', 'c++', 'cc', 'cxx'],
  rust: ['rs', 'rust'],
  go: ['go', 'golang'],
  ruby: ['rb', 'ruby'],
};

function matchesLanguage(block: CodeBlock, languageId: string): boolean {
  const names = LANGUAGE_ALIASES[languageId] ?? [languageId];
  return names.includes(block.language);
}

/** The code an answer proposes: the largest fenced block in the file's language, else the largest
 * block, else the bare answer (reasoning and stray fences removed). Undefined when nothing is left. */
export function extractCode(answer: string, languageId?: string): string | undefined {
  const text = stripThoughts(answer);
  const blocks = fencedBlocks(text).filter((b) => b.code.trim() !== '');
  const inLanguage = languageId ? blocks.filter((b) => matchesLanguage(b, languageId)) : [];
  const pool = inLanguage.length ? inLanguage : blocks;
  const best = pool.reduce<CodeBlock | undefined>((a, b) => (!a || b.code.length > a.code.length ? b : a), undefined);
  const code = best ? best.code : text.replace(/^\s*```.*$/gm, '');
  const trimmed = trimBlankLines(code);
  return trimmed.trim() === '' ? undefined : trimmed;
}

function trimBlankLines(code: string): string {
  const lines = code.replace(/\r\n/g, '\n').split('\n');
  while (lines.length && lines[0]!.trim() === '') lines.shift();
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.join('\n');
}

/** The whitespace all non-blank lines share at their start. */
export function commonIndent(text: string): string {
  let common: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const indent = /^[ \t]*/.exec(line)![0];
    if (common === undefined) common = indent;
    else {
      let n = 0;
      while (n < common.length && n < indent.length && common[n] === indent[n]) n++;
      common = common.slice(0, n);
    }
  }
  return common ?? '';
}

/** Re-bases `code` from its own common indentation onto `targetIndent`, keeping relative indents. */
export function reindent(code: string, targetIndent: string): string {
  const own = commonIndent(code);
  return code
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : targetIndent + line.slice(own.length)))
    .join('\n');
}

/** The code to put in place of `original`: extracted, and indented like the original. */
export function replacementFor(answer: string, original: string, languageId?: string): string | undefined {
  const code = extractCode(answer, languageId);
  if (code === undefined) return undefined;
  const result = reindent(code, commonIndent(original));
  return original.endsWith('\n') && !result.endsWith('\n') ? `${result}\n` : result;
}
