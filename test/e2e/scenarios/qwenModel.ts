// Alembic on a Qwen2.5-Coder file as a user has one: the Qwen-vocabulary test model (Qwen's real
// BPE, metadata and chat template). Ghost text goes through Qwen's repository-level FIM prompt, and
// a chat answer through node-llama-cpp's Qwen chat wrapper, with its <think> block folded.
import { CHAT_THOUGHT, FIM_ANSWER } from '../../fixtures/makeTestModel';
import { testModelPath } from '../../helpers/testModel';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { answers, chat, lastAnswerDone, newChat, send } from './chat.helpers';
import { goToLineEnd, openScratchFile } from '../harness/files';
import { ghostText, typeForFimGhostText, WHOLE_ANSWER } from './completion';
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

/** Records every ghost text the editor shows from now on (a MutationObserver in the page), so
 * that one shown for a moment is not missed between two polls. */
async function recordGhostTexts(ctx: ScenarioContext): Promise<() => Promise<string[]>> {
  await ctx.page.evaluate(() => {
    const seen: string[] = [];
    const read = () =>
      [...document.querySelectorAll('.part.editor .ghost-text-decoration, .part.editor .ghost-text')]
        .map((e) => (e as HTMLElement).innerText)
        .join('')
        .replace(/\u00a0/g, ' ');
    new MutationObserver(() => {
      const text = read();
      if (text !== seen[seen.length - 1]) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
    (window as unknown as { alembicGhostTexts: string[] }).alembicGhostTexts = seen;
  });
  return () => ctx.page.evaluate(() => (window as unknown as { alembicGhostTexts: string[] }).alembicGhostTexts);
}

/** The ghost texts seen include the answer's first words, then the whole answer, which stays. */
async function checkFirstWordsThenWhole(ctx: ScenarioContext, seen: string[]): Promise<void> {
  const shown = seen.map((t) => t.trim()).filter((t) => t !== '');
  ctx.log(`ghost texts shown: ${JSON.stringify(shown)}`);
  const first = shown.findIndex((t) => FIM_ANSWER.startsWith(t) && t.length < FIM_ANSWER.length);
  check(first >= 0, `first words of the answer should show before the whole of it: ${JSON.stringify(shown)}`);
  check(shown.lastIndexOf(FIM_ANSWER) > first, `then the whole suggestion: ${JSON.stringify(shown)}`);
  check((await ghostText(ctx)).trim() === FIM_ANSWER, 'the whole suggestion stays');
}

export const qwenModelScenarios = [
  scenario(
    'an answer still being written shows its first words as ghost text after a typed key, which grows to the whole suggestion when the model is done; where the cursor rests, the whole one shows',
    async (ctx) => {
      await onQwenModel(ctx, async () => {
        // The Qwen model writes its line in 16 tokens: with the first words due 1 ms after the key,
        // they show after its second token, and the rest about 15 tokens later.
        await ctx.editSetting('alembic.completion.partialAfterMs', 1);
        try {
          // Typed: VS Code asked automatically, and asks again when told to.
          let seen = await recordGhostTexts(ctx);
          await typeForFimGhostText(ctx, 'qwen-first-words.js', 'the whole suggestion after its first words');
          await checkFirstWordsThenWhole(ctx, await seen());
          await ctx.page.keyboard.press('Escape');
          await ctx.wb.runCommand('View: Revert and Close Editor');
          // Where the cursor rests (in code not asked about yet): the request is an explicit one,
          // whose answer VS Code keeps for the place, so it waits for the whole suggestion.
          seen = await recordGhostTexts(ctx);
          await openScratchFile(ctx, 'qwen-first-words-rest.js', 'export function sum(items) {\n  return \n}\n');
          await goToLineEnd(ctx, 2);
          await waitFor(
            'the whole suggestion where the cursor rests',
            async () => (await ghostText(ctx)).includes(WHOLE_ANSWER),
            30_000,
          );
          const atRest = (await seen()).map((t) => t.trim()).filter((t) => t !== '');
          ctx.log(`ghost texts shown where the cursor rests: ${JSON.stringify(atRest)}`);
          check(
            atRest.every((t) => t === FIM_ANSWER),
            `only the whole suggestion shows there: ${JSON.stringify(atRest)}`,
          );
          await ctx.page.keyboard.press('Escape');
          await ctx.wb.runCommand('View: Revert and Close Editor');
        } finally {
          await ctx.editSetting('alembic.completion.partialAfterMs', 400);
        }
      });
    },
  ),

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
