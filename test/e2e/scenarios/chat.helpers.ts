// Helpers for the chat scenarios (chat.ts): the chat webview (two iframes deep: iframe.webview →
// iframe#active-frame), sending, waiting for answers, files to act on, and the extension's log.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { check, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { waitForReady } from './engine';

export const MODEL = 'Alembic Test Tiny';

export function chat(ctx: ScenarioContext): FrameLocator {
  return ctx.page
    .frameLocator('iframe.webview[src*="extensionId=alembic.alembic"]')
    .frameLocator('iframe#active-frame');
}

/** Opens the chat with its keyboard command and waits until its page has loaded its state. */
export async function openChat(ctx: ScenarioContext): Promise<FrameLocator> {
  await waitForReady(ctx); // also: the workbench has activated the extension
  await ctx.wb.runCommand('Alembic: Focus Chat Input');
  const frame = chat(ctx);
  await waitFor(
    'the chat view to show its model',
    async () =>
      (await frame
        .locator('.model-name')
        .innerText({ timeout: 1000 })
        .catch(() => '')) === MODEL,
    30_000,
  );
  return frame;
}

/** Types a message, sends it with Enter and waits for it to show as a turn. */
export async function send(frame: FrameLocator, text: string): Promise<void> {
  const input = frame.locator('textarea.input');
  const before = await frame.locator('.turn.user').count();
  await input.click();
  await input.fill(text);
  await input.press('Enter');
  await waitFor('the message to show', async () => (await frame.locator('.turn.user').count()) > before, 10_000);
}

/** The test model loops while FOREVER (or answers hostile text while EXFILTRATE) is anywhere in
 * the context: scenarios that use a trigger word start a new chat. */
export async function newChat(ctx: ScenarioContext, frame: FrameLocator): Promise<void> {
  await ctx.wb.runCommand('Alembic: New Chat');
  await waitFor(
    'an empty chat',
    async () => (await frame.locator('.empty-state').count()) === 1 && (await answers(frame).count()) === 0,
    10_000,
  );
}

export const answers = (frame: FrameLocator) => frame.locator('.turn.assistant');

/** In a new chat, sends a message that makes the test model answer forever, and waits until the
 * answer is streaming; returns the view and the answer. */
export async function startNeverEndingAnswer(ctx: ScenarioContext, message: string) {
  const frame = await openChat(ctx);
  await newChat(ctx, frame);
  await send(frame, `${message} FOREVER`);
  const answer = answers(frame).last();
  await waitFor('the answer to stream', async () => (await answer.locator('.answer').innerText()).length > 40, 20_000);
  return { frame, answer };
}

/** Waits for the last answer to end (its footer shows the model and speed) and returns its text. */
export async function lastAnswerDone(frame: FrameLocator, timeoutMs = 30_000): Promise<string> {
  const last = answers(frame).last();
  await waitFor(
    'the answer to end with its stats',
    async () =>
      !(await last.evaluate((el) => el.classList.contains('streaming'))) && (await last.locator('.stats').count()) > 0,
    timeoutMs,
  );
  return last.locator('.answer').innerText();
}

/** The lines of Alembic's log (all extension hosts of the run) that contain `text`, oldest first. */
function logLines(ctx: ScenarioContext, text: string): string[] {
  const logs = join(ctx.stateDir, 'data', 'logs');
  const files = existsSync(logs)
    ? readdirSync(logs).flatMap((session) =>
        readdirSync(join(logs, session))
          .filter((d) => d.startsWith('exthost'))
          .map((d) => join(logs, session, d, 'alembic.alembic', 'Alembic.log')),
      )
    : [];
  return files
    .filter(existsSync)
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter((l) => l.includes(text))
    .sort();
}

export function countLogged(ctx: ScenarioContext, text: string): number {
  return logLines(ctx, text).length;
}

/** When the extension last logged a line containing `text` (epoch ms), from its log files. */
export function loggedAt(ctx: ScenarioContext, text: string): number | undefined {
  const lines = logLines(ctx, text);
  const last = lines[lines.length - 1];
  const stamp = last && /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(last);
  return stamp ? new Date(`${stamp[1]}T${stamp[2]}`).getTime() : undefined;
}

/** The first code block of an answer with the test model's function (asking for one if the chat has none). */
export async function functionBlock(ctx: ScenarioContext, frame: FrameLocator) {
  const answer = () => answers(frame).filter({ hasText: 'Call it as' }).first();
  if ((await answer().count()) === 0) {
    await newChat(ctx, frame);
    await send(frame, 'Write a function that adds two numbers');
    await lastAnswerDone(frame);
  }
  return answer().locator('.code-block').first();
}

/** Checks that the last answer (the hostile one) has nothing that loads, runs or navigates. */
export async function checkInert(ctx: ScenarioContext, frame: FrameLocator, when: string): Promise<void> {
  const found = await answers(frame)
    .last()
    .evaluate((root) => {
      const all = [...root.querySelectorAll('*')];
      return {
        dangerousTags: all
          .filter((el) =>
            /^(img|svg|meta|iframe|script|style|link|object|embed|form|base|video|audio|source)$/i.test(el.tagName),
          )
          .map((el) => el.tagName),
        handlers: all.flatMap((el) =>
          [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`),
        ),
        navigating: all.flatMap((el) =>
          [...el.attributes]
            .filter((a) => /^(href|src|srcset|style|action|formaction|background)$/i.test(a.name))
            .map((a) => `${el.tagName}[${a.name}=${a.value}]`),
        ),
        inertImages: root.querySelectorAll('.inert-image').length,
        inertLinks: root.querySelectorAll('.inert-link').length,
        text: (root as HTMLElement).innerText,
      };
    });
  ctx.log(`${when} hostile answer: ${found.inertImages} inert image(s), ${found.inertLinks} inert link(s)`);
  check(found.dangerousTags.length === 0, `${when}: no active elements: ${found.dangerousTags.join(', ')}`);
  check(found.handlers.length === 0, `${when}: no event handlers: ${found.handlers.join(', ')}`);
  check(found.navigating.length === 0, `${when}: no href/src/style attributes: ${found.navigating.join(', ')}`);
  check(
    found.inertImages >= 1 && found.text.includes('(image not loaded)'),
    `${when}: the remote image should show as inert text`,
  );
  check(found.text.includes('<img src='), `${when}: the raw HTML should show as text`);
}

/** Creates a file in the run's state folder and opens it. */
export async function openFile(ctx: ScenarioContext, name: string, content: string): Promise<string> {
  const path = join(ctx.stateDir, name);
  writeFileSync(path, content);
  // Quick Open takes an absolute path (the file dialog's listing can lag behind a new file).
  await ctx.wb.runCommand('Go to File...');
  await ctx.wb.pick(name, path);
  await waitFor(`the ${name} tab`, async () => (await ctx.wb.activeTabTitle()) === name, 15_000);
  return path;
}
