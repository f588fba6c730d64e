// Inline completions as the user sees them: ghost text from the test model while typing, Tab to
// accept, the status bar's latency, and the toggle.
import { FIM_ANSWER } from '../../fixtures/makeTestModel';
import { goToLineEnd, openScratchFile } from '../harness/files';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { STATUS_ITEM, waitForReady } from './engine';

export const SOURCE = 'export function total(items) {\n  return\n}\n';
/** The end of the test model's answer, in every form a suggestion takes (cut before the rest of
 * a line, or completing a selected item): ghost text with it is the whole suggestion, not the first
 * words a slow answer shows while it is being written. */
export const WHOLE_ANSWER = 'item.price, 0)';

export async function ghostText(ctx: ScenarioContext): Promise<string> {
  // Beside the suggest widget, the part that completes the selected item is drawn as a preview.
  const parts = ctx.page.locator(
    '.part.editor .ghost-text-decoration, .part.editor .ghost-text-decoration-preview, .part.editor .ghost-text',
  );
  return (await parts.allInnerTexts()).join('').replace(/\u00a0/g, ' ');
}

/** Opens `file` with SOURCE, types a space after its `return` and waits for the test model's
 * answer as ghost text (`what` names where it comes from in a timeout's message); checks that it
 * is exactly that answer and returns it as shown. */
export async function typeForFimGhostText(ctx: ScenarioContext, file: string, what: string): Promise<string> {
  await openScratchFile(ctx, file, SOURCE);
  await goToLineEnd(ctx, 2);
  await ctx.page.keyboard.type(' ', { delay: 50 });
  const shown = await waitFor(
    what,
    async () => {
      const text = await ghostText(ctx);
      return text.includes(WHOLE_ANSWER) ? text : undefined;
    },
    30_000,
  );
  check(shown.trim() === FIM_ANSWER, `the ghost text should be the model's completion, shows "${shown}"`);
  return shown;
}

export async function lineText(ctx: ScenarioContext, line: number): Promise<string> {
  return (await ctx.wb.activeEditorText()).split('\n')[line - 1] ?? '';
}

export const completionScenarios = [
  scenario('typing in a file shows ghost text from the test model, and Tab accepts it', async (ctx) => {
    await waitForReady(ctx);
    await ctx.wb.runCommand('View: Close All Editors'); // a walkthrough or webview left open takes the focus
    await typeForFimGhostText(ctx, 'total.js', 'ghost text');
    await ctx.screenshot('ghost-text', { region: 'editor', readme: true });
    await ctx.page.keyboard.press('Tab');
    await waitFor(
      'the ghost text to be accepted',
      async () => (await ghostText(ctx)) === '' || !(await ghostText(ctx)).includes('items.reduce'),
      5000,
    ).catch(() => undefined);
    await ctx.page.keyboard.press('Escape'); // the provider may answer again at the new position
    const line = await lineText(ctx, 2);
    check(line === `  return ${FIM_ANSWER}`, `Tab should insert the suggestion: "${line}"`);
    const item = await ctx.wb.statusItem(STATUS_ITEM);
    check(/\d+ ms/.test(item?.text ?? ''), `the status bar should show the last completion's latency: "${item?.text}"`);
    await ctx.wb.runCommand('View: Revert and Close Editor');
  }),

  scenario(
    '"Toggle Inline Completions" turns ghost text off and on again, and off reads apart from snoozed',
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.wb.runCommand('View: Close All Editors');
      await ctx.wb.runCommand('Alembic: Toggle Inline Completions');
      try {
        const off = await waitFor(
          'the status bar to show completions are off',
          async () => {
            const item = await ctx.wb.statusItem(STATUS_ITEM);
            return item?.label.includes('Inline completions: off.') ? item : undefined;
          },
          10_000,
        );
        ctx.log(`off: ${JSON.stringify(off)}`);
        check(!/inline completions: inline/i.test(off.label), `the label should not repeat itself: "${off.label}"`);
        check(off.icons.includes('circle-slash'), `off shows ⊘: ${off.icons.join(', ')}`);
        await openScratchFile(ctx, 'off.js', SOURCE);
        await goToLineEnd(ctx, 2);
        await ctx.page.keyboard.type(' ', { delay: 50 });
        await ctx.page.waitForTimeout(2500);
        check(!(await ghostText(ctx)).includes('items.reduce'), 'no ghost text while completions are off');
        await ctx.wb.runCommand('View: Revert and Close Editor');
      } finally {
        await ctx.wb.runCommand('Alembic: Toggle Inline Completions');
      }
      await waitFor(
        'the status bar to show completions are on',
        async () => !(await ctx.wb.statusItem(STATUS_ITEM))?.label.includes('Inline completions: off'),
        10_000,
      );
      await ctx.wb.runCommand('Alembic: Snooze Inline Completions for 5 Minutes');
      try {
        const snoozed = await waitFor(
          'the status bar to show completions snoozed',
          async () => {
            const item = await ctx.wb.statusItem(STATUS_ITEM);
            return item?.label.includes('Inline completions: snoozed until') ? item : undefined;
          },
          10_000,
        );
        ctx.log(`snoozed: ${JSON.stringify(snoozed)}`);
        check(
          snoozed.icons.includes('bell-slash') && !snoozed.icons.includes('circle-slash'),
          `snoozed has its own icon: ${snoozed.icons.join(', ')}`,
        );
      } finally {
        // Toggle ends the snooze (completions off); a second one, once the first has been seen,
        // turns them on again.
        await ctx.wb.runCommand('Alembic: Toggle Inline Completions');
        await waitFor(
          'completions off',
          async () => (await ctx.wb.statusItem(STATUS_ITEM))?.label.includes('Inline completions: off.'),
          10_000,
        ).catch(() => undefined);
        await ctx.wb.runCommand('Alembic: Toggle Inline Completions');
      }
      const after = await waitFor(
        'the snooze to end with completions on',
        async () => {
          const item = await ctx.wb.statusItem(STATUS_ITEM);
          return item && !/snoozed|Inline completions: off/.test(item.label) ? item : undefined;
        },
        10_000,
      );
      ctx.log(`after: ${JSON.stringify(after)}`);
    },
  ),
];
