// The markdown-it configuration shared by the webview's renderer and the extension, and the list
// of an answer's code blocks. Both sides number code blocks from the same parse, so "block 2 of
// turn X" from a button in the webview names the same code in the extension, which takes the code
// from the stored answer rather than from the webview. This module has no highlighter, to keep the
// extension's bundle small.
import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

export interface CodeBlockInfo {
  /** The fence's language word ("js"), lower-case, or "" when none or not a plain word. */
  language: string;
  code: string;
}

/** markdown-it as Alembic uses it: raw HTML escaped, bare URLs linked, no style attributes. */
export function createMarkdownIt(): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
  md.core.ruler.push('alembic_no_style', (state) => {
    for (const token of state.tokens) moveAlignmentToClass(token);
  });
  return md;
}

const parser = createMarkdownIt();

/** The code blocks of an answer, in the order (and with the indexes) the renderer numbers them. */
export function codeBlocksOf(source: string): CodeBlockInfo[] {
  return parser.parse(source, {}).filter(isCodeToken).map(codeBlockInfo);
}

export function isCodeToken(token: Token): boolean {
  return token.type === 'fence' || token.type === 'code_block';
}

export function codeBlockInfo(token: Token): CodeBlockInfo {
  const language = token.type === 'fence' ? (token.info.trim().split(/\s+/)[0] ?? '') : '';
  return {
    language: /^[\w+#.-]{1,32}$/.test(language) ? language.toLowerCase() : '',
    code: token.content.replace(/\n$/, ''),
  };
}

/** Tables: markdown-it writes `style="text-align:…"`; the allow-list has no style attribute. */
function moveAlignmentToClass(token: Token): void {
  const style = token.attrGet('style');
  if (style !== null) {
    token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'style');
    const align = /text-align:\s*(left|right|center)/.exec(style)?.[1];
    if (align) token.attrJoin('class', `align-${align}`);
  }
  token.children?.forEach(moveAlignmentToClass);
}
