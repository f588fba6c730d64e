// When and how suggestions appear, as a newcomer tries them: with IntelliSense's suggest widget
// open, where the cursor comes to rest, on Alt+\, and what the status bar says when the model is
// too slow for its timeout.
import { FIM_ANSWER } from '../../fixtures/makeTestModel';
import { goToLineEnd, openScratchFile } from '../harness/files';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { ghostText, lineText, SOURCE, WHOLE_ANSWER } from './completion';
import { STATUS_ITEM, waitForReady } from './engine';

/** VS Code's default (suggestions while typing code), and what the harness starts with. */
const QUICK_SUGGESTIONS_ON = { other: 'on', comments: 'off', strings: 'off' };
const QUICK_SUGGESTIONS_OFF = { other: 'off', comments: 'off', strings: 'off' };

/** The suggest widget, when it is open. */
const suggestWidget = (ctx: ScenarioContext) => ctx.page.locator('.editor-widget.suggest-widget.visible');

/** Moves the cursor to a 1-based line and column with "Go to Line", and checks it got there. */
async function goTo(ctx: ScenarioContext, line: number, column: number): Promise<void> {
  const position = ctx.page.locator('.part.statusbar .statusbar-item[id="status.editor.selection"]');
  await ctx.wb.activeEditor().click({ position: { x: 300, y: 10 } });
  await ctx.page.keyboard.press('Control+G');
  const input = ctx.page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 5000 });
  await input.fill(`:${line}:${column}`);
  await ctx.page.keyboard.press('Enter');
  await waitFor(
    `the cursor at line ${line}, column ${column}`,
    async () => (await position.innerText()).includes(`Ln ${line}, Col ${column}`),
    5000,
  );
}

async function waitForGhostText(
  ctx: ScenarioContext,
  what: string,
  timeoutMs = 30_000,
  shows = WHOLE_ANSWER,
): Promise<string> {
  return waitFor(
    what,
    async () => {
      const text = await ghostText(ctx);
      return text.includes(shows) ? text : undefined;
    },
    timeoutMs,
  );
}

export const completionTriggerScenarios = [
  scenario(
    'putting the cursor at the end of a line with code and waiting shows a suggestion, with no key typed',
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.wb.runCommand('View: Close All Editors');
      await openScratchFile(ctx, 'rest.js', 'export function total(items) {\n  return \n}\n');
      await goToLineEnd(ctx, 2);
      const shown = await waitForGhostText(ctx, 'ghost text where the cursor rests');
      check(shown.trim() === FIM_ANSWER, `the ghost text should be the model's completion, shows "${shown}"`);
      const dirty = await ctx.page.locator('.part.editor .tab.active.dirty').count();
      check(dirty === 0, 'nothing was typed: the file is unchanged');
      await ctx.page.keyboard.press('Tab');
      await waitFor('Tab to take the ghost text', async () => (await ghostText(ctx)) === '', 5000).catch(
        () => undefined,
      );
      const line = await lineText(ctx, 2); // reads the editor by scrolling: only after Tab
      check(line === `  return ${FIM_ANSWER}`, `Tab should insert the suggestion: "${line}"`);
      await ctx.wb.runCommand('View: Revert and Close Editor');
    },
  ),

  scenario(
    'Alt+\\ asks for a suggestion where Alembic would not offer one by itself (code right of the cursor)',
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.wb.runCommand('View: Close All Editors');
      await openScratchFile(
        ctx,
        'explicit.js',
        'export function total(items) {\n  return ; // the sum of the prices\n}\n',
      );
      await goTo(ctx, 2, 10); // after "  return "
      await ctx.page.waitForTimeout(1500);
      check(!(await ghostText(ctx)).includes('items.reduce'), 'no suggestion before Alt+\\ is pressed');
      await ctx.page.keyboard.press('Alt+Backslash');
      const shown = await waitForGhostText(ctx, 'ghost text after Alt+\\');
      ctx.log(`ghost text after Alt+\\: "${shown}"`);
      check(shown.startsWith('items.reduce((sum, item) => sum + item.price, 0)'), `the model's completion: "${shown}"`);
      await ctx.page.keyboard.press('Escape');
      await ctx.wb.runCommand('View: Revert and Close Editor');
    },
  ),

  scenario('with quick suggestions on, the ghost text extends the item selected in the suggest widget', async (ctx) => {
    await waitForReady(ctx);
    await ctx.wb.runCommand('View: Close All Editors');
    await ctx.editSetting('editor.quickSuggestions', QUICK_SUGGESTIONS_ON);
    try {
      await openScratchFile(ctx, 'suggest.js', SOURCE);
      await goToLineEnd(ctx, 2);
      await ctx.page.keyboard.type(' it', { delay: 80 });
      const widget = suggestWidget(ctx);
      await widget.waitFor({ timeout: 15_000 });
      // The test model answers FIM_ANSWER whatever comes before; asked after the item "items" it
      // repeats the word, while a suggestion cached for "return " (an earlier scenario) continues
      // it by typed-ahead. Either way the model's text follows the whole item.
      const shown = await waitForGhostText(ctx, 'ghost text beside the suggest widget', 30_000);
      const item = (await widget.locator('.monaco-list-row.focused .label-name').first().innerText()).trim();
      ctx.log(`selected item "${item}", ghost text "${shown}"`);
      check(await widget.isVisible(), 'the suggest widget stays open beside the ghost text');
      check(item.startsWith('it'), `the selected item completes "it": "${item}"`);
      const rest = shown.slice(item.length - 2);
      check(
        shown.startsWith(item.slice(2)) && (rest === FIM_ANSWER || FIM_ANSWER.endsWith(rest)) && rest.length > 0,
        `the ghost text should be the rest of "${item}" and then the model's completion: "${shown}"`,
      );
      await ctx.screenshot('ghost-text-with-suggestions', { region: 'editor', readme: true });
      // Tab belongs to the suggest widget while it is open: it inserts the item, and the model's
      // text goes on showing as ghost text after it.
      await ctx.page.keyboard.press('Tab');
      await waitFor('the suggest widget to close on Tab', async () => !(await widget.isVisible()), 5000);
      const after = await waitForGhostText(ctx, 'ghost text after the item is taken', 15_000);
      ctx.log(`ghost text after Tab: "${after}"`);
      // Quick suggestions may open the suggest widget again after the insertion: Escape closes
      // that first, and the next Escape dismisses the ghost text.
      for (let press = 1; ; press++) {
        await ctx.page.keyboard.press('Escape');
        const gone = await waitFor(
          'Escape to dismiss the ghost text',
          async () => (await ghostText(ctx)) === '',
          3000,
        ).then(
          () => true,
          (e: unknown) => (press === 3 ? Promise.reject(e) : false),
        );
        if (gone) break;
        ctx.log(`ghost text still shown after Escape ${press} (suggest widget open: ${await widget.isVisible()})`);
      }
      const line = await lineText(ctx, 2);
      check(line === `  return ${item}`, `Tab should insert the selected item only: "${line}"`);
      await ctx.page.keyboard.press('Escape');
      await ctx.wb.runCommand('View: Revert and Close Editor');
    } finally {
      await ctx.editSetting('editor.quickSuggestions', QUICK_SUGGESTIONS_OFF);
    }
  }),

  scenario(
    'when suggestions keep timing out, the status bar says so with the figure and a notification offers the ways out',
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.wb.runCommand('View: Close All Editors');
      await ctx.wb.clearNotifications();
      await ctx.editSetting('alembic.completion.timeoutMs', 1);
      try {
        await openScratchFile(ctx, 'slow.js', SOURCE);
        await goToLineEnd(ctx, 2);
        // Every keystroke is a request that runs out of its 1 ms; keep typing until the warning shows.
        const item = await waitFor(
          'the status bar to report timed-out suggestions',
          async () => {
            await ctx.page.keyboard.type('i', { delay: 0 });
            await ctx.page.waitForTimeout(900);
            const status = await ctx.wb.statusItem(STATUS_ITEM);
            return /\d+ of the last \d+ suggestions timed out after 1 ms/.test(status?.label ?? '')
              ? status
              : undefined;
          },
          45_000,
          0,
        );
        ctx.log(`status bar: "${item.text}" (${item.label})`);
        check(/timed out/.test(item.text), `the item itself says suggestions time out: "${item.text}"`);
        await ctx.screenshot('completion-timeouts', { region: 'statusbar-right', readme: true });
        const note = await ctx.wb.waitForNotification('the timeout warning', (n) =>
          /timed out after 1 ms/.test(n.message),
        );
        ctx.log(`notification: "${note.message}" [${note.buttons.join(', ')}]`);
        for (const button of ['Smaller Model…', 'GPU Setting', 'Timeout Setting'])
          check(note.buttons.includes(button), `the notification offers "${button}": ${JSON.stringify(note.buttons)}`);
        await ctx.page
          .locator('.notifications-toasts .notification-list-item .monaco-button', { hasText: 'Timeout Setting' })
          .first()
          .click();
        await waitFor(
          'the Settings editor at the timeout setting',
          async () =>
            (await ctx.wb.activeTabTitle()) === 'Settings' &&
            (await ctx.page.locator('.settings-editor .setting-item-contents', { hasText: 'Timeout Ms' }).count()) > 0,
          15_000,
        );
        await ctx.wb.runCommand('View: Close Editor');
        await waitFor('the scratch file again', async () => (await ctx.wb.activeTabTitle()) === 'slow.js', 10_000);
        await ctx.wb.runCommand('View: Revert and Close Editor');
      } finally {
        await ctx.editSetting('alembic.completion.timeoutMs', 3000);
      }
      await waitFor(
        'the warning to go once the timeout is back to 3 s',
        async () => !(await ctx.wb.statusItem(STATUS_ITEM))?.label.includes('timed out'),
        10_000,
      );
    },
  ),
];
