// The first-run walkthrough: how a new user gets a model.
import { check, scenario } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { waitForReady } from './engine';

export const walkthroughScenarios = [
  scenario(
    'the "Get started with Alembic" walkthrough offers the recommended download and Select Model',
    async (ctx) => {
      await waitForReady(ctx); // for a calm status bar in the screenshot
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
      const step = page.locator('.getting-started-step', { hasText: 'Get a model' }).first();
      await waitFor('the "Get a model" step', () => step.isVisible(), 10_000);
      const buttons = (await step.locator('.button-link, a, button').allInnerTexts())
        .map((t) => t.trim())
        .filter(Boolean);
      ctx.log(`"Get a model" actions: ${buttons.join(', ')}`);
      check(
        buttons.some((b) => b.includes('Download the Recommended Model')),
        `the step should offer "Download the Recommended Model": ${JSON.stringify(buttons)}`,
      );
      check(
        buttons.some((b) => b.includes('Select a Model')),
        `the step should offer "Select a Model…": ${JSON.stringify(buttons)}`,
      );
      check(
        await page.getByText('Check the engine').first().isVisible(),
        'the walkthrough should have the "Check the engine" step',
      );
      // The step's media is Markdown in a webview (two iframes deep), which takes the focus once loaded.
      const media = ctx.page
        .frameLocator('.gettingStartedContainer iframe.webview')
        .frameLocator('iframe#active-frame')
        .locator('body');
      const mediaShown = () =>
        waitFor(
          'the step media',
          async () => (await media.innerText({ timeout: 1000 })).includes('Get a model'),
          15_000,
        );
      await mediaShown();
      await ctx.page.waitForTimeout(500);
      // Without the side bar the walkthrough has room to show the media beside the steps.
      await ctx.wb.runCommand('View: Toggle Primary Side Bar Visibility');
      await mediaShown();
      await ctx.page.waitForTimeout(500);
      await ctx.screenshot('walkthrough', { readme: true });
      await ctx.wb.runCommand('View: Toggle Primary Side Bar Visibility');
      await ctx.wb.runCommand('View: Close All Editors');
    },
  ),
];
