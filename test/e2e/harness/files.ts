// Scratch files for scenarios: written into the run's state folder (never the committed sample
// workspace) and opened with "File: Open File…" as a user would.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ScenarioContext } from './scenario';
import { waitFor } from './workbench';

export async function openScratchFile(
  ctx: ScenarioContext,
  name: string,
  content: string,
  path = join(ctx.stateDir, 'files', name),
): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  await ctx.wb.runCommand('File: Open File...');
  const input = ctx.page.locator('.quick-input-widget input.input');
  await waitFor(
    'the file dialog',
    async () => (await input.isVisible()) && (await input.inputValue()).endsWith('/'),
    10_000,
  );
  // The dialog lists the folder of what is typed, filtered by the rest; in a folder it has not
  // listed yet it may still be navigating when the text arrives, so type again until it shows
  // the file (a long folder listing is virtualized: only the filter makes the row appear).
  const row = ctx.page.locator('.quick-input-widget .monaco-list-row', { hasText: basename(path) }).first();
  for (let attempt = 1; ; attempt++) {
    await input.fill(path);
    const listed = await waitFor(
      `the file dialog to list ${basename(path)}`,
      async () => (await input.inputValue()) === path && (await row.isVisible()),
      5000,
    ).then(
      () => true,
      () => false,
    );
    if (listed) break;
    if (attempt === 3) throw new Error(`the file dialog did not list ${path} (input: ${await input.inputValue()})`);
  }
  await ctx.page.keyboard.press('Enter');
  await waitFor(`the ${name} tab`, async () => (await ctx.wb.activeTabTitle()) === name, 15_000);
  return path;
}

/** Moves the cursor to the end (or the start) of a 1-based line with "Go to Line", and checks it
 * got there; a try whose input did not take (the widget closed early, the text came before the
 * widget was ready) is made again. */
export async function goToLine(ctx: ScenarioContext, line: number, where: 'start' | 'end' = 'end'): Promise<void> {
  const position = ctx.page.locator('.part.statusbar .statusbar-item[id="status.editor.selection"]');
  const input = ctx.page.locator('.quick-input-widget input.input');
  const arrived = async () => {
    const text = await position.innerText();
    return where === 'start' ? text.includes(`Ln ${line}, Col 1`) : text.includes(`Ln ${line},`);
  };
  for (let attempt = 1; ; attempt++) {
    await ctx.wb.closeQuickInput();
    await ctx.wb.activeEditor().click({ position: { x: 300, y: 10 } });
    await ctx.page.keyboard.press('Control+G');
    const opened = await input.waitFor({ state: 'visible', timeout: 5000 }).then(
      () => true,
      () => false,
    );
    if (opened) {
      await input.fill(`:${line}`);
      // The widget reads the text as it changes: Enter only once it shows what was typed.
      const took = await waitFor(
        'the Go to Line input',
        async () => (await input.inputValue()) === `:${line}`,
        3000,
      ).then(
        () => true,
        () => false,
      );
      if (took) {
        await ctx.page.keyboard.press('Enter');
        await waitFor('Go to Line to close', async () => !(await input.isVisible()), 3000).catch(() => undefined);
        await ctx.page.keyboard.press(where === 'start' ? 'Home' : 'End');
        if (where === 'start' && !(await arrived())) await ctx.page.keyboard.press('Home'); // past the indentation
        if (
          await waitFor(`the cursor on line ${line}`, arrived, 3000).then(
            () => true,
            () => false,
          )
        )
          return;
      }
    }
    if (attempt === 3)
      throw new Error(`could not move the cursor to line ${line} (status bar: ${await position.innerText()})`);
  }
}

/** Moves the cursor to the end of a 1-based line. */
export const goToLineEnd = (ctx: ScenarioContext, line: number) => goToLine(ctx, line, 'end');
