// Next edit suggestions as the user sees them, on the Qwen-vocabulary test model scripted to answer
// the rename sequence's Sweep prompt with the renamed file: after a rename in one place, the next use
// is offered as a decoration with a jump hint; Tab goes there, Tab again applies it, one undo takes
// back only that edit; Escape dismisses a suggestion and changes nothing.
import { NES_SCENARIOS } from '../../../src/core/bench/nesScenarios';
import { testModelPath } from '../../helpers/testModel';
import { openScratchFile } from '../harness/files';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { STATUS_ITEM, waitForReady } from './engine';

const RENAME = NES_SCENARIOS.find((s) => s.name === 'rename')!;
const CURSOR = '.part.statusbar .statusbar-item[id="status.editor.selection"]';

/** What the editor shows of a next edit: struck-through text and the text shown beside it. */
interface Shown {
  struck: string[];
  inserted: string[];
  hints: string[];
}

async function shownEdit(ctx: ScenarioContext): Promise<Shown> {
  return ctx.page.evaluate(() => {
    const out = { struck: [] as string[], inserted: [] as string[], hints: [] as string[] };
    for (const el of document.querySelectorAll('.part.editor .view-lines span, .part.editor .view-overlays div')) {
      const style = getComputedStyle(el);
      if (style.textDecorationLine.includes('line-through') && el.textContent) out.struck.push(el.textContent);
      const after = getComputedStyle(el, '::after').content;
      if (after && after !== 'none' && after !== 'normal') {
        const text = JSON.parse(after.startsWith('"') ? after : JSON.stringify(after)) as string;
        (text.includes('Tab: next edit') ? out.hints : out.inserted).push(text.trim());
      }
    }
    return out;
  });
}

/** The editor's lines as shown (the file is short enough to be all on screen). Read from the page
 * rather than with the harness's activeEditorText(), which moves the cursor to scroll. */
async function editorLines(ctx: ScenarioContext): Promise<string[]> {
  return ctx.wb.activeEditor().evaluate((root) => {
    const numbers = new Map(
      [...root.querySelectorAll<HTMLElement>('.margin-view-overlays > div')].map((row) => [
        row.style.top,
        Number(row.querySelector('.line-numbers')?.textContent ?? 0),
      ]),
    );
    const lines: string[] = [];
    for (const line of root.querySelectorAll<HTMLElement>('.view-lines > .view-line')) {
      const n = numbers.get(line.style.top) ?? 0;
      // The decorations' ::after text is not in textContent: what is read is the file's text.
      if (n > 0) lines[n - 1] = (line.textContent ?? '').replace(/\u00a0/g, ' ');
    }
    return lines;
  });
}

async function lineText(ctx: ScenarioContext, line: number): Promise<string> {
  return (await editorLines(ctx))[line - 1] ?? '';
}

async function cursorLine(ctx: ScenarioContext): Promise<number> {
  return Number(/Ln (\d+),/.exec(await ctx.page.locator(CURSOR).innerText())?.[1] ?? 0);
}

async function waitForSuggestion(ctx: ScenarioContext, what: string, test: (s: Shown) => boolean): Promise<Shown> {
  return waitFor(
    what,
    async () => {
      const shown = await shownEdit(ctx);
      return test(shown) ? shown : undefined;
    },
    30_000,
  );
}

/** Points next edits at the Qwen test model (Sweep format) with inline completions off, runs
 * `body`, and puts the settings back. */
async function withNextEditModel(ctx: ScenarioContext, body: () => Promise<void>): Promise<void> {
  await waitForReady(ctx);
  await ctx.wb.runCommand('View: Close All Editors');
  await ctx.wb.runCommand('Alembic: Toggle Inline Completions'); // ghost text would take Tab first
  try {
    await ctx.editSetting('alembic.nextEdit.format', 'sweep');
    await ctx.editSetting('alembic.nextEdit.model', testModelPath('qwen'));
    await waitFor(
      'the status item to say inline completions are off',
      async () => (await ctx.wb.statusItem(STATUS_ITEM))?.label.includes('Inline completions: off.'),
      10_000,
    );
    await waitFor(
      'the status item to say next edits are on with the Qwen model',
      async () => (await ctx.wb.statusItem(STATUS_ITEM))?.label.includes('Next edits: on with Qwen2.5 Coder Tiny'),
      60_000,
    );
    await body();
  } finally {
    await ctx.wb.runCommand('View: Revert and Close Editor').catch(() => undefined);
    await ctx.editSetting('alembic.nextEdit.model', '');
    await ctx.editSetting('alembic.nextEdit.format', 'auto');
    await ctx.wb.runCommand('Alembic: Toggle Inline Completions');
    // Back on before the next scenario toggles again (two toggles in flight read the same value).
    await waitFor(
      'the status item to say inline completions are on',
      async () => !(await ctx.wb.statusItem(STATUS_ITEM))?.label.includes('Inline completions: off.'),
      10_000,
    );
    await waitForReady(ctx, 60_000);
  }
}

/** Renames `total` to `sum` in its declaration on line 2, as a user types it. */
async function renameDeclaration(ctx: ScenarioContext): Promise<void> {
  await openScratchFile(ctx, RENAME.path, RENAME.before);
  await ctx.wb.activeEditor().click({ position: { x: 300, y: 10 } });
  await ctx.page.keyboard.press('Control+G');
  await ctx.page.locator('.quick-input-widget input.input').fill(':2:7');
  await ctx.page.keyboard.press('Enter');
  for (let i = 0; i < 5; i++) await ctx.page.keyboard.press('Shift+ArrowRight');
  await ctx.page.keyboard.type('sum', { delay: 60 });
  check((await lineText(ctx, 2)) === '  let sum = 0;', `the rename should be typed: "${await lineText(ctx, 2)}"`);
}

export const nextEditScenarios = [
  scenario(
    'after a variable is renamed in one place, the next edit at its next use is offered as a ' +
      'decoration; Tab jumps there, Tab applies it, and one undo restores it',
    async (ctx) => {
      await withNextEditModel(ctx, async () => {
        await renameDeclaration(ctx);
        const shown = await waitForSuggestion(
          ctx,
          'the next use of total struck through, sum beside it and a jump hint',
          (s) => s.struck.includes('total') && s.inserted.includes('sum') && s.hints.length > 0,
        );
        check(/line 4/.test(shown.hints[0]!), `the hint should name line 4: "${shown.hints[0]}"`);
        const lines = await editorLines(ctx);
        check(
          lines.join('\n') === RENAME.before.replace('let total', 'let sum'),
          `nothing else changed: ${lines.join(' | ')}`,
        );
        await ctx.screenshot('next-edit-suggestion', { region: 'editor', readme: true });

        await ctx.page.keyboard.press('Tab');
        await waitFor('the cursor on the edit’s line', async () => (await cursorLine(ctx)) === 4, 5000);
        check((await lineText(ctx, 4)) === '    total += order.amount;', 'Tab only moves the cursor at first');
        await waitForSuggestion(ctx, 'the jump hint to go once the cursor is on the edit', (s) => s.hints.length === 0);
        await ctx.screenshot('next-edit-at-edit', { region: 'editor', readme: true });

        await ctx.page.keyboard.press('Tab');
        await waitFor(
          'Tab to apply the edit',
          async () => (await lineText(ctx, 4)) === '    sum += order.amount;',
          5000,
        );
        // The rest of the model's answer comes next at once: the following use of total.
        await waitForSuggestion(ctx, 'the following use to be offered', (s) => s.struck.includes('total'));

        await ctx.page.keyboard.press('Control+Z');
        await waitFor(
          'one undo to restore the line',
          async () => (await lineText(ctx, 4)) === '    total += order.amount;',
          5000,
        );
        check((await lineText(ctx, 2)) === '  let sum = 0;', 'the undo takes back only the accepted edit');
      });
    },
    { timeoutMs: 240_000 },
  ),

  scenario(
    'Escape dismisses a next edit suggestion and changes nothing',
    async (ctx) => {
      await withNextEditModel(ctx, async () => {
        await renameDeclaration(ctx);
        await waitForSuggestion(ctx, 'a next edit to be offered', (s) => s.struck.includes('total'));
        const before = (await editorLines(ctx)).join('\n');
        await ctx.page.keyboard.press('Escape');
        await waitForSuggestion(ctx, 'the suggestion to go', (s) => s.struck.length === 0 && s.inserted.length === 0);
        await ctx.page.waitForTimeout(1500); // not offered again while nothing is typed
        const after = await shownEdit(ctx);
        check(after.struck.length === 0, `the dismissed edit should stay dismissed: ${JSON.stringify(after)}`);
        check((await editorLines(ctx)).join('\n') === before, 'Escape changes nothing in the file');
      });
    },
    { timeoutMs: 240_000 },
  ),
];
