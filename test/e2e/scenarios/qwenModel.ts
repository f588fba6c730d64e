// Alembic on a Qwen2.5-Coder file as a user has one: the Qwen-vocabulary test model (Qwen's real
// BPE, metadata and chat template). Ghost text goes through Qwen's repository-level FIM prompt, and
// a chat answer through node-llama-cpp's Qwen chat wrapper, with its <think> block folded.
import { CHAT_THOUGHT } from '../../fixtures/makeTestModel';
import { testModelPath } from '../../helpers/testModel';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { answers, chat, lastAnswerDone, newChat, send } from './chat.helpers';
import { typeForFimGhostText } from './completion';
import { STATUS_ITEM, waitForReady } from './engine';

const QWEN_NAME = 'Qwen2.5 Coder Tiny Instruct';

async function waitForQwen(ctx: ScenarioContext): Promise<void> {
  await waitFor(
    `the status bar to say "${QWEN_NAME} … ready on CPU"`,
    async () => {
      const label = (await ctx.wb.statusItem(STATUS_ITEM))?.label ?? '';
      return label.includes(QWEN_NAME) && label.includes('ready on CPU');
    },
    60_000,
  );
}

/** Points the completion model (and so the chat) at the Qwen model, runs `body`, and puts the suite's model back. */
async function onQwenModel(ctx: ScenarioContext, body: () => Promise<void>): Promise<void> {
  await waitForReady(ctx);
  const qwen = testModelPath('qwen');
  try {
    await ctx.editSetting('alembic.completion.model', qwen);
    await waitForQwen(ctx);
    await body();
  } finally {
    await ctx.wb.runCommand('View: Close All Editors').catch(() => undefined);
    for (let attempt = 1; ctx.savedSetting('alembic.completion.model') !== ctx.modelPath; attempt++) {
      // eslint-disable-next-line no-unsafe-finally -- later scenarios would run on the Qwen model: this failure outranks the scenario's own
      if (attempt > 3) throw new Error('could not put the test model back into settings.json');
      await ctx
        .editSetting('alembic.completion.model', ctx.modelPath)
        .catch((e: unknown) => ctx.log(`restoring the setting failed: ${e}`));
    }
    await waitForReady(ctx, 60_000);
  }
}

export const qwenModelScenarios = [
  scenario(
    'on a Qwen2.5-Coder model, ghost text comes through its repository-level FIM prompt and a chat answer folds its <think> block',
    async (ctx) => {
      await onQwenModel(ctx, async () => {
        await typeForFimGhostText(ctx, 'qwen-total.js', 'ghost text from the Qwen model');
        await ctx.page.keyboard.press('Escape');
        await ctx.wb.runCommand('View: Revert and Close Editor');

        await ctx.wb.runCommand('Alembic: Focus Chat Input');
        const frame = chat(ctx);
        await waitFor(
          'the chat view to show the Qwen model',
          async () =>
            (
              await frame
                .locator('.model-name')
                .innerText({ timeout: 1000 })
                .catch(() => '')
            ).startsWith(QWEN_NAME),
          30_000,
        );
        await newChat(ctx, frame);
        await send(frame, 'Write a function that adds two numbers');
        const text = await lastAnswerDone(frame);
        check(
          text.includes('Here is a small function that adds two numbers') && text.includes('Call it as'),
          `the answer should be the scripted one: ${text}`,
        );
        check(!/<\/?think>/.test(text) && !text.includes('The user wants'), `no thinking in the answer: ${text}`);
        const thinking = answers(frame).last().locator('details.thinking');
        check(await thinking.isVisible(), 'the thinking block should show');
        check(
          !(await thinking.evaluate((el) => (el as HTMLDetailsElement).open)),
          'the thinking block should be folded',
        );
        await thinking.locator('summary').click();
        await waitFor('the thought to show', () => thinking.locator('.thought-body').isVisible(), 5000);
        const thought = await thinking.locator('.thought-body').innerText();
        check(thought.includes(CHAT_THOUGHT), `the thought should be the model's: "${thought}"`);
        await ctx.screenshot('qwen-chat-thinking');
        await newChat(ctx, frame); // the next scenarios expect the suite's model in an empty chat
      });
    },
    { timeoutMs: 180_000 },
  ),
];
