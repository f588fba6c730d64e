// Alembic against a team's GPU server, in the real VS Code: a real llama-server (the one the server
// tier builds from node-llama-cpp's llama.cpp) on 127.0.0.1 serving the Qwen-vocabulary test model.
// With completions and chat set to it, the status bar names the server, ghost text and a chat
// answer come from it; when the server goes away the user is told in its words with a way out,
// and it is used again once it is back.
import { startLlamaServer, type LlamaServer } from '../../../src/core/bench/llamaServer';
import { llamaServerPath } from '../../helpers/llamaServer';
import { testModelPath } from '../../helpers/testModel';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';
import { chat, lastAnswerDone, newChat, send } from './chat.helpers';
import { typeForFimGhostText } from './completion';
import { STATUS_ITEM, waitForReady } from './engine';

const SERVER_KEYS = ['alembic.chat.backend', 'alembic.completion.backend', 'alembic.completion.endpoint'] as const;

function start(port?: number): Promise<LlamaServer> {
  return startLlamaServer({
    binary: llamaServerPath(),
    model: testModelPath('qwen'),
    flags: ['-c', '4096', '--parallel', '2'],
    threads: 1,
    ...(port && { port }),
  });
}

async function statusSays(
  ctx: ScenarioContext,
  what: string,
  test: (text: string, label: string) => boolean,
  ms = 30_000,
) {
  let last = '';
  await waitFor(
    `the status bar to say ${what}`,
    async () => {
      const item = await ctx.wb.statusItem(STATUS_ITEM);
      last = `"${item?.text}" (${item?.label})`;
      return item && test(item.text, item.label);
    },
    ms,
  ).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : e}; it showed ${last}`);
  });
}

export const teamServerScenarios = [
  scenario(
    'with completions and chat on a llama-server, the status bar names it, ghost text and chat come ' +
      'from it, and a server that went away is reported and used again once back',
    async (ctx) => {
      await waitForReady(ctx);
      let server = await start();
      const where = `127.0.0.1:${server.port} · llama-server`;
      try {
        await ctx.editSetting('alembic.completion.endpoint', server.url);
        await ctx.editSetting('alembic.completion.backend', 'llama-server');
        await ctx.editSetting('alembic.chat.backend', 'llama-server');
        await statusSays(
          ctx,
          `"Alembic: ${where}", ready`,
          (text, label) => text.includes(`Alembic: ${where}`) && label.includes('test-model-qwen on'),
        );

        await ctx.wb.runCommand('View: Close All Editors');
        await typeForFimGhostText(ctx, 'server-total.js', "ghost text from the server's model");
        await ctx.screenshot('server-ghost-text', { region: 'statusbar-right' });
        await ctx.page.keyboard.press('Escape');
        await ctx.wb.runCommand('View: Revert and Close Editor');

        await ctx.wb.runCommand('Alembic: Select Model…');
        const rows = await waitFor(
          "Select Model to list the server's models",
          async () => {
            const listed = await ctx.wb.quickPickRows();
            return listed.some((r) => r.includes('test-model-qwen.gguf')) ? listed : undefined;
          },
          15_000,
        );
        check(
          rows.some((r) => r.includes('Use a Model on This Machine Instead')),
          `a way back to a local model: ${rows.join(' | ')}`,
        );
        await ctx.wb.closeQuickInput();

        await ctx.wb.runCommand('Alembic: Focus Chat Input');
        const frame = chat(ctx);
        await waitFor(
          'the chat header to name the server model',
          async () =>
            (
              await frame
                .locator('.model-name')
                .innerText({ timeout: 1000 })
                .catch(() => '')
            ).includes('test-model-qwen · 127.0.0.1'),
          30_000,
        );
        await newChat(ctx, frame);
        await send(frame, 'Write a function that adds two numbers');
        const answer = await lastAnswerDone(frame);
        check(answer.includes('Here is a small function that adds two numbers'), `the server's answer: ${answer}`);
        await newChat(ctx, frame);

        // The server goes away: the next check says so, in its words, with Retry.
        const port = server.port;
        await server.stop();
        await ctx.wb.clearNotifications().catch(() => undefined);
        await ctx.wb.runCommand('Alembic: Check the Server Again');
        const note = await ctx.wb.waitForNotification('the server is unreachable', (n) =>
          n.message.includes('Nothing answers at'),
        );
        check(note.buttons.includes('Retry'), `the notification should offer Retry: ${note.buttons.join(', ')}`);
        await statusSays(
          ctx,
          'the server is unusable',
          (text, label) => text.includes(where) && label.includes('is unusable'),
        );

        server = await start(port);
        await ctx.wb.runCommand('Alembic: Check the Server Again');
        await statusSays(ctx, 'the server is ready again', (_text, label) => label.includes('test-model-qwen on'));
      } finally {
        for (const key of SERVER_KEYS) {
          for (let attempt = 1; ctx.savedSetting(key) !== (key.endsWith('endpoint') ? '' : 'local'); attempt++) {
            // eslint-disable-next-line no-unsafe-finally -- later scenarios would talk to a stopped server: this outranks the scenario's own failure
            if (attempt > 3) throw new Error(`could not put ${key} back`);
            await ctx
              .editSetting(key, key.endsWith('endpoint') ? '' : 'local')
              .catch((e: unknown) => ctx.log(`restoring ${key} failed: ${e}`));
          }
        }
        await server.stop();
        await ctx.wb.clearNotifications().catch(() => undefined);
        await waitForReady(ctx, 60_000);
      }
    },
    { timeoutMs: 240_000 },
  ),
];
