// The first hour as a new user meets it: Alembic with no model yet (the status bar, its menu, the
// palette and the chat all point to Select Model and Download Model, and offer nothing that cannot
// work), the settings found where VS Code keeps them in a browser window (the Remote tab), and the
// editor menu's Alembic entries under Alembic.
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { chat } from './chat.helpers';
import { restoreTestModel, STATUS_ITEM, waitForReady } from './engine';

/** The settings editor's selected tab ("User", "Remote [127.0.0.1:…]") and the setting rows it shows. */
async function settingsEditor(ctx: ScenarioContext): Promise<{ tab: string; settings: string[] }> {
  const editor = ctx.page.locator('.part.editor .settings-editor');
  await editor.waitFor({ timeout: 15_000 });
  return waitFor(
    'the settings editor to list Alembic settings',
    async () => {
      const tab = (
        await editor
          .locator('.settings-tabs-widget .action-item.checked, .settings-tabs-widget .checked')
          .first()
          .innerText()
          .catch(() => '')
      ).trim();
      const settings = (await editor.locator('.setting-item-label, .setting-item-title').allInnerTexts()).map((t) =>
        t.trim(),
      );
      return tab && settings.some((t) => /Model/.test(t)) ? { tab, settings } : undefined;
    },
    20_000,
  );
}

export const firstHourScenarios = [
  scenario(
    'with no model, the status bar item says so with its own icon, its menu and the palette offer no ' +
      'Restart or Unload, and the chat offers Select and Download in place of Send',
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.wb.runCommand('View: Close All Editors');
      await ctx.editSetting('alembic.completion.model', '');
      try {
        const item = await waitFor(
          'the status bar to say there is no model',
          async () => {
            const i = await ctx.wb.statusItem(STATUS_ITEM);
            return i?.label.includes('no model selected') ? i : undefined;
          },
          30_000,
        );
        ctx.log(`no model: ${JSON.stringify(item)}`);
        check(item.text === 'Alembic: no model', `the item should ask for a model: "${item.text}"`);
        check(
          item.icons.length === 1 && item.icons[0] === 'cloud-download',
          `no model has its own icon (not ⊘), and no completion part: ${item.icons.join(', ')}`,
        );

        await ctx.wb.statusItemLocator(STATUS_ITEM).click();
        const menu = await waitFor(
          'the status menu',
          async () => {
            const rows = await ctx.wb.quickPickRows();
            return rows.some((r) => r.includes('Select Model')) ? rows : undefined;
          },
          10_000,
        );
        ctx.log(`menu: ${menu.join(' | ')}`);
        check(
          menu.some((r) => r.includes('Download Model…')),
          `the menu should offer the download: ${menu.join(' | ')}`,
        );
        check(
          !menu.some((r) => /Restart Engine|Unload Model|Snooze/.test(r)),
          `the menu should offer nothing that needs a model: ${menu.join(' | ')}`,
        );
        await ctx.wb.closeQuickInput();
        await ctx.page.keyboard.press('F1');
        await ctx.page.locator('.quick-input-widget input.input').fill('>Alembic: ');
        const palette = await waitFor(
          'the palette to list Alembic commands',
          async () => {
            const rows = await ctx.wb.quickPickRows();
            return rows.some((r) => r.includes('Alembic:')) ? rows : undefined;
          },
          10_000,
        );
        check(
          !palette.some((r) => /Alembic: (Restart Engine|Unload Model)/.test(r)),
          `the palette should not offer Restart or Unload without a model: ${palette.join(' | ')}`,
        );
        await ctx.wb.closeQuickInput();

        await ctx.wb.runCommand('Alembic: Focus Chat Input');
        const frame = chat(ctx);
        const notice = frame.locator('.composer .no-model');
        await waitFor('the chat to offer a model in place of Send', () => notice.isVisible(), 30_000);
        const buttons = (await notice.locator('button').allInnerTexts()).map((t) => t.trim());
        check(
          buttons.join('|') === 'Select Model…|Download Model…',
          `the composer should offer Select Model… and Download Model…: ${buttons.join(', ')}`,
        );
        check(await frame.locator('button.send-button').isDisabled(), 'Send should be off without a model');
        const turns = await frame.locator('.turn.user').count();
        const input = frame.locator('textarea.input');
        await input.click();
        await input.fill('What does this do?');
        await input.press('Enter');
        await ctx.page.waitForTimeout(500);
        check((await frame.locator('.turn.user').count()) === turns, 'nothing should be sent without a model');
        check((await input.inputValue()) === 'What does this do?', 'the draft should be kept');
        await ctx.screenshot('chat-no-model', { readme: true });
        await notice.locator('button', { hasText: 'Select Model…' }).click();
        await waitFor(
          'the model picker',
          async () => (await ctx.wb.quickPickRows()).some((r) => r.includes('Browse for a .gguf file')),
          10_000,
        );
        await ctx.wb.closeQuickInput();
        await input.fill('');
      } finally {
        await restoreTestModel(ctx);
      }
      await waitForReady(ctx, 45_000);
      await waitFor(
        'the chat to offer Send again',
        async () => !(await chat(ctx).locator('.composer .no-model').isVisible()),
        15_000,
      );
      await ctx.wb.runCommand('View: Close All Editors');
    },
    { timeoutMs: 150_000 },
  ),

  scenario(
    '"Alembic: Open Settings" and Select Model\'s "Open Setting" show the model settings on the Remote tab, where a browser window keeps them',
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.wb.runCommand('View: Close All Editors');
      await ctx.wb.runCommand('Alembic: Open Settings');
      const opened = await settingsEditor(ctx);
      ctx.log(`Open Settings: tab "${opened.tab}", ${opened.settings.slice(0, 6).join(' | ')}`);
      check(/^Remote/.test(opened.tab), `the Remote tab should be selected: "${opened.tab}"`);
      check(
        opened.settings.some((s) => /Completion: Model/.test(s) || /^Model$/.test(s)),
        `the model setting should be listed: ${opened.settings.join(' | ')}`,
      );
      await ctx.screenshot('settings-remote-tab');
      await ctx.wb.runCommand('View: Close All Editors');

      // Select Model: the current file, for completions and chat; the message says where it is saved.
      await ctx.wb.runCommand('Alembic: Select Model…');
      await ctx.wb.pick('test-model.gguf', 'test-model');
      await ctx.wb.pick('Completions and chat', 'Completions and chat');
      const saved = await ctx.wb.waitForNotification('where the model is saved', (n) =>
        n.message.includes('It is saved in your Remote settings (alembic.completion.model)'),
      );
      ctx.log(`Select Model: "${saved.message}" [${saved.buttons.join(', ')}]`);
      check(
        saved.buttons.includes('Open Setting'),
        `the message should offer the setting: ${saved.buttons.join(', ')}`,
      );
      await ctx.page
        .locator('.notification-list-item', { hasText: 'It is saved in your Remote settings' })
        .locator('.monaco-button', { hasText: 'Open Setting' })
        .click();
      const setting = await settingsEditor(ctx);
      check(/^Remote/.test(setting.tab), `the Remote tab should be selected: "${setting.tab}"`);
      await ctx.wb.runCommand('View: Close All Editors');
      await waitForReady(ctx);
    },
    { timeoutMs: 90_000 },
  ),

  scenario(
    'the editor\'s context menu has Alembic\'s entries, "Add Selection to Chat" included, under Alembic',
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.wb.runCommand('View: Close All Editors');
      await ctx.wb.runCommand('Go to File...');
      await ctx.wb.pick('cart.js', 'cart.js');
      await waitFor('the cart.js tab', async () => (await ctx.wb.activeTabTitle()) === 'cart.js', 10_000);
      await ctx.wb.activeEditor().click({ position: { x: 200, y: 10 } });
      await ctx.page.keyboard.press('Control+A');
      await ctx.wb.activeEditor().click({ position: { x: 200, y: 30 }, button: 'right' });
      const menu = ctx.page.locator('.context-view .monaco-menu').first();
      await menu.waitFor({ timeout: 10_000 });
      const top = (await menu.locator('.action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
      ctx.log(`context menu: ${top.join(' | ')}`);
      check(!top.includes('Add Selection to Chat'), `no bare "Add Selection to Chat" at the top: ${top.join(' | ')}`);
      await menu.locator('.action-label', { hasText: /^Alembic$/ }).hover();
      const submenu = ctx.page.locator('.context-view .monaco-menu').nth(1);
      await waitFor('the Alembic submenu', () => submenu.isVisible(), 5000);
      const entries = (await submenu.locator('.action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
      ctx.log(`Alembic submenu: ${entries.join(' | ')}`);
      check(entries.includes('Add Selection to Chat'), `the Alembic submenu should have it: ${entries.join(' | ')}`);
      check(entries.includes('Explain'), `and Explain: ${entries.join(' | ')}`);
      await ctx.page.keyboard.press('Escape');
      await ctx.page.keyboard.press('Escape');
      await ctx.wb.runCommand('View: Close All Editors');
    },
  ),
];
