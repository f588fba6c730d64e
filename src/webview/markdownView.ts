// Puts rendered markdown into the DOM. The HTML comes from the shared renderer (already escaped,
// allow-listed as a string); here it is parsed inside an inert <template> (nothing in it loads or
// runs) and every element and attribute is checked again against the same allow-list before the
// nodes enter the page. Anything unexpected is replaced by its text.
import { isAllowedAttribute, isAllowedTag } from '../core/chat/htmlAllowList';
import { renderMarkdown } from '../core/chat/markdownRenderer';

export function setMarkdown(target: HTMLElement, source: string): void {
  const { html } = renderMarkdown(source);
  const template = document.createElement('template');
  template.innerHTML = html;
  scrub(template.content);
  target.replaceChildren(template.content);
}

function scrub(root: ParentNode): void {
  for (const element of [...root.querySelectorAll('*')]) {
    const tag = element.tagName.toLowerCase();
    if (!isAllowedTag(tag)) {
      element.replaceWith(document.createTextNode(element.textContent ?? ''));
      continue;
    }
    for (const attribute of [...element.attributes]) {
      if (!isAllowedAttribute(tag, attribute.name, attribute.value)) element.removeAttribute(attribute.name);
    }
  }
}
