// The first-run walkthrough: how a new user gets a model (the download asks first, with the size,
// the folder and Cancel), and tries a completion, the chat and a command on a sample file.
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { FIM_ANSWER } from '../../fixtures/makeTestModel';
import { chat, lastAnswerDone, newChat } from './chat.helpers';
import { WHOLE_ANSWER } from './completion';
import { waitForReady } from './engine';

const WIDE = { width: 1400, height: 900 };

async function openWalkthrough(ctx: ScenarioContext): Promise<Locator> {
  await ctx.wb.runCommand('View: Close All Editors');
  await ctx.wb.runCommand('Welcome: Open Walkthrough...');
  await ctx.wb.pick('Get started with Alembic', 'Alembic');
  const page = ctx.page.locator('.gettingStartedContainer');
  await waitFor(
    'the walkthrough page',
    () =>
      page
        .locator('.getting-started-category .category-title, h2', { hasText: 'Get started with Alembic' })
        .first()
        .isVisible(),
    15_000,
  );
  return page;
}

/** Expands a step (a click on its title) and returns it once its buttons show. */
async function openStep(page: Locator, title: string): Promise<Locator> {
  const step = page.locator('.getting-started-step', { hasText: title }).first();
  await waitFor(`the "${title}" step`, () => step.isVisible(), 10_000);
  const button = step.locator('.button-container .monaco-button').first();
  if (!(await button.isVisible().catch(() => false))) await step.locator('.step-title').first().click();
  await waitFor(`the "${title}" step's buttons`, () => button.isVisible(), 10_000);
  return step;
}

/** The step's buttons and links (a line with only a link is a button; other links stay links). */
async function buttonsOf(step: Locator): Promise<string[]> {
  return (
    await step.locator('.step-description-container .monaco-button, .step-description-container a').allInnerTexts()
  )
    .map((t) => t.trim())
    .filter(Boolean);
}

async function clickStepButton(ctx: ScenarioContext, title: string, button: string): Promise<void> {
  const page = await openWalkthrough(ctx);
  const step = await openStep(page, title);
  await step.locator('.button-container .monaco-button', { hasText: button }).first().click();
}

export const walkthroughScenarios = [
  scenario(
    'the "Get started with Alembic" walkthrough offers the download and Select Model, and at 1400 px every button fits its card',
    async (ctx) => {
      await waitForReady(ctx); // for a calm status bar in the screenshot
      const before = ctx.page.viewportSize();
      await ctx.page.setViewportSize(WIDE);
      try {
        const page = await openWalkthrough(ctx);
        const titles = (await page.locator('.getting-started-step .step-title').allInnerTexts()).map((t) => t.trim());
        ctx.log(`steps: ${titles.join(' | ')}`);
        for (const title of [
          'Get a model',
          'Try an inline completion',
          'Ask the chat about your code',
          'Run a command on your code',
          'Check the engine',
        ])
          check(
            titles.some((t) => t.startsWith(title)),
            `the walkthrough should have the "${title}" step: ${titles.join(' | ')}`,
          );
        const step = await openStep(page, 'Get a model');
        const buttons = await buttonsOf(step);
        ctx.log(`"Get a model" actions: ${buttons.join(', ')}`);
        for (const wanted of ['Download Model…', 'Select Model…', 'Open the Model Settings'])
          check(
            buttons.some((b) => b.includes(wanted)),
            `the step should offer "${wanted}": ${JSON.stringify(buttons)}`,
          );
        // At 1400 px, with the side bar open (the narrowest the steps get), each step's buttons fit its card.
        for (const title of ['Get a model', 'Try an inline completion', 'Run a command on your code']) {
          const card = await openStep(page, title);
          const box = await card.boundingBox();
          for (const b of await card.locator('.button-container .monaco-button').all()) {
            const bb = await b.boundingBox();
            if (!box || !bb) continue;
            check(
              bb.x >= box.x - 1 && bb.x + bb.width <= box.x + box.width + 1,
              `"${(await b.innerText()).trim()}" overflows the "${title}" card: button ` +
                `${Math.round(bb.x)}–${Math.round(bb.x + bb.width)}, card ` +
                `${Math.round(box.x)}–${Math.round(box.x + box.width)}`,
            );
          }
        }
        await openStep(page, 'Get a model');
        // The step's media is Markdown in a webview (two iframes deep), which takes the focus once loaded.
        const media = ctx.page
          .frameLocator('.gettingStartedContainer iframe.webview')
          .frameLocator('iframe#active-frame')
          .locator('body');
        await waitFor(
          'the step media',
          async () => (await media.innerText({ timeout: 1000 })).includes('Get a model'),
          15_000,
        );
        await ctx.page.waitForTimeout(500);
        await ctx.screenshot('walkthrough', { readme: true });
      } finally {
        if (before) await ctx.page.setViewportSize(before);
      }
      await ctx.wb.runCommand('View: Close All Editors');
    },
    { timeoutMs: 90_000 },
  ),

  scenario(
    'the walkthrough\'s "Download Model…" asks first in a dialog with the size, the folder and Cancel, and Cancel downloads nothing',
    async (ctx) => {
      await waitForReady(ctx);
      await clickStepButton(ctx, 'Get a model', 'Download Model…');
      const dialog = ctx.page.locator('.monaco-dialog-box');
      await waitFor('the download dialog', () => dialog.isVisible(), 15_000);
      try {
        const text = (await dialog.innerText()).replace(/\s+/g, ' ');
        const buttons = (await dialog.locator('.monaco-button').allInnerTexts()).map((t) => t.trim());
        ctx.log(`dialog: "${text}" [${buttons.join(', ')}]`);
        check(/Download [\d.]+ (MB|GB) of models\?/.test(text), `the dialog should give the size: "${text}"`);
        // The one models folder the extension and the CLI share (the run's HOME is its state folder).
        const folder =
          process.env.ALEMBIC_MODELS_DIR?.trim() || join(ctx.stateDir, 'home', '.cache', 'alembic', 'models');
        check(text.includes(`into ${folder}`), `the dialog should name the folder ${folder}: "${text}"`);
        check(buttons.includes('Download') && buttons.includes('Cancel'), `Download and Cancel: ${buttons.join(', ')}`);
        await ctx.screenshot('download-dialog', { readme: true });
      } finally {
        // Cancel also when a check failed: a modal dialog left open would block the next scenarios.
        await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
        await waitFor('the dialog to close', async () => !(await dialog.isVisible()), 5000);
      }
      await ctx.page.waitForTimeout(1000);
      check(
        !(await ctx.wb.notifications()).some((n) => n.message.includes('downloading')),
        'Cancel should start no download',
      );
      await ctx.wb.runCommand('View: Close All Editors');
    },
  ),

  scenario(
    'the walkthrough\'s "Try a Completion" opens a sample file with the model\'s ghost text at the cursor',
    async (ctx) => {
      await waitForReady(ctx);
      await clickStepButton(ctx, 'Try an inline completion', 'Try a Completion');
      await waitFor('the sample cart.js', async () => (await ctx.wb.activeTabTitle()) === 'cart.js', 15_000);
      const ghost = await waitFor(
        'the ghost text in the sample',
        async () => {
          const text = (
            await ctx.page.locator('.part.editor .ghost-text-decoration, .part.editor .ghost-text').allInnerTexts()
          )
            .join('')
            .replace(/\u00a0/g, ' ');
          return text.includes(WHOLE_ANSWER) ? text : undefined;
        },
        30_000,
      );
      check(ghost.trim() === FIM_ANSWER, `the sample should show the model's suggestion: "${ghost}"`);
      await ctx.screenshot('walkthrough-try-completion');
      await ctx.page.keyboard.press('Escape');
      await ctx.wb.runCommand('View: Close All Editors');
    },
  ),

  scenario(
    "the walkthrough's chat and command steps open the chat on the sample's total(), and Explain answers in its own conversation",
    async (ctx) => {
      await waitForReady(ctx);
      await clickStepButton(ctx, 'Ask the chat about your code', 'Chat About the Sample');
      const frame = chat(ctx);
      await waitFor(
        'the chat with the selection of total() attached',
        async () => (await frame.locator('.composer .chip', { hasText: 'cart.js:' }).count()) === 1,
        20_000,
      );
      await waitFor(
        'the chat input to have the focus',
        () => frame.locator('textarea.input').evaluate((el) => el === document.activeElement),
        10_000,
      );
      await clickStepButton(ctx, 'Run a command on your code', 'Explain the Sample');
      await waitFor(
        'the Explain turn in a conversation of its own',
        async () =>
          (await frame.locator('.turn.user').count()) === 1 &&
          /Explain cart\.js lines \d+-\d+/.test(await frame.locator('.turn.user').first().innerText()),
        30_000,
      );
      await lastAnswerDone(frame, 60_000);
      await newChat(ctx, frame); // the chat scenarios start from an empty chat
      await ctx.wb.runCommand('View: Close All Editors');
    },
    { timeoutMs: 120_000 },
  ),
];
