// The editing commands as the user sees them: Edit Selection through the diff review (Accept is
// one undo step, Reject changes nothing), Fix in the lightbulb on a diagnostic, and the commit
// message written into the Source Control input box.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goToLineEnd, openScratchFile } from '../harness/files';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { waitForReady } from './engine';

const ORIGINAL = 'const rate = 2;\n\nfunction double(x) {\n  return x * rate;\n}\n\nmodule.exports = { double };\n';
// The test model answers every request with a fenced `function add(a, b)` block.
const EDITED = 'const rate = 2;\n\nfunction add(a, b) {\n  return a + b;\n}\n\nmodule.exports = { double };\n';

async function waitForReview(ctx: ScenarioContext): Promise<void> {
  await waitFor('the review diff', async () => (await ctx.wb.activeTabTitle()).includes('(review)'), 60_000);
}

/** Opens a scratch file, puts the cursor in its function and asks Edit Selection for `instruction`;
 * resolves when the review diff is open. */
async function proposeEdit(ctx: ScenarioContext, file: string, instruction: string): Promise<void> {
  await waitForReady(ctx);
  await ctx.wb.runCommand('View: Close All Editors');
  await openScratchFile(ctx, file, ORIGINAL);
  await goToLineEnd(ctx, 4);
  await ctx.wb.runCommand('Alembic: Edit Selection…');
  await ctx.wb.pick(instruction, instruction);
  await waitForReview(ctx);
}

async function closeChatAndEditors(ctx: ScenarioContext): Promise<void> {
  await ctx.wb.runCommand('View: Close All Editors');
}

export const actionScenarios = [
  scenario(
    '"Edit Selection…" proposes the new code in a diff; Accept changes the file once and one undo restores it',
    async (ctx) => {
      await proposeEdit(ctx, 'edit-target.js', 'use addition');
      await waitFor(
        'the diff to show the proposal',
        () =>
          ctx.page
            .locator('.part.editor .monaco-diff-editor .modified .view-line', { hasText: 'function add' })
            .first()
            .isVisible(),
        15_000,
      );
      await waitFor(
        'the progress notification to close',
        async () => !(await ctx.wb.notifications()).some((n) => n.message.includes('Edit edit-target.js')),
        10_000,
      ).catch(() => undefined);
      await ctx.screenshot('edit-review-diff', { readme: true });
      await ctx.page.locator('.part.editor .editor-actions [aria-label="Accept Proposed Change"]').click();
      await waitFor('the diff to close', async () => (await ctx.wb.activeTabTitle()) === 'edit-target.js', 10_000);
      const edited = await ctx.wb.activeEditorText();
      check(edited === EDITED, `only the function should be replaced, once:\n${edited}`);
      await ctx.page.keyboard.press('Control+Z');
      const undone = await ctx.wb.activeEditorText();
      check(undone === ORIGINAL, `one undo should restore the file:\n${undone}`);
      await ctx.wb.runCommand('View: Revert and Close Editor');
      await closeChatAndEditors(ctx);
    },
    { timeoutMs: 120_000 },
  ),

  scenario(
    '"Edit Selection…" then Reject leaves the file unchanged',
    async (ctx) => {
      await proposeEdit(ctx, 'reject-target.js', 'rename it');
      await ctx.wb.runCommand('Alembic: Reject Proposed Change');
      await waitFor('the diff to close', async () => !(await ctx.wb.activeTabTitle()).includes('(review)'), 10_000);
      const text = await ctx.wb.activeEditorText();
      check(text === ORIGINAL, `Reject should change nothing:\n${text}`);
      const dirty = await ctx.page.locator('.part.editor .tab.active.dirty').count();
      check(dirty === 0, 'the file should not even be modified in the editor');
      await closeChatAndEditors(ctx);
    },
    { timeoutMs: 120_000 },
  ),

  scenario(
    'the lightbulb offers "Fix with Alembic" on an error, and it proposes the fix in a diff',
    async (ctx) => {
      await waitForReady(ctx);
      const broken = 'function f() {\n  const total = ;\n  return total;\n}\n';
      await openScratchFile(ctx, 'broken.js', broken);
      await waitFor(
        'the syntax error to be underlined',
        () => ctx.page.locator('.part.editor .squiggly-error').first().isVisible(),
        60_000,
      );
      await goToLineEnd(ctx, 2);
      await ctx.page.keyboard.press('Control+.');
      const fix = ctx.page.locator('.action-widget .monaco-list-row.focused', { hasText: 'Fix with Alembic' });
      await waitFor('"Fix with Alembic" as the first quick fix', () => fix.isVisible(), 15_000);
      await ctx.screenshot('fix-code-action', { readme: true });
      await ctx.page.keyboard.press('Enter');
      await waitForReview(ctx);
      check(
        (await ctx.wb.activeTabTitle()).includes('Fix'),
        `the review should be the fix: "${await ctx.wb.activeTabTitle()}"`,
      );
      await ctx.wb.runCommand('Alembic: Reject Proposed Change');
      await waitFor('the diff to close', async () => !(await ctx.wb.activeTabTitle()).includes('(review)'), 10_000);
      check((await ctx.wb.activeEditorText()) === broken, 'Reject should leave the file as it was');
      await closeChatAndEditors(ctx);
    },
    { timeoutMs: 120_000 },
  ),

  scenario(
    '"Generate Commit Message" writes a message from the staged diff into the Source Control input box',
    async (ctx) => {
      await waitForReady(ctx);
      const repo = join(ctx.stateDir, 'repo');
      mkdirSync(repo, { recursive: true });
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=Alembic Test', '-c', 'user.email=test@alembic.invalid', ...args], {
          cwd: repo,
          stdio: 'pipe',
        });
      writeFileSync(join(repo, 'cart.js'), 'export const items = [];\n');
      git('init', '-q');
      git('add', 'cart.js');
      git('commit', '-q', '-m', 'init');
      await openScratchFile(
        ctx,
        'cart.js',
        'export const items = [];\n\nexport function add(a, b) {\n  return a + b;\n}\n',
        join(repo, 'cart.js'),
      );
      git('add', 'cart.js');
      await ctx.page.keyboard.press('Control+Shift+G');
      // The test settings keep VS Code from opening repositories in parent folders of open files
      // (the sample workspace sits in Alembic's own repository): open this one as a user would.
      const openRepository = ctx.page.locator('.part.sidebar .monaco-button', { hasText: 'Open Repository' });
      if (await openRepository.isVisible().catch(() => false)) {
        await openRepository.click();
        const repoRow = ctx.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'repo' }).first();
        if (
          await repoRow.waitFor({ timeout: 5000 }).then(
            () => true,
            () => false,
          )
        )
          await repoRow.click();
      }
      const input = ctx.page.locator('.part.sidebar .scm-editor .view-lines').first();
      await input.waitFor({ timeout: 30_000 });
      await ctx.wb.runCommand('Alembic: Generate Commit Message');
      const message = await waitFor(
        'the commit message in the input box',
        async () => {
          const text = (await input.innerText()).replace(/\u00a0/g, ' ').trim();
          return text.includes('Here is a small function') && !text.includes('```') ? text : undefined;
        },
        60_000,
      );
      ctx.log(`commit message: ${message.split('\n')[0]}`);
      await ctx.screenshot('commit-message');
      await closeChatAndEditors(ctx);
    },
    { timeoutMs: 120_000 },
  ),
];
