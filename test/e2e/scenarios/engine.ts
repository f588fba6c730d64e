// The engine as the user sees it: the status bar item, the Engine Status page, a refused model
// file and "Restart Engine".
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GgufValueType } from '../../fixtures/ggufWriter';
import { parseGguf, serializeGguf } from '../../helpers/ggufEditor';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import type { Frame } from 'playwright-core';
import { waitFor, type Notification, type StatusItem } from '../harness/workbench';

export const STATUS_ITEM = 'alembic.status';
export const TEST_MODEL_NAME = 'Alembic Test Tiny';
const STATUS_TAB = 'Alembic Engine Status';

/** Waits until the status bar says the test model is ready on the CPU. */
export async function waitForReady(ctx: ScenarioContext, timeoutMs = 45_000): Promise<StatusItem> {
  let last: StatusItem | undefined;
  try {
    return await waitFor(
      `the Alembic status bar item to say "${TEST_MODEL_NAME} ready on CPU"`,
      async () => {
        last = await ctx.wb.statusItem(STATUS_ITEM);
        return last?.label.includes(`${TEST_MODEL_NAME} ready on CPU`) ? last : undefined;
      },
      timeoutMs,
    );
  } catch (e) {
    throw new Error(
      `${e instanceof Error ? e.message : e}; the item showed ${last ? `"${last.text}" (${last.label})` : 'nothing'}`,
    );
  }
}

/** The Engine Status page: the frame (two iframes deep in a webview overlay) that shows its title. */
export async function statusPage(ctx: ScenarioContext): Promise<Frame> {
  return waitFor(
    'the Engine Status page',
    async () => {
      for (const frame of ctx.page.frames()) {
        const found = await frame
          .locator('h1', { hasText: 'Alembic Engine Status' })
          .count()
          .catch(() => 0);
        if (found) return frame;
      }
      return undefined;
    },
    15_000,
  );
}

/** The rows the Engine Status page shows, as "Section/Label" → value. */
export type StatusRows = Record<string, string>;

async function readStatusPage(ctx: ScenarioContext): Promise<StatusRows> {
  return (await statusPage(ctx)).locator('body').evaluate(
    (body) => {
      const rows: Record<string, string> = {};
      for (const section of body.querySelectorAll('section')) {
        const title = section.querySelector('h2')?.textContent ?? '';
        for (const tr of section.querySelectorAll('tr'))
          rows[`${title}/${tr.querySelector('th')?.textContent}`] = tr.querySelector('td')?.textContent ?? '';
        const note = section.querySelector('.note')?.textContent;
        if (note) rows[`${title}/note`] = note;
      }
      rows.summary = body.querySelector('.summary')?.textContent ?? '';
      return rows;
    },
    undefined,
    { timeout: 2000 },
  );
}

/** Runs "Alembic: Show Engine Status" and returns what the page shows (the page stays open). */
export async function showEngineStatus(
  ctx: ScenarioContext,
  ready: (rows: StatusRows) => boolean = (r) => Boolean(r['Engine/Engine process']),
): Promise<StatusRows> {
  await ctx.wb.runCommand('Alembic: Show Engine Status');
  await waitFor(`the "${STATUS_TAB}" tab`, async () => (await ctx.wb.activeTabTitle()) === STATUS_TAB, 15_000);
  return waitFor(
    'the engine status page to show the engine',
    async () => {
      const rows = await readStatusPage(ctx);
      return ready(rows) ? rows : undefined;
    },
    20_000,
  );
}

const closeEditors = (ctx: ScenarioContext) => ctx.wb.runCommand('View: Close All Editors');
const enginePid = (rows: StatusRows) => /^pid (\d+),/.exec(rows['Engine/Engine process'] ?? '')?.[1];

function writeBadModel(ctx: ScenarioContext): string {
  const bad = join(ctx.stateDir, 'bad.gguf');
  writeFileSync(
    bad,
    '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in to download.</body></html>\n',
  );
  return bad;
}

/** The test model with a pre-tokenizer name that llama.cpp refuses, quoting it in its error: the
 * name is 300 kB with terminal escape sequences (a title change, a screen clear) in it. */
function writeHostileModel(ctx: ScenarioContext): string {
  const g = parseGguf(readFileSync(ctx.modelPath));
  const str = (text: string) => ({ type: GgufValueType.STRING, value: Buffer.from(text) }) as const;
  g.metadata.set('tokenizer.ggml.model', str('gpt2'));
  g.metadata.set('tokenizer.ggml.merges', {
    type: GgufValueType.ARRAY,
    itemType: GgufValueType.STRING,
    items: [Buffer.from('a b')],
  });
  g.metadata.set('tokenizer.ggml.pre', str(`\u001b]0;owned\u0007\u001b[2J${'x'.repeat(300_000)}`));
  const bad = join(ctx.stateDir, 'bad.gguf');
  writeFileSync(`${bad}.tmp`, serializeGguf(g));
  renameSync(`${bad}.tmp`, bad);
  return bad;
}

/** Points alembic.completion.model at a bad file by editing settings.json, hands the engine's error
 * notification to `checks`, then puts the test model back and waits until it serves again. */
async function withBadModelInSettings(
  ctx: ScenarioContext,
  checks: (error: Notification, labels: () => string[]) => Promise<void>,
  writeBad: (ctx: ScenarioContext) => string = writeBadModel,
): Promise<void> {
  await waitForReady(ctx);
  const bad = writeBad(ctx);
  const recording = await ctx.wb.recordStatusLabels(STATUS_ITEM);
  let labels: string[] = [];
  try {
    await ctx.editSetting('alembic.completion.model', bad);
    const error = await ctx.wb.waitForNotification(
      'the engine refusing bad.gguf',
      (n) => n.message.startsWith('Alembic') && n.buttons.includes('Show Log'),
      30_000,
    );
    ctx.log(`error: "${error.message}" [${error.buttons.join(', ')}]`);
    await waitForReady(ctx, 20_000);
    labels = await recording.stop();
    await checks(error, () => labels);
  } finally {
    if (!labels.length) labels = await recording.stop().catch(() => []);
    ctx.log(`status labels: ${labels.join(' → ')}`);
    await ctx.wb.clearNotifications().catch(() => undefined);
    // The engine keeps serving the previous model either way, so the status bar cannot tell whether
    // the restore was saved: check the file, or a later window reload would start on bad.gguf.
    await restoreTestModel(ctx);
  }
  // Once the test model is configured again the engine drops the refusal it reported.
  await waitFor(
    'the status bar to stop reporting bad.gguf',
    async () => !(await ctx.wb.statusItem(STATUS_ITEM))?.label.includes('bad.gguf'),
    30_000,
  );
  await waitForReady(ctx, 30_000);
}

/** Puts the test model back into settings.json, checking the file (an edit through the editor can
 * fail to take): later scenarios need it. */
export async function restoreTestModel(ctx: ScenarioContext): Promise<void> {
  for (let attempt = 1; ctx.savedSetting('alembic.completion.model') !== ctx.modelPath; attempt++) {
    if (attempt > 3) throw new Error('could not put the test model back into settings.json');
    await ctx
      .editSetting('alembic.completion.model', ctx.modelPath)
      .catch((e: unknown) => ctx.log(`restoring the setting failed: ${e}`));
  }
}

export const engineScenarios = [
  scenario(
    'the extension activates and the status bar says the test model is ready on the CPU',
    async (ctx) => {
      const item = await waitForReady(ctx, 55_000);
      check(
        item.text.includes('Alembic') && item.text.includes('CPU'),
        `status bar text "${item.text}" should name Alembic and the CPU`,
      );
      await ctx.wb.statusItemLocator(STATUS_ITEM).hover();
      await waitFor(
        'the status item tooltip',
        () => ctx.page.locator('.workbench-hover, .monaco-hover').first().isVisible(),
        5000,
      ).catch(() => undefined);
      await ctx.screenshot('status-bar', { region: 'statusbar-right', readme: true });
      await ctx.page.mouse.move(600, 300);
    },
    { timeoutMs: 70_000 },
  ),

  scenario(
    '"Alembic: Restart Engine" starts a new engine process and the status bar goes through starting and loading back to ready',
    async (ctx) => {
      await waitForReady(ctx);
      const before = ctx.enginePids();
      check(before.length === 1, `one engine process should run before the restart, found ${before.length}`);
      const seen = await ctx.wb.recordStatusLabels(STATUS_ITEM);
      await ctx.wb.runCommand('Alembic: Restart Engine');
      await waitFor(
        'the status bar to leave "ready"',
        async () => !(await ctx.wb.statusItem(STATUS_ITEM))?.label.includes('ready'),
        10_000,
        50,
      ).catch(() => undefined);
      await waitForReady(ctx, 45_000);
      const labels = await seen.stop();
      ctx.log(`status labels: ${labels.join(' → ')}`);
      check(
        labels.some((l) => /starting the engine/.test(l)) && labels.some((l) => /loading the model/.test(l)),
        `the status bar should show the restart (starting, loading), saw: ${labels.join(' → ')}`,
      );
      const after = ctx.enginePids();
      check(
        after.length === 1 && after[0] !== before[0],
        `one new engine process should run (before ${before}, after ${after})`,
      );
      const shown = enginePid(
        await showEngineStatus(ctx, (rows) => enginePid(rows) === String(after[0])).catch(async () =>
          readStatusPage(ctx),
        ),
      );
      await closeEditors(ctx);
      check(
        shown === String(after[0]),
        `"Show Engine Status" should show the new engine's pid ${after[0]}, shows ${shown}`,
      );
      ctx.log(`engine pid ${before[0]} → ${after[0]}`);
    },
  ),

  scenario(
    '"Alembic: Show Engine Status" renders the CPU backend, the model, the CPU threads, each context ' +
      'with its KV cache, the memory and the speeds, and Copy gives them as Markdown',
    async (ctx) => {
      await waitForReady(ctx);
      const rows = await showEngineStatus(ctx);
      ctx.log(`engine status: ${JSON.stringify(rows)}`);
      check(/^(ready|busy)$/.test(rows['Engine/State'] ?? ''), `the state should be ready: ${rows['Engine/State']}`);
      check(
        /^CPU \(GPU use is off in the settings\)$/.test(rows['Engine/Backend'] ?? ''),
        `the backend: ${rows['Engine/Backend']}`,
      );
      check(rows['Completion model/Model'] === TEST_MODEL_NAME, `the model: ${rows['Completion model/Model']}`);
      check(rows['Completion model/File'] === ctx.modelPath, `the model file: ${rows['Completion model/File']}`);
      check(
        /^2048 tokens/.test(rows['Completion model/Context size'] ?? ''),
        `the context size should be 2048 (the test setting): ${rows['Completion model/Context size']}`,
      );
      for (const key of ['Completion model/KV cache', 'Chat model/KV cache'])
        check(/^4\.0 MB$/.test(rows[key] ?? ''), `${key}: 2048 tokens of the test model's 2 KB each: ${rows[key]}`);
      check(
        /^1 \(set by alembic\.engine\.threads; \d+ cores for math\)$/.test(rows['Engine/CPU threads'] ?? ''),
        `the thread count and what chose it: ${rows['Engine/CPU threads']}`,
      );
      check(
        /^pid \d+, [\d.]+ (KB|MB|GB) RAM, up /.test(rows['Engine/Engine process'] ?? ''),
        `the engine's memory (RAM) should be shown: ${rows['Engine/Engine process']}`,
      );
      // Rendered, not Markdown source: the FIM tokens as they are, no table syntax, no escapes.
      const fim = rows['Completion model/Fill-in-the-middle'] ?? '';
      check(/^yes \(<\|fim_prefix\|>/.test(fim), `the FIM tokens should read as they are: ${fim}`);
      const page = await (await statusPage(ctx)).locator('body').innerText();
      check(!/\\\||\|---|^#/m.test(page), `the page should not show Markdown source:\n${page}`);
      check(Boolean(rows['Measured speed/note'] || rows['Measured speed/Completions']), 'a speed section');
      check(
        Boolean(rows['Last errors/note'] || Object.keys(rows).some((k) => k.startsWith('Last errors/'))),
        'an error section',
      );

      await ctx.page
        .context()
        .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(ctx.page.url()).origin });
      await (await statusPage(ctx)).locator('button[data-command="copy"]').click();
      const copied = await waitFor(
        'the report on the clipboard',
        async () => {
          const text = await ctx.page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
          return text.startsWith('## Alembic engine status') ? text : undefined;
        },
        10_000,
      );
      check(copied.includes(`- Model: \`${TEST_MODEL_NAME}\``), `the copy should name the model:\n${copied}`);
      check(/- Backend: `CPU/.test(copied), `the copy should name the backend:\n${copied}`);
      await ctx.screenshot('engine-status', { readme: true });
      await closeEditors(ctx);
    },
  ),

  scenario(
    '"Select Model…" refuses a file that fails the GGUF check, says why, offers another model, and the current one keeps serving',
    async (ctx) => {
      await waitForReady(ctx);
      const bad = writeBadModel(ctx);
      // As a user does it: Select Model… > Browse for a .gguf file… > type the path in the file dialog.
      await ctx.wb.runCommand('Alembic: Select Model…');
      await ctx.wb.pick('Browse for a .gguf file…', 'Browse');
      await ctx.wb.chooseFile(bad);
      const error = await ctx.wb.waitForNotification('Alembic cannot use bad.gguf', (n) =>
        n.message.includes('bad.gguf'),
      );
      ctx.log(`error: "${error.message}" [${error.buttons.join(', ')}]`);
      check(
        /^Alembic cannot use bad\.gguf: This is an HTML page, not a GGUF model/.test(error.message),
        `the error should name the file and what is wrong with it: "${error.message}"`,
      );
      check(
        error.buttons.includes('Choose Another Model…'),
        `the error should offer another model: buttons ${JSON.stringify(error.buttons)}`,
      );
      await ctx.screenshot('bad-model-refused');
      check(
        ctx.savedSetting('alembic.completion.model') === ctx.modelPath,
        'the completion model setting should be unchanged',
      );
      await waitForReady(ctx, 5000);
      await ctx.wb.clearNotifications();
    },
  ),

  scenario(
    'a bad file typed into settings.json gives an error with a way out, and the previous model keeps serving',
    async (ctx) => {
      await withBadModelInSettings(ctx, async (error, labels) => {
        check(
          /HTML page, not a GGUF model/.test(error.message),
          `the error should say what is wrong with the file: "${error.message}"`,
        );
        check(
          error.buttons.includes('Select Model…'),
          `the error should offer "Select Model…": ${JSON.stringify(error.buttons)}`,
        );
        await ctx.screenshot('bad-model-in-settings');
        const item = await waitForReady(ctx, 20_000);
        check(item.label.includes(TEST_MODEL_NAME), `the previous model should keep serving: "${item.label}"`);
        check(
          labels().some((l) => /loading the model/.test(l)),
          `the engine should have tried the new file: ${labels().join(' → ')}`,
        );
      });
    },
  ),

  scenario(
    "llama.cpp's error quoting a model's 300 kB string with escape sequences reaches the notification and the status bar cleaned and cut",
    async (ctx) => {
      await withBadModelInSettings(
        ctx,
        async (error, labels) => {
          const longest = Math.max(...labels().map((l) => l.length));
          check(longest < 1500, `the status bar's text should be cut, one label has ${longest} characters`);
          check(
            labels().every((l) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(l)),
            "the status bar's text should hold no control characters",
          );
          check(
            /unknown pre-tokenizer type/.test(error.message),
            `llama.cpp's reason should be shown: "${error.message.slice(0, 300)}"`,
          );
          check(
            !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(error.message),
            'the notification should hold no control characters',
          );
          check(
            error.message.length < 1000,
            `the notification should be cut, it has ${error.message.length} characters`,
          );
          check(
            /more characters\)/.test(error.message),
            `the notification should say it was cut: "${error.message.slice(-80)}"`,
          );
        },
        writeHostileModel,
      );
    },
  ),

  scenario('the error for a bad model file in settings.json names the file', async (ctx) => {
    await withBadModelInSettings(ctx, async (error) => {
      check(
        error.message.includes('bad.gguf'),
        `with a completion and a chat model, the user must learn which file is bad: "${error.message}"`,
      );
    });
  }),

  // A regression test: the open status page used to re-render on every engine state change by
  // asking the engine for its status, which started another engine while the restart was starting
  // one, endlessly (fixed in 952116c). It stops the runaway engines if it happens again.
  scenario(
    'restarting the engine while the Engine Status page is open starts exactly one engine process',
    async (ctx) => {
      await waitForReady(ctx);
      await showEngineStatus(ctx);
      await ctx.wb.runCommand('Alembic: Restart Engine');
      const started = Date.now();
      let most = 0;
      try {
        while (Date.now() - started < 10_000) {
          const pids = ctx.enginePids();
          most = Math.max(most, pids.length);
          if (most > 2) break; // the old process may not have exited yet: 2 is fine
          if (
            Date.now() - started > 1500 &&
            pids.length === 1 &&
            (await ctx.wb.statusItem(STATUS_ITEM))?.label.includes('ready')
          )
            break;
          await ctx.page.waitForTimeout(100);
        }
      } finally {
        if (most > 2) {
          // Reloading the window ends its extension host, and with it the engines it started.
          await ctx.wb.runCommand('Developer: Reload Window');
          await ctx.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
        } else {
          await closeEditors(ctx);
        }
      }
      check(most <= 2, `a restart with the status document open should not start ${most} engine processes`);
      await waitForReady(ctx, 45_000);
      check(ctx.enginePids().length === 1, `one engine process should run, found ${ctx.enginePids().length}`);
    },
    { timeoutMs: 90_000 },
  ),
];
