// What a user sees for a setting value Alembic cannot use (issue 14.13): one warning naming the
// setting, the value and the default used instead, whose Open Setting button shows that setting.
import { check, scenario } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { waitForReady } from './engine';

export const settingsScenarios = [
  scenario(
    'an invalid setting value gets one warning naming the setting and the fallback, and its Open Setting button shows the setting',
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.wb.runCommand('View: Close All Editors');
      await ctx.wb.clearNotifications();
      // "rocm" is not one of the backends: Alembic falls back to "auto" (a restart of the engine,
      // still on the CPU here) and says so once.
      await ctx.editSetting('alembic.engine.gpu', 'rocm');
      try {
        const warning = /alembic\.engine\.gpu is "rocm".*uses "auto" instead/;
        const note = await ctx.wb.waitForNotification('the invalid-setting warning', (n) => warning.test(n.message));
        ctx.log(`notification: "${note.message}" [${note.buttons.join(', ')}]`);
        check(
          note.buttons.includes('Open Setting'),
          `the warning offers Open Setting: ${JSON.stringify(note.buttons)}`,
        );
        await waitForReady(ctx, 90_000);
        const same = (await ctx.wb.notifications()).filter((n) => warning.test(n.message));
        check(same.length === 1, `one warning, not one per read of the setting: ${same.length}`);
        await ctx.page
          .locator('.notifications-toasts .notification-list-item .monaco-button', { hasText: 'Open Setting' })
          .first()
          .click();
        await waitFor(
          'the Settings editor at alembic.engine.gpu',
          async () =>
            (await ctx.wb.activeTabTitle()) === 'Settings' &&
            (await ctx.page
              .locator('.settings-editor .setting-item-contents', { hasText: 'Which compute backend runs the model' })
              .count()) > 0,
          15_000,
        );
        await ctx.wb.runCommand('View: Close Editor');
      } finally {
        await ctx.editSetting('alembic.engine.gpu', 'off');
      }
      await waitForReady(ctx, 90_000);
    },
    { timeoutMs: 240_000 },
  ),
];
