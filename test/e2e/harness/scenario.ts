// A small framework for the end-to-end scenarios: a scenario is a sentence that states a behaviour
// and an async function that checks it in the running workbench. Scenarios run one after another in
// the same window; a failure is reported with a screenshot, the window is reset (no dialog, no
// editors, unsaved changes discarded) and the run goes on with the next one.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import { processesUnder } from './processes';
import { CODE_SERVERS, README_SCREENSHOTS_DIR, REPO_ROOT, SCREENSHOTS_DIR } from './paths';
import { readSettings, settingsTarget } from './userSettings';
import type { Workbench } from './workbench';

export interface ScenarioContext {
  readonly wb: Workbench;
  readonly page: Page;
  /** The run's state folder (.e2e/run-*): scratch files go here. */
  readonly stateDir: string;
  /** The generated test model the settings point to. */
  readonly modelPath: string;
  /** The VS Code version the window runs (e.g. "1.100.3"). */
  readonly vscodeVersion: string;
  /** The pids of the running Alembic engine processes (dist/engine.js under code-server). */
  enginePids(): number[];
  /** A setting's value as VS Code last saved it in the user or remote settings.json. */
  savedSetting(key: string): unknown;
  /** Changes a setting by editing settings.json in the editor, as a user does. */
  editSetting(key: string, value: unknown): Promise<void>;
  /** Saves a screenshot under .e2e/screenshots/; `readme` ones also go to media/screenshots/ with UPDATE_SCREENSHOTS=1. */
  screenshot(name: string, options?: { region?: 'statusbar-right' | 'editor'; readme?: boolean }): Promise<string>;
  log(message: string): void;
}

export interface Scenario {
  readonly name: string;
  readonly timeoutMs: number;
  /** Set while the behaviour is known to be broken: the scenario is skipped unless E2E_KNOWN_BUGS=1. */
  readonly knownBug?: string;
  run(ctx: ScenarioContext): Promise<void>;
}

/** Declares a scenario; `name` is a sentence stating the behaviour. */
export function scenario(
  name: string,
  run: (ctx: ScenarioContext) => Promise<void>,
  options: { timeoutMs?: number; knownBug?: string } = {},
): Scenario {
  return { name, run, timeoutMs: options.timeoutMs ?? 60_000, knownBug: options.knownBug };
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export interface ScenarioResult {
  name: string;
  ok: boolean;
  skipped?: boolean;
  ms: number;
  error?: string;
  screenshot?: string;
}

export interface ContextOptions {
  stateDir: string;
  userDataDir: string;
  modelPath: string;
  codeServerPid: number;
  /** Default: the floor's (what startCodeServer runs without a flavor). */
  vscodeVersion?: string;
}

export function createContext(
  wb: Workbench,
  { stateDir, userDataDir, modelPath, codeServerPid, vscodeVersion = CODE_SERVERS.floor.vscodeVersion }: ContextOptions,
): ScenarioContext {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const updateReadme = process.env.UPDATE_SCREENSHOTS === '1';
  return {
    wb,
    page: wb.page,
    stateDir,
    modelPath,
    vscodeVersion,
    enginePids: () => processesUnder(codeServerPid, /\bdist\/engine\.js\b/),
    savedSetting: (key) => {
      const settings = readSettings(userDataDir, settingsTarget(key));
      if (!settings) throw new Error(`the ${settingsTarget(key)} settings.json is not plain JSON`);
      return settings[key];
    },
    editSetting: (key, value) => wb.editSettingsJson(settingsTarget(key), key, value),
    async screenshot(name, options = {}) {
      const path = join(SCREENSHOTS_DIR, `${name}.png`);
      await wb.screenshot(path, options.region);
      if (options.readme && updateReadme) {
        mkdirSync(README_SCREENSHOTS_DIR, { recursive: true });
        copyFileSync(path, join(README_SCREENSHOTS_DIR, `${name}.png`));
      }
      return path;
    },
    log: (message) => console.log(`    ${message}`),
  };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);

/** Runs the scenarios in order (those whose name contains `grep`, or one of its `|`-separated
 * parts, if given) and prints each outcome. */
export async function runScenarios(
  scenarios: readonly Scenario[],
  ctx: ScenarioContext,
  grep?: string,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const parts = grep?.split('|').filter(Boolean);
  const chosen = scenarios.filter((s) => !parts || parts.some((p) => s.name.includes(p)));
  for (const [i, s] of chosen.entries()) {
    if (s.knownBug && process.env.E2E_KNOWN_BUGS !== '1') {
      results.push({ name: s.name, ok: true, skipped: true, ms: 0 });
      console.log(`  ○ ${s.name} (skipped, known bug: ${s.knownBug}; E2E_KNOWN_BUGS=1 runs it)`);
      continue;
    }
    const started = Date.now();
    console.log(`  … ${s.name}`);
    let timer: NodeJS.Timeout | undefined;
    const running = s.run(ctx);
    try {
      await Promise.race([
        running,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the scenario took longer than ${s.timeoutMs / 1000} s`)),
            s.timeoutMs,
          );
        }),
      ]);
      const ms = Date.now() - started;
      results.push({ name: s.name, ok: true, ms });
      console.log(`  ✔ ${s.name} (${(ms / 1000).toFixed(1)} s)`);
    } catch (e) {
      const ms = Date.now() - started;
      const error = e instanceof Error ? e.message : String(e);
      const shot = join(SCREENSHOTS_DIR, 'failures', `${String(i + 1).padStart(2, '0')}-${slug(s.name)}.png`);
      mkdirSync(join(SCREENSHOTS_DIR, 'failures'), { recursive: true });
      const saved = await ctx.page.screenshot({ path: shot }).then(
        () => true,
        () => false,
      );
      results.push({ name: s.name, ok: false, ms, error, screenshot: saved ? shot : undefined });
      console.log(
        `  ✘ ${s.name} (${(ms / 1000).toFixed(1)} s)\n` +
          `      ${error.replace(/\n/g, '\n      ')}${saved ? `\n      screenshot: ${relative(REPO_ROOT, shot)}` : ''}`,
      );
      // A scenario past its time is still running (every wait in it has a deadline): let it end
      // before the reset, or it would go on typing into the next scenario's window.
      await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, 60_000))]);
      await ctx.wb.recover().catch((e: unknown) => console.log(`      could not reset the window: ${String(e)}`));
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}
