// The chat view as the user sees it: a streamed answer from the test model with its thinking
// block, Stop, Insert and Apply (through the diff and Accept), history across a window reload,
// a crash mid-answer, and a hostile answer that renders inert without a single network request.
import type { Request } from 'playwright-core';
import { goToLine } from '../harness/files';
import { check, scenario } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import {
  answers,
  checkInert,
  countLogged,
  functionBlock,
  lastAnswerDone,
  loggedAt,
  MODEL,
  newChat,
  openChat,
  openFile,
  send,
  startNeverEndingAnswer,
} from './chat.helpers';
import { waitForReady } from './engine';

export const chatScenarios = [
  scenario('the chat opens with its keyboard command, shows the chat model and focuses its input', async (ctx) => {
    await waitForReady(ctx);
    await ctx.wb.runCommand('View: Close All Editors'); // earlier scenarios may leave a page that keeps the focus
    const frame = await openChat(ctx);
    await waitFor(
      'the input to have the focus',
      () => frame.locator('textarea.input').evaluate((el) => el === document.activeElement),
      5000,
    );
    // The keybinding, from a text editor.
    await openFile(ctx, 'keys.txt', 'some text\n');
    await ctx.wb.activeEditor().click({ position: { x: 200, y: 10 } });
    await ctx.page.keyboard.press('Control+Shift+Alt+KeyA');
    await waitFor(
      'Ctrl+Shift+Alt+A to focus the input again',
      () => frame.locator('textarea.input').evaluate((el) => el === document.activeElement && document.hasFocus()),
      5000,
    );
    const input = frame.locator('textarea.input');
    const before = await answers(frame).count();
    await input.press('a');
    await input.press('Shift+Enter');
    await input.press('b');
    check(
      (await input.inputValue()) === 'a\nb',
      `Shift+Enter should add a line, not send: ${JSON.stringify(await input.inputValue())}`,
    );
    check((await answers(frame).count()) === before, 'nothing should have been sent');
    await input.fill('');
    await send(frame, 'Keep talking FOREVER');
    const answer = answers(frame).last();
    await waitFor(
      'the answer to stream',
      async () => (await answer.locator('.answer').innerText()).length > 40,
      20_000,
    );
    await input.press('Escape');
    await waitFor(
      'Escape to stop the answer',
      async () =>
        (
          await answer
            .locator('.turn-status')
            .innerText()
            .catch(() => '')
        ).includes('stopped'),
      5000,
    );
    await newChat(ctx, frame);
    await ctx.wb.runCommand('View: Close All Editors');
  }),

  scenario('the chat header shows the model loading after Restart Engine, then ready again', async (ctx) => {
    const frame = await openChat(ctx);
    await frame.locator('.header').evaluate((header) => {
      const seen: string[] = [];
      const read = () => {
        const text = header.querySelector('.engine-phase')?.textContent ?? '';
        if (seen[seen.length - 1] !== text) seen.push(text);
      };
      new MutationObserver(read).observe(header, { subtree: true, childList: true, characterData: true });
      (window as unknown as { phases: string[] }).phases = seen;
    });
    await ctx.wb.runCommand('Alembic: Restart Engine');
    const phases = () => frame.locator('.header').evaluate(() => (window as unknown as { phases: string[] }).phases);
    await waitFor(
      'the header to show the engine starting or loading',
      async () => (await phases()).some((p) => /loading|starting/.test(p)),
      30_000,
    );
    await waitForReady(ctx, 60_000);
    await waitFor(
      'the header to say ready',
      async () => (await frame.locator('.engine-phase').innerText()) === 'ready',
      15_000,
    );
    ctx.log(`header states: ${(await phases()).join(' → ')}`);
  }),

  scenario("the chat header's model button offers the chat models", async (ctx) => {
    const frame = await openChat(ctx);
    await frame.locator('.model-button').click();
    const rows = await waitFor(
      'the chat model picker',
      async () => {
        const r = await ctx.wb.quickPickRows();
        return r.some((row) => row.startsWith('Same as the completion model')) ? r : undefined;
      },
      10_000,
    );
    check(
      rows.some((r) => r.includes('Browse for a .gguf file')),
      `the picker should offer to browse: ${rows.join(' | ')}`,
    );
    await ctx.wb.closeQuickInput();
  }),

  scenario(
    "the chat streams the test model's answer as markdown, with a folded thinking block and the speed under it",
    async (ctx) => {
      await waitForReady(ctx);
      await ctx.wb.runCommand('Go to File...');
      await ctx.wb.pick('cart.js', 'cart.js');
      await waitFor('the cart.js tab', async () => (await ctx.wb.activeTabTitle()) === 'cart.js', 10_000);
      const frame = await openChat(ctx);
      await waitFor(
        'the cart.js chip',
        async () => (await frame.locator('.composer .chip', { hasText: 'cart.js' }).count()) === 1,
        10_000,
      );
      await send(frame, 'Write a function that adds two numbers');
      const text = await lastAnswerDone(frame);
      check(
        text.includes('Here is a small function that adds two numbers') && text.includes('Call it as'),
        `the answer should be the test model's: ${text}`,
      );
      const answer = answers(frame).last();
      check(
        await answer.locator('.code-block .hljs-keyword', { hasText: 'function' }).first().isVisible(),
        'the code should be highlighted',
      );
      const thinking = answer.locator('details.thinking');
      check(await thinking.isVisible(), 'the thinking block should show');
      check(!(await thinking.evaluate((el) => (el as HTMLDetailsElement).open)), 'the thinking block should be folded');
      const label = await thinking.locator('summary').innerText();
      check(/Thought for \d+\.\d s/.test(label), `the thinking block should say how long: "${label}"`);
      check(!text.includes('The user wants'), 'the thought should not be in the answer');
      const stats = await answer.locator('.stats').innerText();
      check(
        stats.includes(MODEL) && /tokens\/s/.test(stats),
        `the footer should name the model and the speed: "${stats}"`,
      );
      await ctx.screenshot('chat-answer', { readme: true });
      await thinking.locator('summary').click();
      await waitFor('the thought to show', () => thinking.locator('.thought-body').isVisible(), 5000);
      check(
        (await thinking.locator('.thought-body').innerText()).includes('The user wants a helper that adds two numbers'),
        "the thought should be the test model's",
      );
      await ctx.screenshot('chat-thinking', { readme: true });
      await thinking.locator('summary').click();
      check(
        (await frame.locator('.turn.user').last().locator('.chip').allInnerTexts()).some((t) => t.includes('cart.js')),
        'the message should show the attached file',
      );
      await ctx.wb.runCommand('View: Close All Editors');
    },
  ),

  scenario('the chat follows the dark and high-contrast themes, code colours included', async (ctx) => {
    const frame = await openChat(ctx);
    await functionBlock(ctx, frame);
    const look = () =>
      frame.locator('body').evaluate((body) => ({
        theme: [...body.classList].filter((c) => c.startsWith('vscode-')).join(' '),
        keyword: getComputedStyle(body.querySelector('.hljs-keyword')!).color,
        text: getComputedStyle(body).color,
        inlineCode: (() => {
          const style = getComputedStyle(body.querySelector('.answer p code')!);
          return { color: style.color, background: style.backgroundColor };
        })(),
      }));
    const before = await look();
    const themes: [string, RegExp, string][] = [
      ['Dark Modern', /vscode-dark/, 'chat-dark'],
      ['Dark High Contrast', /vscode-high-contrast/, 'chat-high-contrast'],
    ];
    const seen = [before];
    for (const [theme, bodyClass, shot] of themes) {
      await ctx.wb.runCommand('Preferences: Color Theme');
      await ctx.wb.pick(theme, theme);
      const now = await waitFor(
        `the chat in ${theme}`,
        async () => {
          const l = await look();
          return bodyClass.test(l.theme) ? l : undefined;
        },
        10_000,
      );
      ctx.log(
        `${theme}: text ${now.text}, keywords ${now.keyword}, inline code ${now.inlineCode.color} on ${now.inlineCode.background}`,
      );
      check(
        now.inlineCode.color !== now.inlineCode.background,
        `${theme}: inline code should be readable: ${JSON.stringify(now.inlineCode)}`,
      );
      check(
        seen.every((l) => l.keyword !== now.keyword || l.text !== now.text),
        `${theme} should change the colours: ${JSON.stringify(now)}`,
      );
      seen.push(now);
      await ctx.screenshot(shot);
    }
    await ctx.wb.runCommand('Preferences: Color Theme');
    await ctx.wb.pick(
      /vscode-light/.test(before.theme) ? 'Light Modern' : 'Dark Modern',
      /vscode-light/.test(before.theme) ? 'Light Modern' : 'Dark Modern',
    );
    await waitFor('the original theme', async () => (await look()).keyword === before.keyword, 10_000);
  }),

  scenario(
    'the chat attaches the active file as a removable chip, ⚠ its problems (only when it has some), and @ a workspace file',
    async (ctx) => {
      await waitForReady(ctx);
      await openFile(ctx, 'clean.js', 'const clean = [];\n');
      let frame = await openChat(ctx);
      const chips = () => frame.locator('.composer .chip');
      await waitFor(
        'the clean.js chip',
        async () => (await chips().filter({ hasText: 'clean.js' }).count()) === 1,
        10_000,
      );
      await frame.locator('button[aria-label="Attach the problems of the active file"]').click();
      await waitFor(
        'the status bar to say clean.js has no problems',
        async () =>
          (await ctx.page.locator('.part.statusbar').innerText()).includes('clean.js has no problems to attach'),
        5000,
      );
      check(
        (await chips().filter({ hasText: 'Problems in' }).count()) === 0,
        'no problems chip for a file without problems',
      );
      await ctx.wb.runCommand('View: Close All Editors');
      await openFile(ctx, 'notes.js', 'const notes = [];\nnotes.push(;\n');
      await waitFor(
        'the syntax error to be underlined',
        () => ctx.page.locator('.part.editor .squiggly-error').first().isVisible(),
        60_000,
      );
      frame = await openChat(ctx);
      await waitFor(
        'the active file chip',
        async () => (await chips().filter({ hasText: 'notes.js' }).count()) === 1,
        10_000,
      );
      await chips().filter({ hasText: 'notes.js' }).locator('.chip-remove').click();
      await waitFor('the chip to go', async () => (await chips().filter({ hasText: 'notes.js' }).count()) === 0, 5000);
      await frame.locator('button[aria-label="Attach the problems of the active file"]').click();
      await waitFor(
        'the problems chip',
        async () => (await chips().filter({ hasText: 'Problems in notes.js' }).count()) === 1,
        5000,
      );
      const input = frame.locator('textarea.input');
      await input.click();
      await input.pressSequentially('What does @');
      await ctx.wb.pick('cart.js', 'cart.js');
      await waitFor(
        'the cart.js chip',
        async () => (await chips().filter({ hasText: 'cart.js' }).count()) === 1,
        10_000,
      );
      await waitFor('the mention in the text', async () => (await input.inputValue()) === 'What does @cart.js ', 5000);
      const before = await frame.locator('.turn.user').count();
      await input.pressSequentially('do?');
      await input.press('Enter');
      await waitFor('the message to show', async () => (await frame.locator('.turn.user').count()) > before, 10_000);
      await lastAnswerDone(frame);
      const asked = frame.locator('.turn.user').last();
      check(
        (await asked.locator('.chip').allInnerTexts()).some((t) => t.includes('cart.js')),
        'the message should show the attached file',
      );
      const sent = await asked.locator('.chip').allInnerTexts();
      check(
        sent.some((t) => t.includes('Problems in notes.js')),
        `the problems should be attached: ${sent.join(', ')}`,
      );
      check(
        sent.every((t) => t.trim() !== 'notes.js'),
        `the removed chip should not be attached: ${sent.join(', ')}`,
      );
      check((await chips().count()) === 0, 'the @ chip is used by one message');
      await ctx.wb.runCommand('View: Close All Editors');
    },
  ),

  scenario('the chat Insert button puts a code block at the cursor of the active file', async (ctx) => {
    await waitForReady(ctx);
    await openFile(ctx, 'insert-target.js', '// start\n\n// end\n');
    await goToLine(ctx, 2, 'start');
    const frame = await openChat(ctx);
    const block = await functionBlock(ctx, frame);
    await block.locator('button[data-action="insert"]').click();
    const text = await waitFor(
      'the code in the file',
      async () => {
        const t = await ctx.wb.activeEditorText();
        return t.includes('function add(a, b) {') ? t : undefined;
      },
      10_000,
    );
    check(
      text.startsWith('// start\nfunction add(a, b) {\n  return a + b;\n}'),
      `the code should be at the cursor:\n${text}`,
    );
    await ctx.wb.runCommand('View: Revert and Close Editor');
  }),

  scenario(
    'the chat Apply button shows the change in a diff, Accept changes the file in one undo step, ' +
      'Reject leaves it, and a block the file already has opens no diff',
    async (ctx) => {
      await waitForReady(ctx);
      await openFile(
        ctx,
        'apply-target.js',
        'const x = 1;\n\nfunction add(a, b) {\n  return a - b;\n}\n\nmodule.exports = { add };\n',
      );
      const frame = await openChat(ctx);
      const block = () => functionBlock(ctx, frame);
      await (await block()).locator('button[data-action="apply"]').click();
      const review = 'apply-target.js: Apply (review)';
      await waitFor('the review diff', async () => (await ctx.wb.activeTabTitle()) === review, 15_000);
      await ctx.screenshot('chat-apply-diff');
      const accept = ctx.page.locator('.part.editor .editor-group-container.active .editor-actions .action-label', {
        hasText: /^Accept$/,
      });
      check(await accept.isVisible(), 'the diff should have a labelled Accept button in its title');
      await accept.click();
      await waitFor('the diff to close', async () => (await ctx.wb.activeTabTitle()) === 'apply-target.js', 10_000);
      const applied = await ctx.wb.activeEditorText();
      check(
        applied === 'const x = 1;\n\nfunction add(a, b) {\n  return a + b;\n}\n\nmodule.exports = { add };\n',
        `only the function should change:\n${applied}`,
      );

      // The same block again: the file already has it, so there is nothing to review.
      await openChat(ctx);
      await (await block()).locator('button[data-action="apply"]').click();
      const same = await ctx.wb.waitForNotification('nothing to apply', (n) =>
        n.message.includes('apply-target.js already has this code'),
      );
      ctx.log(`identical block: "${same.message}"`);
      await ctx.page.waitForTimeout(500);
      check(
        (await ctx.wb.activeTabTitle()) === 'apply-target.js',
        `no review diff should open: "${await ctx.wb.activeTabTitle()}"`,
      );
      await ctx.wb.clearNotifications();
      await ctx.wb.activeEditor().click({ position: { x: 200, y: 10 } });
      await ctx.page.keyboard.press('Control+Z');
      const undone = await ctx.wb.activeEditorText();
      check(
        undone.includes('return a - b;') && !undone.includes('a + b'),
        `one undo should restore the file:\n${undone}`,
      );

      await openChat(ctx);
      await (await block()).locator('button[data-action="apply"]').click();
      await waitFor('the review diff', async () => (await ctx.wb.activeTabTitle()) === review, 15_000);
      await ctx.wb.runCommand('Alembic: Reject Proposed Change');
      await waitFor(
        'the diff to close',
        async () => (await ctx.wb.activeTabTitle()) !== '' && !(await ctx.wb.activeTabTitle()).includes('(review)'),
        10_000,
      );
      await ctx.wb.runCommand('View: Revert and Close Editor').catch(() => undefined);
      await ctx.wb.runCommand('View: Close All Editors');
    },
    { timeoutMs: 90_000 },
  ),

  scenario(
    'the chat keeps its conversations across a window reload, a partial answer marked interrupted',
    async (ctx) => {
      let frame = await openChat(ctx);
      await newChat(ctx, frame); // a short conversation: the answer then runs until the reload
      await send(frame, 'Write a function that adds two numbers');
      await lastAnswerDone(frame);
      await send(frame, 'Tell me a story FOREVER');
      const answer = answers(frame).last();
      // The test model writes hundreds of tokens a second and its loop ends when the context is full:
      // reload at once (the answer is saved as it starts streaming, then twice a second).
      await waitFor(
        'the answer to stream',
        async () => (await answer.locator('.answer').innerText()).length > 40,
        20_000,
      );
      await ctx.wb.runCommand('Developer: Reload Window');
      await ctx.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 90_000 });
      frame = await openChat(ctx);
      const restored = answers(frame);
      await waitFor('the conversation to come back', async () => (await restored.count()) === 2, 15_000);
      check((await restored.filter({ hasText: 'Call it as' }).count()) >= 1, 'the finished answers should be restored');
      const last = restored.last();
      const partial = await last.locator('.answer').innerText();
      check(partial.includes('and on'), `the partial answer should be kept: ${partial.slice(0, 100)}`);
      check(
        (await last.locator('.turn-status').innerText()).includes('interrupted'),
        'the partial answer should be marked interrupted',
      );

      await newChat(ctx, frame);
      await ctx.wb.runCommand('Alembic: Show Chat History');
      await ctx.wb.pick('Write a function that adds two numbers', 'adds two');
      await waitFor('the conversation to reopen', async () => (await answers(frame).count()) === 2, 10_000);
    },
    { timeoutMs: 150_000 },
  ),

  scenario('the chat Stop button ends a never-ending answer at once and keeps what was written', async (ctx) => {
    const { frame, answer } = await startNeverEndingAnswer(ctx, 'Count to infinity');
    const stop = frame.locator('button.stop-button');
    check(await stop.isVisible(), 'the Stop button should show while the answer streams');
    // The moment the click reaches the page, on the machine's clock (shared with the extension host's log).
    await stop.evaluate((el) =>
      el.addEventListener(
        'click',
        () => ((window as unknown as { stopClickedAt: number }).stopClickedAt = Date.now()),
        { once: true },
      ),
    );
    await stop.click();
    await waitFor('the engine to confirm the stop', async () => (await answer.locator('.stats').count()) > 0, 5000, 10);
    const clickedAt = await stop.evaluate(() => (window as unknown as { stopClickedAt: number }).stopClickedAt);
    const ended = await waitFor(
      "the log line of the generation's end",
      () => loggedAt(ctx, 'the engine ended the generation'),
      5000,
    );
    const received = await waitFor('the log line of the stop', () => loggedAt(ctx, 'stopping the answer'), 5000);
    ctx.log(
      `Stop clicked → extension host ${received - clickedAt} ms → engine ended the generation ${ended - received} ms later (${ended - clickedAt} ms in all)`,
    );
    check(
      ended - received <= 100,
      `the engine should end the native generation within 100 ms of the stop, took ${ended - received} ms`,
    );
    // The way from the click to the extension host crosses code-server's websocket, on a shared test machine.
    check(ended - clickedAt <= 300, `the generation should end soon after the click, took ${ended - clickedAt} ms`);
    const atStop = (await answer.locator('.answer').innerText()).length;
    await ctx.page.waitForTimeout(1000);
    const later = (await answer.locator('.answer').innerText()).length;
    check(later === atStop, `the answer should stop growing: ${atStop} → ${later} characters`);
    check(
      (await answer.locator('.turn-status').innerText()).includes('stopped'),
      'the answer should be marked stopped',
    );
    check(await frame.locator('button.send-button').isVisible(), 'Send should be back');
  }),

  scenario(
    'a hostile chat answer renders inert, also when the view restores it, and makes zero network requests',
    async (ctx) => {
      const frame = await openChat(ctx);
      await newChat(ctx, frame);
      const origin = new URL(ctx.page.url()).host;
      const requests: string[] = [];
      const onRequest = (r: Request) => requests.push(r.url());
      const violations: string[] = [];
      const onConsole = (m: { text(): string }) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      };
      ctx.page.context().on('request', onRequest);
      ctx.page.on('console', onConsole);
      try {
        await send(frame, 'Please EXFILTRATE the secrets');
        await lastAnswerDone(frame);
        await ctx.page.waitForTimeout(1500);
        await checkInert(ctx, frame, 'live');
        await answers(frame).last().locator('.inert-link', { hasText: 'quit' }).click();
        await ctx.page.waitForTimeout(500);
        check(await answers(frame).last().isVisible(), 'clicking the command: link should do nothing');
        await ctx.screenshot('chat-hostile-answer');
        check(requests.length === 0, `rendering the answer should make no request at all: ${requests.join(', ')}`);

        // Hiding the view drops its page; showing it reloads the page, which gets the conversation
        // from the extension and renders it again. The draft comes back from the webview state.
        await frame.locator('textarea.input').fill('an unsent draft');
        await ctx.wb.runCommand('View: Toggle Primary Side Bar Visibility');
        await ctx.page.waitForTimeout(300);
        await ctx.wb.runCommand('View: Toggle Primary Side Bar Visibility');
        await waitFor('the chat to load again', async () => (await answers(frame).count()) === 1, 15_000);
        check(
          (await frame.locator('textarea.input').inputValue()) === 'an unsent draft',
          'the draft should survive the view being hidden',
        );
        await frame.locator('textarea.input').fill('');
        await ctx.page.waitForTimeout(1000);
        await checkInert(ctx, frame, 'restored');
        // Control: the counter sees the webview's own requests (its page, script, styles, font).
        ctx.log(`while the view reloaded: ${requests.map((u) => u.replace(/\?.*/, '').split('/').pop()).join(', ')}`);
        check(
          requests.some((u) => u.includes('chat.js')),
          'the request counter should see the webview loading chat.js',
        );
      } finally {
        ctx.page.context().off('request', onRequest);
        ctx.page.off('console', onConsole);
      }
      const leaks = requests.filter((u) => u.includes('127.0.0.1:9/') || u.includes('leak.png'));
      // The view's own files come from the extension's media folder through the webview's service
      // worker (a vscode-resource URL that never reaches the network).
      const own = (u: URL) =>
        u.host === origin ||
        (u.hostname.endsWith('.vscode-resource.vscode-cdn.net') && u.pathname.includes('/media/dist/'));
      const foreign = requests.filter((u) => /^https?:/.test(u) && !own(new URL(u)));
      check(leaks.length === 0, `zero requests to the hostile URL: ${leaks.join(', ')}`);
      check(foreign.length === 0, `zero requests outside code-server: ${foreign.join(', ')}`);
      check(violations.length === 0, `nothing should even try to load (CSP reports): ${violations.join(' | ')}`);
    },
  ),

  scenario(
    'forged messages from the chat webview are dropped with a log line and change nothing',
    async (ctx) => {
      const frame = await openChat(ctx);
      const turnsBefore = await frame.locator('.turn').count();
      // The webview host page holds the function a webview's script posts through; calling it
      // directly is what a compromised page would do.
      const host = ctx.page
        .frames()
        .find((f) => f.url().includes('extensionId=alembic.alembic') && f.url().includes('index.html'));
      check(host, 'the chat webview host frame should be found');
      const forged: unknown[] = [
        { type: 'runCommand', command: 'workbench.action.quit' },
        { type: 'send', requestId: 'r1', text: 'x'.repeat(50 * 1024 * 1024), attachmentIds: [] },
        { type: 'codeAction', action: 'apply', turnId: 5, block: '0' },
        { type: 'removeAttachment', id: '../../etc/passwd' },
        { type: 'openLink', url: 'command:workbench.action.quit' },
        { type: 'send', requestId: 'r2', text: 'hi', attachmentIds: [], path: '/etc/passwd' },
      ];
      const dropped = () => countLogged(ctx, 'dropped a message from the chat webview');
      const before = dropped();
      for (const message of forged) {
        await host!.evaluate(
          (m) =>
            (window as unknown as { __vscode_post_message__(c: string, d: unknown): void }).__vscode_post_message__(
              'onmessage',
              { message: m },
            ),
          message,
        );
      }
      await waitFor('a log line for each forged message', () => dropped() - before === forged.length, 30_000);
      check((await frame.locator('.turn').count()) === turnsBefore, 'no message should have been sent');
      check(await frame.locator('.model-name').isVisible(), 'the window should still be there');
      ctx.log(`${forged.length} forged messages dropped, each with a log line`);
    },
    { timeoutMs: 90_000 },
  ),

  scenario(
    'a chat answer cut by an engine crash is kept and marked interrupted, and the next message restarts the engine',
    async (ctx) => {
      const { frame, answer } = await startNeverEndingAnswer(ctx, 'Ramble on');
      const pids = ctx.enginePids();
      check(pids.length === 1, `one engine process should run: ${pids.join(', ')}`);
      process.kill(pids[0]!, 'SIGKILL');
      await waitFor(
        'the answer to be marked interrupted',
        async () =>
          (
            await answer
              .locator('.turn-status')
              .innerText()
              .catch(() => '')
          ).includes('interrupted'),
        10_000,
      );
      const kept = await answer.locator('.answer').innerText();
      check(kept.includes('and on'), `the partial answer should be kept: ${kept.slice(0, 80)}`);
      const error = await answer.locator('.turn-error').innerText();
      check(
        /stopped unexpectedly \(killed by SIGKILL\)\. What was written so far is kept/.test(error),
        `the answer should say what happened: "${error}"`,
      );
      check(
        (await frame.locator('.banner.warning').innerText()).includes('restarts with your next message'),
        'the header should say the engine restarts',
      );
      await ctx.screenshot('chat-engine-crashed');
      await newChat(ctx, frame);
      await send(frame, 'Write a function that adds two numbers');
      const text = await lastAnswerDone(frame, 60_000);
      check(text.includes('Call it as'), `the restarted engine should answer: ${text.slice(0, 80)}`);
      check(await frame.locator('.banner').isHidden(), 'the banner should go once the engine is back');
    },
    { timeoutMs: 120_000 },
  ),
];
