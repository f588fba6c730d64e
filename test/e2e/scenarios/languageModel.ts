// Alembic's model in VS Code's own chat, on a VS Code with the language-model provider API (1.104
// and later; the suite runs these on the current stable). VS Code's chat lists the model in its
// model picker, named as the engine reports it, with "Alembic · local" beside it. (Answering in
// VS Code's chat view also needs GitHub Copilot's sign-in, which VS Code asks for before it sends
// anything; other extensions get answers through vscode.lm without it, see test/vscode.)
import { check, scenario } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { TEST_MODEL_NAME, waitForReady } from './engine';

export const languageModelScenarios = [
  scenario(
    "VS Code's chat offers Alembic's model in its model picker, with its name and where it runs",
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.editSetting('chat.disableAIFeatures', false);
      try {
        await ctx.wb.runCommand('View: Close All Editors');
        await ctx.page.keyboard.press('Control+Alt+KeyI'); // Chat: Open Chat
        const picker = ctx.page.locator('.interactive-input-part .action-label', { hasText: TEST_MODEL_NAME }).first();
        await picker.waitFor({ state: 'visible', timeout: 30_000 });
        await picker.click();
        const row = ctx.page.locator('.action-widget .monaco-list-row', { hasText: TEST_MODEL_NAME }).first();
        await row.waitFor({ state: 'visible', timeout: 10_000 });
        const text = await waitFor(
          "the picker's row for the model",
          async () => ((await row.innerText()).includes('Alembic') ? row.innerText() : undefined),
          10_000,
        ).catch(async () => row.innerText());
        await ctx.screenshot('vscode-chat-model-picker', { readme: true });
        check(text.includes(TEST_MODEL_NAME), `the picker should list the test model: "${text}"`);
        await ctx.page.keyboard.press('Escape');
      } finally {
        await ctx.editSetting('chat.disableAIFeatures', true);
        await ctx.wb.runCommand('View: Close All Editors');
      }
    },
    { timeoutMs: 90_000 },
  ),
];
