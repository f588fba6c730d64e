// The last gate before rendered model output reaches the webview's DOM: an allow-list of the tags
// and attributes the markdown renderer is meant to produce, checked on the HTML string (in plain
// Node, so the tests see exactly what the webview gets) and again on the parsed elements in the
// webview. markdown-it already escapes raw HTML (html: false); this check catches any renderer
// rule, plugin or library change that would let something else through. There is no `href`, `src`
// or `style` on the list at all: links carry their target in `data-href` and are opened by the
// extension after a confirmation; images are never loaded.

type ValueCheck = (value: string) => boolean;

const any: ValueCheck = () => true;
const classes: ValueCheck = (v) => /^[A-Za-z0-9_ -]{0,200}$/.test(v);
const digits: ValueCheck = (v) => /^\d{1,4}$/.test(v);
const webLink: ValueCheck = (v) => /^https?:\/\/[^\s"'<>`\\]*$/i.test(v);

const COMMON: Record<string, ValueCheck> = { class: classes };

/** Allowed tags and, per tag, the allowed attributes with a check of their value. */
const TAGS: Record<string, Record<string, ValueCheck>> = {
  p: {},
  br: {},
  hr: {},
  h1: {},
  h2: {},
  h3: {},
  h4: {},
  h5: {},
  h6: {},
  em: {},
  strong: {},
  s: {},
  blockquote: {},
  ul: {},
  li: {},
  pre: {},
  code: {},
  ol: { start: digits },
  table: {},
  thead: {},
  tbody: {},
  tr: {},
  th: {},
  td: {},
  a: { 'data-href': webLink, title: any, tabindex: (v) => v === '0', role: (v) => v === 'link' },
  span: { title: any, 'aria-hidden': (v) => v === 'true' },
  div: { 'data-block': digits },
  button: {
    type: (v) => v === 'button',
    title: any,
    'aria-label': any,
    'data-action': (v) => v === 'copy' || v === 'insert' || v === 'apply',
    'data-block': digits,
  },
};

/** True when `tag` with this attribute and value may appear in rendered output. */
export function isAllowedAttribute(tag: string, name: string, value: string): boolean {
  const rules = TAGS[tag];
  if (!rules) return false;
  const check = Object.hasOwn(rules, name) ? rules[name] : Object.hasOwn(COMMON, name) ? COMMON[name] : undefined;
  return check !== undefined && check(value);
}

export function isAllowedTag(tag: string): boolean {
  return Object.hasOwn(TAGS, tag);
}

// A tag as the renderer writes it: lower-case name, attributes always double-quoted, values
// already escaped (no quote or angle bracket inside).
const TAG = /<(\/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*="[^"<>]*")*)\s*\/?>/y;
const ATTRIBUTE = /\s+([a-z][a-z0-9-]*)="([^"<>]*)"/g;

/** Checks a rendered HTML string: only allowed tags and attributes; text has no raw `<` or `>`.
 * Returns the first problem, or undefined when the string is clean. */
export function findDisallowedHtml(html: string): string | undefined {
  let at = 0;
  while (at < html.length) {
    const lt = html.indexOf('<', at);
    const gt = html.indexOf('>', at);
    if (gt >= 0 && (lt < 0 || gt < lt)) return `a raw ">" at ${gt}`;
    if (lt < 0) return undefined;
    TAG.lastIndex = lt;
    const m = TAG.exec(html);
    if (!m) return `something that is not an allowed tag at ${lt}: ${JSON.stringify(html.slice(lt, lt + 30))}`;
    const [, closing, name, attributes] = m as unknown as [string, string, string, string];
    if (!isAllowedTag(name)) return `the tag <${name}>`;
    if (closing && attributes) return `attributes on the closing tag </${name}>`;
    for (const [, attr, value] of attributes.matchAll(ATTRIBUTE) as Iterable<[string, string, string]>) {
      if (!isAllowedAttribute(name, attr, decodeEntities(value))) return `the attribute ${attr} on <${name}>`;
    }
    at = TAG.lastIndex;
  }
  return undefined;
}

/** The entities escapeHtml writes, decoded, so a value is checked as the browser will read it. */
function decodeEntities(value: string): string {
  return value.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? '',
  );
}
