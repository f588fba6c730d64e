// A tiny element builder for the webview. Text always goes in as text nodes (never as HTML); the
// only HTML the webview parses is sanitized markdown (markdownView.ts).

type Child = Node | string | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** A codicon from the bundled font. */
export function icon(name: string, extra = ''): HTMLSpanElement {
  return h('span', { class: `codicon codicon-${name}${extra ? ` ${extra}` : ''}`, 'aria-hidden': 'true' });
}

/** A button with an icon and an accessible name. */
export function iconButton(name: string, label: string, className = ''): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', class: `icon-button ${className}`.trim(), title: label, 'aria-label': label },
    icon(name),
  );
}
