// The first-run walkthrough: how a new user gets a model.
import { check, scenario } from '../harness/scenario';
import { waitFor } from '../harness/workbench';

export const walkthroughScenarios = [
  scenario('the "Get started with Alembic" walkthrough offers the recommended download and Select Model', async (ctx) => {
    await ctx.wb.runCommand('Welcome: Open Walkthrough...');
    await ctx.wb.pick('Get started with Alembic', 'Alembic');
    const page = ctx.page.locator('.gettingStartedContainer');
    await waitFor('the walkthrough page', () => page.locator('.getting-started-category .category-title, h2', { hasText: 'Get started with Alembic' }).first().isVisible(), 15_000);
    const step = page.locator('.getting-started-step', { hasText: 'Get a model' }).first();
    await waitFor('the "Get a model" step', () => step.isVisible(), 10_000);
    const buttons = (await step.locator('.button-link, a, button').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    ctx.log(`"Get a model" actions: ${buttons.join(', ')}`);
    check(buttons.some((b) => b.includes('Download the Recommended Model')), `the step should offer "Download the Recommended Model": ${JSON.stringify(buttons)}`);
    check(buttons.some((b) => b.includes('Select a Model')), `the step should offer "Select a Model…": ${JSON.stringify(buttons)}`);
    check(await page.getByText('Check the engine').first().isVisible(), 'the walkthrough should have the "Check the engine" step');
    await ctx.page.waitForTimeout(500); // let the step's media render
    await ctx.screenshot('walkthrough', { readme: true });
    await ctx.wb.runCommand('View: Close All Editors');
  }),
];
