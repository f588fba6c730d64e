// One engine for every window, as the user has it: two browser pages on one code-server are two
// VS Code windows with two extension hosts. With alembic.engine.shareAcrossWindows on, both use one
// engine process and one model load, both show ghost text, and when the engine is killed both
// recover on one new engine. (The suite runs with the setting off, so that the other scenarios
// find each window's own engine under code-server; this one turns it on and off again.) The
// runtime folder of the shared engine is the run's own (ALEMBIC_RUNTIME_DIR, set by run.ts).
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { enableDevelopmentPayload } from '../harness/browser';
import { CODE_SERVERS } from '../harness/paths';
import { processTable } from '../harness/processes';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor, Workbench } from '../harness/workbench';
import { typeForFimGhostText } from './completion';
import { waitForReady } from './engine';

const runtimeDir = () => process.env.ALEMBIC_RUNTIME_DIR ?? '';

/** Engine processes of this run's shared engine: started by its host (dist/engineHost.js). */
function sharedEngines(): { hosts: number[]; engines: number[] } {
  const table = processTable();
  const hosts = table.filter((p) => /\bdist\/engineHost\.js\b/.test(p.args) && ownedByRun(p.pid)).map((p) => p.pid);
  const engines = table.filter((p) => hosts.includes(p.ppid) && /\bdist\/engine\.js\b/.test(p.args)).map((p) => p.pid);
  return { hosts, engines };
}

function ownedByRun(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`ALEMBIC_SHARED_DIR=${runtimeDir()}`);
  } catch {
    return false;
  }
}

/** The host's own count of model loads, asked over its socket with its token, as a window asks. */
function hostModelLoads(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(join(runtimeDir(), 'engine.sock'));
    let buffered = '';
    socket.on('error', reject);
    socket.on('data', (d) => {
      buffered += d.toString();
      for (const line of buffered.split('\n').slice(0, -1)) {
        const frame = JSON.parse(line) as { type: string; modelLoads?: number };
        if (frame.type === 'welcome') socket.write(`${JSON.stringify({ type: 'hostStatus', id: 1 })}\n`);
        if (frame.type === 'hostStatus') {
          socket.end();
          resolve(frame.modelLoads ?? -1);
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    const token = readFileSync(join(runtimeDir(), 'token'), 'utf8').trim();
    socket.write(`${JSON.stringify({ type: 'hello', token, version: '0.0.0', pid: process.pid, label: 'e2e' })}\n`);
  });
}

async function showsGhostText(ctx: ScenarioContext, file: string): Promise<void> {
  await ctx.wb.runCommand('View: Close All Editors');
  await typeForFimGhostText(ctx, file, `ghost text in ${file}`);
  await ctx.page.keyboard.press('Escape');
  await ctx.wb.runCommand('View: Revert and Close Editor');
}

export const sharedEngineScenarios = [
  scenario(
    'two windows share one engine process and one model load, both show ghost text, and both recover when the engine is killed',
    async (ctx) => {
      check(runtimeDir(), 'run.ts sets ALEMBIC_RUNTIME_DIR for the shared engine');
      await waitForReady(ctx);
      await ctx.editSetting('alembic.engine.shareAcrossWindows', true);
      const page = await ctx.page.context().newPage();
      try {
        await waitFor('the shared engine to start', async () => sharedEngines().engines.length === 1, 60_000);
        await waitForReady(ctx);
        // As run.ts opens the first window: newer VS Code loads the extension only with the flag.
        if (ctx.vscodeVersion !== CODE_SERVERS.floor.vscodeVersion) await enableDevelopmentPayload(page);
        const second: ScenarioContext = { ...ctx, page, wb: new Workbench(page) };
        await second.wb.open(ctx.page.url());
        await waitForReady(second, 90_000);
        await showsGhostText(ctx, 'first.js');
        await showsGhostText(second, 'second.js');
        const { hosts, engines } = sharedEngines();
        check(hosts.length === 1 && engines.length === 1, `one host and one engine: ${hosts} / ${engines}`);
        const own = ctx.enginePids().filter((pid) => !engines.includes(pid));
        check(own.length === 0, `no window runs an engine of its own: ${own}`);
        const loads = await hostModelLoads();
        check(loads === 1, `one model load for both windows, the host counted ${loads}`);

        process.kill(engines[0]!, 'SIGKILL');
        // New files: the same text in the same file is answered from each window's completion cache,
        // which rightly asks no engine, so it would not show that a new one serves both windows.
        await showsGhostText(second, 'second-after-kill.js');
        await showsGhostText(ctx, 'first-after-kill.js');
        const after = sharedEngines();
        check(
          after.engines.length === 1 && after.engines[0] !== engines[0],
          `one new engine after the kill: ${engines} → ${after.engines}`,
        );
      } finally {
        await page.close();
        await ctx.editSetting('alembic.engine.shareAcrossWindows', false);
        // The host would stop a minute after its last window; the next scenarios need none.
        for (const pid of sharedEngines().hosts) process.kill(pid, 'SIGTERM');
        await waitForReady(ctx);
      }
    },
    { timeoutMs: 300_000 },
  ),
];
