// `npm run soak [-- --minutes 10] [--windows 2] [--no-build]`: a long session in the real VS Code
// (code-server in Chromium, the end-to-end harness) with several windows, each with its own
// extension host and engine, on the generated test model. Each window types code and takes the
// ghost text, asks the chat and runs Edit Selection… (rejecting its diff), round after round, for
// the given time. It reports how the memory of each extension host and engine grew (the first
// round is the warm-up), engine restarts, failed activities and the errors Alembic logged; the
// full report goes to soak-report.json in the run's folder. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableDevelopmentPayload, launchBrowser, type Browser } from '../test/e2e/harness/browser';
import {
  ensureCodeServerInstalled,
  startCodeServer,
  workbenchUrl,
  type CodeServer,
} from '../test/e2e/harness/codeServer';
import { REPO_ROOT, SAMPLE_WORKSPACE } from '../test/e2e/harness/paths';
import { createContext, type ScenarioContext } from '../test/e2e/harness/scenario';
import { TEST_SETTINGS, testModelSettings } from '../test/e2e/harness/userSettings';
import { Workbench } from '../test/e2e/harness/workbench';
import { waitForReady } from '../test/e2e/scenarios/engine';
import { testModelPath } from '../test/helpers/testModel';
import { runActivity, type ActivityKind, type ActivityOutcome } from './soak/activities';
import { reportHosts, sampleHosts, type HostReport, type HostSample } from './soak/memory';

const KINDS: ActivityKind[] = ['typing', 'chat', 'command'];
const SAMPLE_EVERY_MS = 5000;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!(value > 0)) throw new Error(`--${name} needs a positive number`);
  return value;
}

/** The lines of Alembic's logs (every window's) at error level. */
function loggedErrors(stateDir: string): string[] {
  const logs = join(stateDir, 'data', 'logs');
  if (!existsSync(logs)) return [];
  return readdirSync(logs)
    .flatMap((session) =>
      readdirSync(join(logs, session))
        .filter((d) => d.startsWith('exthost'))
        .map((d) => join(logs, session, d, 'alembic.alembic', 'Alembic.log')),
    )
    .filter(existsSync)
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter((l) => /\[error\]/i.test(l));
}

interface Window {
  name: string;
  ctx: ScenarioContext;
  outcomes: ActivityOutcome[];
}

let browser: Browser | undefined;
let server: CodeServer | undefined;

async function main(): Promise<number> {
  const minutes = option('minutes', 10);
  const windowCount = option('windows', 2);
  ensureCodeServerInstalled();
  const modelPath = testModelPath();
  if (!process.argv.includes('--no-build')) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  // Under the system temp folder: short paths for Chromium's and code-server's sockets.
  const stateDir = join(tmpdir(), `alembic-soak-${process.pid}`);
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const settings = { ...TEST_SETTINGS, ...testModelSettings(modelPath) };
  server = await startCodeServer({ stateDir, isolateHome: true, settings }, SAMPLE_WORKSPACE);
  console.log(`code-server ${server.url}; state in ${stateDir}`);
  browser = await launchBrowser(stateDir);

  const windows: Window[] = [];
  for (let i = 1; i <= windowCount; i++) {
    // Each window opens its own copy of the sample project: nothing tracked is ever edited.
    const folder = join(stateDir, `workspace-${i}`);
    cpSync(SAMPLE_WORKSPACE, folder, { recursive: true });
    const page = i === 1 ? browser.page : await browser.context.newPage();
    const wb = new Workbench(page);
    await enableDevelopmentPayload(page);
    await wb.open(workbenchUrl(server.url, folder, REPO_ROOT));
    const ctx = createContext(wb, { stateDir, userDataDir: server.userDataDir, modelPath, codeServerPid: server.pid });
    await waitForReady(ctx, 120_000);
    windows.push({ name: `window ${i}`, ctx, outcomes: [] });
    console.log(`window ${i} ready`);
  }

  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const samples: HostSample[] = [];
  const sample = () => {
    try {
      samples.push(...sampleHosts(server!.pid, seconds()));
    } catch {
      /* ps failed once: skip this sample */
    }
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  let warmUpEnd = 0;
  let round = 0;
  for (; Date.now() - started < minutes * 60_000; round++) {
    for (const kind of KINDS) {
      for (const w of windows) {
        // The user turns to that window: Chromium gives keyboard focus to the front tab only, and
        // VS Code's keybindings (Tab takes the ghost text) follow the focus.
        await w.ctx.page.bringToFront();
        const outcome = await runActivity(w.ctx, kind, round);
        w.outcomes.push(outcome);
        if (!outcome.ok) console.log(`  ${w.name} round ${round} ${kind} FAILED: ${outcome.error}`);
      }
    }
    if (round === 0) warmUpEnd = seconds();
    const done = windows.flatMap((w) => w.outcomes);
    console.log(`${seconds()} s: round ${round} done; ${done.filter((o) => o.ok).length}/${done.length} activities ok`);
  }
  clearInterval(timer);
  sample();
  const end = seconds();

  const hosts = reportHosts(samples, warmUpEnd, end);
  const errors = loggedErrors(stateDir);
  const report = {
    minutes,
    windows: windowCount,
    rounds: round,
    measuredFromSecond: warmUpEnd,
    endSecond: end,
    activities: Object.fromEntries(
      KINDS.map((k) => {
        const all = windows.flatMap((w) => w.outcomes.filter((o) => o.kind === k));
        return [k, { runs: all.length, failed: all.filter((o) => !o.ok).length }];
      }),
    ),
    failures: windows.flatMap((w) => w.outcomes.filter((o) => !o.ok).map((o) => `${w.name} ${o.kind}: ${o.error}`)),
    hosts,
    loggedErrors: errors,
    samples,
  };
  writeFileSync(join(stateDir, 'soak-report.json'), JSON.stringify(report, null, 2));
  console.log(formatReport(report, hosts));
  console.log(`report: ${join(stateDir, 'soak-report.json')}`);
  return report.failures.length > 0 || hosts.some((h) => h.engineRestarts > 0) ? 1 : 0;
}

function formatReport(
  r: {
    minutes: number;
    rounds: number;
    measuredFromSecond: number;
    endSecond: number;
    activities: object;
    failures: string[];
    loggedErrors: string[];
  },
  hosts: HostReport[],
): string {
  const fmt = (g: HostReport['host']) =>
    `${g.startMiB} → ${g.endMiB} MiB (${g.endMiB - g.startMiB >= 0 ? '+' : ''}${(g.endMiB - g.startMiB).toFixed(1)}; peak ${g.peakMiB})`;
  const lines = [
    `soak: ${r.minutes} min, ${hosts.length} windows, ${r.rounds} rounds; memory from ${r.measuredFromSecond} s (after the first round) to ${r.endSecond} s`,
    `activities: ${Object.entries(r.activities)
      .map(([k, v]) => `${k} ${v.runs - v.failed}/${v.runs} ok`)
      .join(', ')}`,
  ];
  for (const h of hosts) {
    lines.push(`  extension host ${h.hostPid}: ${fmt(h.host)}`);
    lines.push(`    engine ${h.enginePids.join(', ')}: ${fmt(h.engine)}; restarts ${h.engineRestarts}`);
  }
  lines.push(`errors logged by Alembic: ${r.loggedErrors.length}`);
  for (const e of r.loggedErrors.slice(0, 10)) lines.push(`  ${e.slice(0, 300)}`);
  for (const f of r.failures.slice(0, 20)) lines.push(`  failed: ${f}`);
  return lines.join('\n');
}

const cleanup = async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

main().then(
  async (code) => {
    await cleanup();
    process.exit(code);
  },
  async (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    await cleanup();
    process.exit(1);
  },
);
