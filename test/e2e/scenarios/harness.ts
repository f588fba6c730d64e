// The harness's own promise: a scenario that fails half-way does not take the next ones with it.
// Checked by running, inside this scenario, an inner scenario that fails on purpose with an unsaved
// editor open (what a failed ghost-text scenario leaves), then looking at the window it leaves.
import { readFileSync } from 'node:fs';
import { goToLineEnd, openScratchFile } from '../harness/files';
import { check, runScenarios, scenario } from '../harness/scenario';
import { waitFor } from '../harness/workbench';

const INNER_FAILURE = 'the inner scenario failed on purpose';

export const harnessScenarios = [
  scenario(
    'after a scenario fails with an unsaved editor open, the next one starts in a window with no dialog and no editors, and the file on disk is unchanged',
    async (ctx) => {
      let path = '';
      const [inner] = await runScenarios(
        [
          scenario('(an inner scenario that fails on purpose, leaving an unsaved editor)', async (inner) => {
            path = await openScratchFile(inner, 'left-dirty.js', 'const kept = 1;\n');
            // Type until the editor is dirty: a key sent while the editor is still taking the focus is lost.
            for (let attempt = 1; (await inner.page.locator('.tab.active.dirty').count()) === 0; attempt++) {
              if (attempt > 3) throw new Error('the editor never took the typed text');
              await goToLineEnd(inner, 1);
              await inner.page.keyboard.type(' // typed, never saved');
              await waitFor(
                'the editor to be dirty',
                async () => (await inner.page.locator('.tab.active.dirty').count()) > 0,
                5000,
              ).catch(() => undefined);
            }
            throw new Error(INNER_FAILURE);
          }),
        ],
        ctx,
      );
      check(
        inner && !inner.ok && inner.error === INNER_FAILURE,
        `the inner scenario failed as planned: ${inner?.error}`,
      );
      check((await ctx.wb.openDialogText()) === undefined, 'no modal dialog is left open');
      const tabs = await ctx.page.locator('.part.editor .tab').count();
      check(tabs === 0, `no editor is left open: ${tabs} tabs`);
      check(readFileSync(path, 'utf8') === 'const kept = 1;\n', 'the unsaved text was discarded, not written to disk');
      await ctx.wb.runCommand('View: Close All Editors'); // the palette works again
    },
  ),
];
