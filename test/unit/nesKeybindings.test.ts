// The next-edit keys as package.json contributes them: Tab and Escape must not take over what they
// do elsewhere while a next edit is shown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { keybindings: { command: string; key: string; when?: string }[] };
};
const binding = (command: string) => pkg.contributes.keybindings.find((k) => k.command === command);

describe('next-edit keybindings', () => {
  test('Tab goes to or accepts a next edit only while one is shown and nothing else wants Tab', () => {
    const tab = binding('alembic.nextEdit.tab');
    assert.equal(tab?.key, 'tab');
    const when = tab?.when ?? '';
    for (const clause of [
      'alembic.nextEdit.visible',
      'editorTextFocus',
      '!editorReadonly',
      '!inlineSuggestionVisible',
      '!suggestWidgetVisible',
      '!inSnippetMode',
      '!editorTabMovesFocus',
    ])
      assert.ok(when.split(' && ').includes(clause), `Tab's when clause lacks ${clause}: ${when}`);
  });

  test('Escape dismisses a next edit only when no inline suggestion, suggest widget or find widget would take it', () => {
    const escape = binding('alembic.nextEdit.dismiss');
    assert.equal(escape?.key, 'escape');
    const when = escape?.when ?? '';
    for (const clause of [
      'alembic.nextEdit.visible',
      '!inlineSuggestionVisible',
      '!suggestWidgetVisible',
      '!findWidgetVisible',
    ])
      assert.ok(when.split(' && ').includes(clause), `Escape's when clause lacks ${clause}: ${when}`);
  });
});
