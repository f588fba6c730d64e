// What one soak "user" does in its VS Code window, round after round: types code and takes the
// ghost text, asks the chat, and runs an editing command whose diff it rejects. Built on the
// end-to-end harness and the scenarios' helpers, so it drives the workbench exactly as they do.
import { join } from 'node:path';
import { FIM_ANSWER } from '../../test/fixtures/makeTestModel';
import { goToLineEnd, openScratchFile } from '../../test/e2e/harness/files';
import type { ScenarioContext } from '../../test/e2e/harness/scenario';
import { waitFor } from '../../test/e2e/harness/workbench';
import { lastAnswerDone, newChat, openChat, send } from '../../test/e2e/scenarios/chat.helpers';
import { waitForReady } from '../../test/e2e/scenarios/engine';

export type ActivityKind = 'typing' | 'chat' | 'command';

export interface ActivityOutcome {
  kind: ActivityKind;
  ok: boolean;
  ms: number;
  /** What went wrong, for a failed one. */
  error?: string;
  /** Typing: suggestions shown and accepted with Tab. */
  suggestions?: number;
}

const SOURCE = 'export function total(items) {\n  return\n}\n';
const TYPED = ['const count = items.length;', 'const first = items[0];', 'if (!first) return 0;'];
const CHAT_QUESTIONS = ['Explain closures in one sentence', 'Write a function that adds two numbers', 'What is a Map?'];
const EDIT_SOURCE = 'const rate = 2;\n\nfunction double(x) {\n  return x * rate;\n}\n';

async function ghostText(ctx: ScenarioContext): Promise<string> {
  const parts = await ctx.page.locator('.part.editor .ghost-text-decoration, .part.editor .ghost-text').allInnerTexts();
  return parts.join('').replace(/\u00a0/g, ' ');
}

/** Types at a person's pace (80-200 ms a key, seeded by the round), in the line above `return`,
 * then asks for the completion after `return ` and accepts it with Tab. */
async function typing(ctx: ScenarioContext, round: number): Promise<number> {
  await waitForReady(ctx);
  await ctx.wb.runCommand('View: Close All Editors');
  await openScratchFile(ctx, `soak-${round % 4}.js`, SOURCE);
  await goToLineEnd(ctx, 1);
  await ctx.page.keyboard.press('Enter');
  const line = TYPED[round % TYPED.length]!;
  for (const [i, key] of [...line].entries()) {
    await ctx.page.keyboard.type(key);
    await ctx.page.waitForTimeout(80 + ((round * 31 + i * 17) % 120));
  }
  await ctx.page.keyboard.press('Escape');
  await goToLineEnd(ctx, 3);
  await ctx.page.keyboard.type(' ', { delay: 50 });
  await waitFor('ghost text after "return "', async () => (await ghostText(ctx)).includes('items.reduce'), 30_000);
  await ctx.page.keyboard.press('Tab');
  await waitFor(
    'the suggestion to be inserted',
    async () => (await ctx.wb.activeEditorText()).includes(FIM_ANSWER),
    5000,
  ).catch(async (e: unknown) => {
    const shot = join(ctx.stateDir, `soak-typing-${round}-${Date.now()}.png`);
    await ctx.page.screenshot({ path: shot }).catch(() => undefined);
    const text = JSON.stringify(await ctx.wb.activeEditorText().catch(() => '?'));
    throw new Error(`${e instanceof Error ? e.message : String(e)}; the file holds ${text} (${shot})`);
  });
  await ctx.wb.runCommand('View: Revert and Close Editor');
  return 1;
}

/** One chat turn; a new conversation every fourth round, so the history grows and is also pruned. */
async function chat(ctx: ScenarioContext, round: number): Promise<void> {
  const frame = await openChat(ctx);
  if (round % 4 === 0) await newChat(ctx, frame);
  await send(frame, CHAT_QUESTIONS[round % CHAT_QUESTIONS.length]!);
  await lastAnswerDone(frame, 60_000);
}

/** Edit Selection… on a function, then Reject in the review diff: the file must stay unchanged. */
async function command(ctx: ScenarioContext, round: number): Promise<void> {
  await waitForReady(ctx);
  await ctx.wb.runCommand('View: Close All Editors');
  await openScratchFile(ctx, `soak-edit-${round % 4}.js`, EDIT_SOURCE);
  await goToLineEnd(ctx, 4);
  await ctx.wb.runCommand('Alembic: Edit Selection…');
  await ctx.wb.pick('use addition', 'use addition');
  await waitFor('the review diff', async () => (await ctx.wb.activeTabTitle()).includes('(review)'), 60_000);
  await ctx.wb.runCommand('Alembic: Reject Proposed Change');
  await waitFor('the diff to close', async () => !(await ctx.wb.activeTabTitle()).includes('(review)'), 10_000);
  const text = await ctx.wb.activeEditorText();
  if (text !== EDIT_SOURCE) throw new Error(`Reject changed the file:\n${text}`);
  await ctx.wb.runCommand('View: Close All Editors');
}

/** Runs one activity; a failure is recorded (with its first line) and the window is tidied up so
 * that the next activity starts from a clean workbench. */
export async function runActivity(ctx: ScenarioContext, kind: ActivityKind, round: number): Promise<ActivityOutcome> {
  const started = Date.now();
  try {
    const suggestions =
      kind === 'typing' ? await typing(ctx, round) : (await (kind === 'chat' ? chat : command)(ctx, round), undefined);
    return { kind, ok: true, ms: Date.now() - started, ...(suggestions !== undefined && { suggestions }) };
  } catch (e) {
    const error = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    await ctx.page.keyboard.press('Escape').catch(() => undefined);
    await ctx.wb.runCommand('View: Revert and Close Editor').catch(() => undefined);
    await ctx.wb.runCommand('View: Close All Editors').catch(() => undefined);
    return { kind, ok: false, ms: Date.now() - started, error };
  }
}
