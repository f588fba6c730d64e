// The end-to-end tier: Alembic in a real VS Code (code-server in Debian's Chromium, driven by
// playwright-core), on the generated test model.
//
//   npm run test:e2e      on VS Code 1.100 (the floor): the UI scenarios (test/e2e/scenarios), then
//                         the extension-host tests (test/vscode); then on the current stable VS Code
//                         (1.139): the focused subset of scenarios (activation, ghost text, chat, the
//                         language-model provider) and the extension-host tests again
//   npm run test:vscode   only the extension-host tests (on both versions)
//
// Options: --only ui|vscode, --grep <text> (scenarios whose name contains it; "a|b" for either),
// --no-build (use dist/ as it is), --vscode floor|current (one version only, with every scenario).
// Env: UPDATE_SCREENSHOTS=1 refreshes media/screenshots/; CHROMIUM=<path> (default /usr/bin/chromium).
//
// It installs what is missing (each code-server into .e2e/ on first use), generates the test
// models, builds the extension, starts code-server with its state (HOME, XDG_*) under
// .e2e/run-<time>/ and its sockets (TMPDIR, the session socket) in short folders of the system temp
// directory, runs, and always stops everything it started and removes those folders.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { testModelPath } from '../helpers/testModel';
import { enableDevelopmentPayload, launchBrowser, type Browser } from './harness/browser';
import { ensureCodeServerInstalled, startCodeServer, workbenchUrl, type CodeServer } from './harness/codeServer';
import { buildExtensionTests, runExtensionTests } from './harness/extensionTests';
import {
  CHROMIUM,
  CODE_SERVERS,
  E2E_DIR,
  LM_CLIENT_EXTENSION,
  REPO_ROOT,
  SAMPLE_WORKSPACE,
  SCREENSHOTS_DIR,
  type VsCodeFlavor,
} from './harness/paths';
import { stopOrphanedExtensionHosts, watchMemory } from './harness/processes';
import { createContext, runScenarios, type ScenarioResult } from './harness/scenario';
import { TEST_SETTINGS, testModelSettings, writeSettings } from './harness/userSettings';
import { Workbench } from './harness/workbench';
import { allCurrentVersionScenarios, allScenarios, currentVersionScenarios } from './scenarios';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const only = option('--only');
const grep = option('--grep');
const runUi = only !== 'vscode';
const runVscode = only !== 'ui' && !grep;
const onlyVersion = option('--vscode') as VsCodeFlavor | undefined;
if (onlyVersion && !CODE_SERVERS[onlyVersion]) throw new Error('--vscode must be floor or current');

const t0 = Date.now();
const seconds = (since = t0) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const step = (message: string) => console.log(`[e2e ${seconds()}] ${message}`);

let server: CodeServer | undefined;
let browser: Browser | undefined;
const cleanup = async () => {
  await browser?.close();
  await server?.stop();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping code-server…`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  if (!existsSync(CHROMIUM)) {
    // The install command that works for this user (root, sudo or neither): scripts/lib/install-hint.sh.
    const hint = spawnSync('bash', ['-c', 'source scripts/lib/install-hint.sh && install_hint chromium'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).stdout.trim();
    console.error(`Chromium is missing at ${CHROMIUM} (or set CHROMIUM=<path>). ${hint}`);
    return 1;
  }
  const versions: VsCodeFlavor[] = onlyVersion ? [onlyVersion] : ['floor', 'current'];
  for (const flavor of versions) {
    const { version, vscodeVersion } = CODE_SERVERS[flavor];
    step(
      `checking code-server ${version} (VS Code ${vscodeVersion}; installed into .e2e/ on first use, about 2 minutes)`,
    );
    ensureCodeServerInstalled(flavor);
  }

  step('generating the test models');
  const modelPath = testModelPath();
  const qwenModelPath = testModelPath('qwen');

  if (args.includes('--no-build')) {
    step('using dist/ as it is (--no-build)');
  } else {
    step('building the extension (npm run build)');
    const build = spawnSync('npm', ['run', '--silent', 'build'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const testsEntry = runVscode ? await buildExtensionTests() : undefined;

  const outcomes: VersionOutcome[] = [];
  for (const flavor of versions) {
    // The full set on the first version; on the current stable after the floor, the focused subset.
    const scenarios =
      flavor === 'floor' ? allScenarios : onlyVersion ? allCurrentVersionScenarios : currentVersionScenarios;
    outcomes.push(await runOnVersion(flavor, scenarios, { modelPath, qwenModelPath, testsEntry }));
  }

  console.log('');
  for (const o of outcomes) {
    const { vscodeVersion } = CODE_SERVERS[o.flavor];
    console.log(`VS Code ${vscodeVersion} (${o.flavor}):`);
    const failed = o.results.filter((r) => !r.ok);
    const skipped = o.results.filter((r) => r.skipped).length;
    if (runUi)
      console.log(
        `  scenarios: ${o.results.length - failed.length - skipped} passed, ${failed.length} failed${skipped ? `, ${skipped} skipped (known bugs)` : ''}`,
      );
    for (const f of failed) console.log(`    ✘ ${f.name}: ${f.error?.split('\n')[0]}`);
    if (runVscode)
      console.log(`  extension-host tests: ${o.vscodeCode === 0 ? 'passed' : `failed (exit code ${o.vscodeCode})`}`);
    console.log(`  logs: ${relative(REPO_ROOT, o.stateDir)}/ (code-server.log, data/logs/)`);
    console.log(
      `  peak memory (RSS): code-server and its extension hosts and engines ${o.peak.codeServer} MiB, ` +
        `Chromium ${o.peak.browser} MiB, together ${o.peak.total} MiB`,
    );
    console.log(`    largest processes at the peak: ${o.peak.largest.join('; ')}`);
  }
  if (runUi)
    console.log(
      `screenshots: ${relative(REPO_ROOT, SCREENSHOTS_DIR)}/${process.env.UPDATE_SCREENSHOTS === '1' ? ' (README copies in media/screenshots/)' : ''}`,
    );
  console.log(`total ${seconds()}`);
  return outcomes.some((o) => o.results.some((r) => !r.ok) || o.vscodeCode !== 0) ? 1 : 0;
}

interface VersionOutcome {
  flavor: VsCodeFlavor;
  results: ScenarioResult[];
  vscodeCode: number;
  stateDir: string;
  peak: ReturnType<ReturnType<typeof watchMemory>['stop']>;
}

/** One code-server of the given version: its scenarios in one window, then the extension-host tests. */
async function runOnVersion(
  flavor: VsCodeFlavor,
  scenarios: typeof allScenarios,
  { modelPath, qwenModelPath, testsEntry }: { modelPath: string; qwenModelPath: string; testsEntry?: string },
): Promise<VersionOutcome> {
  const { version, vscodeVersion } = CODE_SERVERS[flavor];
  const stateDir = freshStateDir();
  const runtimeDir = mkdtempSync(join(tmpdir(), 'alb-e2e-'));
  process.env.ALEMBIC_RUNTIME_DIR = runtimeDir; // for the scenarios that look at the shared engine
  step(`starting code-server ${version} (VS Code ${vscodeVersion}; state in ${relative(REPO_ROOT, stateDir)}/)`);
  const settings = { ...TEST_SETTINGS, ...testModelSettings(modelPath) };
  server = await startCodeServer(
    {
      stateDir,
      isolateHome: true,
      settings,
      flavor,
      // The shared engine's folder, short (a socket path has 107 bytes) and the run's own.
      env: { ALEMBIC_TEST_QWEN_MODEL: qwenModelPath, ALEMBIC_RUNTIME_DIR: runtimeDir },
      // The small extension that uses Alembic's model through vscode.lm, as another extension would.
      installExtensions: [LM_CLIENT_EXTENSION],
    },
    SAMPLE_WORKSPACE,
  );
  const memory = watchMemory(() => server?.pid);
  step(`code-server ${server.url} (pid ${server.pid}) is up`);

  let results: ScenarioResult[] = [];
  if (runUi) {
    browser = await launchBrowser(stateDir);
    const wb = new Workbench(browser.page);
    // No smoke-test driver flag on the floor (enableDevelopmentPayload): VS Code 1.100's payload
    // loads the extension without it, and with it VS Code refuses modal dialogs, which a scenario
    // checks. VS Code 1.139 honours the payload only with the flag (its subset opens no modal dialog).
    if (flavor === 'current') await enableDevelopmentPayload(browser.page);
    await wb.open(workbenchUrl(server.url, SAMPLE_WORKSPACE, REPO_ROOT));
    step(`workbench loaded; running ${grep ? 'the chosen' : scenarios.length} scenarios on VS Code ${vscodeVersion}`);
    results = await runScenarios(
      scenarios,
      createContext(wb, {
        stateDir,
        userDataDir: server.userDataDir,
        modelPath,
        codeServerPid: server.pid,
        vscodeVersion,
      }),
      grep,
    );
    await browser.close();
    browser = undefined;
    stopOrphanedExtensionHosts(server.pid);
  }

  let vscodeCode = 0;
  if (runVscode && testsEntry) {
    writeSettings(server.userDataDir, settings); // as at the start, whatever the scenarios changed (read when the window opens)
    step(`running the extension-host tests (test/vscode) on VS Code ${vscodeVersion}`);
    const started = Date.now();
    vscodeCode = await runExtensionTests(server.url, stateDir, testsEntry);
    step(`extension-host tests: exit code ${vscodeCode} after ${seconds(started)}`);
  }

  await server.stop();
  server = undefined;
  rmSync(runtimeDir, { recursive: true, force: true });
  return { flavor, results, vscodeCode, stateDir, peak: memory.stop() };
}

/** A new .e2e/run-<time>/ folder. Older runs beyond the last three are removed, unless they are
 * recent enough to be another run still going on in this folder. */
function freshStateDir(): string {
  mkdirSync(E2E_DIR, { recursive: true });
  const runs = readdirSync(E2E_DIR)
    .filter((d) => d.startsWith('run-'))
    .sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - 2))) {
    const path = join(E2E_DIR, old);
    if (Date.now() - statSync(path).mtimeMs > 30 * 60_000) rmSync(path, { recursive: true, force: true });
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const dir = join(E2E_DIR, `run-${stamp}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

main().then(
  async (code) => {
    await cleanup();
    process.exit(code);
  },
  async (e) => {
    console.error(e instanceof Error ? e.stack : e);
    await cleanup();
    process.exit(1);
  },
);
