// `npm start`: builds Alembic and opens it in a real VS Code on a copy of the sample workspace
// (.e2e/start/workspace/, made on the first start and then kept: the tracked
// test/e2e/sample-workspace/ is never edited by a demo).
//
//   - Where the `code` command exists: VS Code desktop with --extensionDevelopmentPath=<this folder>.
//   - Otherwise (or with `npm start -- --code-server`): code-server, VS Code in the browser, installed
//     into .e2e/code-server/ on first use (about 2 minutes), on http://127.0.0.1:<port>, where the
//     port is this checkout's own (the same on every start, so the browser keeps the chat history;
//     a free one, said so, when it is busy). The extension is linked into its extensions folder, so
//     a plain URL loads it from this folder. Its state (settings, downloaded models) stays in
//     .e2e/start/ between runs. Ctrl-C stops it.
//
// The model is the one in the settings; with none, the status bar item and the "Get started with
// Alembic" walkthrough offer the recommended download. ALEMBIC_MODEL=<file.gguf> sets it.
// ALEMBIC_PORT=<port> picks the port; `npm start -- --no-build` skips the build. ALEMBIC_START_DIR=<dir>
// keeps the demo's state (the workspace copy, settings, models) there instead of .e2e/start/ (the
// end-to-end tier runs `npm start` this way, leaving a developer's demo alone).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { ensureCodeServerInstalled, startCodeServer } from '../test/e2e/harness/codeServer';
import {
  CODE_SERVER_INSTALLED_MARKER,
  CODE_SERVER_VERSION,
  E2E_DIR,
  REPO_ROOT,
  SAMPLE_WORKSPACE,
} from '../test/e2e/harness/paths';
import { QUIET_SETTINGS, readSettings, settingsPath, writeSettings } from '../test/e2e/harness/userSettings';
import { choosePort, describePortChoice, prepareDemoWorkspace } from './startPlan';

const tag = process.stdout.isTTY ? '\x1b[1m[alembic]\x1b[0m' : '[alembic]';
const say = (message: string) => console.log(`${tag} ${message}`);

function fail(message: string): never {
  console.error(`[alembic] ${message}`);
  process.exit(1);
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

function modelFromEnvironment(): string | undefined {
  const value = process.env.ALEMBIC_MODEL?.trim();
  if (!value) return undefined;
  const path = resolve(value);
  if (!existsSync(path)) fail(`ALEMBIC_MODEL=${value}: there is no such file.`);
  return path;
}

function build(): void {
  say('Building the extension (npm run build)…');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) fail('the build failed; see the errors above.');
}

/** Where the demo keeps its state: .e2e/start/, or ALEMBIC_START_DIR. */
const START_DIR = process.env.ALEMBIC_START_DIR ? resolve(process.env.ALEMBIC_START_DIR) : join(E2E_DIR, 'start');
/** START_DIR as the user reads it: relative to the checkout when it is inside. */
const startDirShown = `${START_DIR.startsWith(`${REPO_ROOT}/`) ? START_DIR.slice(REPO_ROOT.length + 1) : START_DIR}/`;

/** The folder the demo opens: a copy of the sample workspace, outside the tracked tree. */
function demoWorkspace(): string {
  const folder = join(START_DIR, 'workspace');
  if (prepareDemoWorkspace(SAMPLE_WORKSPACE, folder))
    say(`Copied the sample workspace to ${startDirShown}workspace/ (yours to change; delete it for a fresh copy).`);
  return folder;
}

/** VS Code desktop: an Extension Development Host window on the demo workspace. */
function startDesktop(model: string | undefined, workspace: string): void {
  const args = ['--new-window', `--extensionDevelopmentPath=${REPO_ROOT}`];
  if (model) {
    // The model goes into the settings of a separate profile in .e2e/desktop/, not into yours.
    // (Desktop VS Code reads machine-scoped settings from the user settings.)
    const dataDir = join(E2E_DIR, 'desktop', 'data');
    const file = settingsPath(dataDir, 'user');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ ...QUIET_SETTINGS, ...readSettings(dataDir, 'user'), 'alembic.completion.model': model }, null, 2)}\n`,
    );
    args.push(`--user-data-dir=${dataDir}`, `--extensions-dir=${join(E2E_DIR, 'desktop', 'extensions')}`);
    say(`Using the model ${model} (in a separate VS Code profile under .e2e/desktop/).`);
  } else {
    say(
      'Using the model in your VS Code settings (alembic.completion.model); with none, run "Alembic: Select Model…".',
    );
  }
  say('Opening VS Code with Alembic loaded from this folder (the window title says [Extension Development Host])…');
  const result = spawnSync('code', [...args, workspace], { stdio: 'inherit' });
  if (result.status !== 0) fail('`code` failed. Try `npm start -- --code-server` for VS Code in the browser.');
  say('After changing the code, run `npm run build` and "Developer: Reload Window" in that window.');
}

/** Links this folder into code-server's extensions folder (replacing older links), so it loads without the test payload. */
function linkExtension(extensionsDir: string): void {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
  };
  const id = `${pkg.publisher}.${pkg.name}`;
  mkdirSync(extensionsDir, { recursive: true });
  for (const entry of readdirSync(extensionsDir)) {
    if (entry.startsWith(`${id}-`) && lstatSync(join(extensionsDir, entry)).isSymbolicLink())
      rmSync(join(extensionsDir, entry));
  }
  // VS Code's own list of installed extensions; without it, it scans the folder and finds the link.
  rmSync(join(extensionsDir, 'extensions.json'), { force: true });
  symlinkSync(REPO_ROOT, join(extensionsDir, `${id}-${pkg.version}`), 'dir');
}

async function startCodeServerSession(model: string | undefined, workspace: string): Promise<void> {
  if (!existsSync(CODE_SERVER_INSTALLED_MARKER)) {
    say(
      `First run: installing code-server ${CODE_SERVER_VERSION} (VS Code in the browser) into .e2e/code-server/. This takes about 2 minutes.`,
    );
  }
  ensureCodeServerInstalled();

  const stateDir = START_DIR;
  const dataDir = join(stateDir, 'data');
  const extensionsDir = join(stateDir, 'extensions');
  linkExtension(extensionsDir);

  // Settings: quiet defaults the first time; the model from ALEMBIC_MODEL into the remote settings,
  // where code-server reads machine-scoped settings. Everything else the user changed is kept.
  const user = readSettings(dataDir, 'user');
  const remote = readSettings(dataDir, 'remote');
  if (user === undefined || remote === undefined) {
    if (model)
      fail(
        `${settingsPath(dataDir, user === undefined ? 'user' : 'remote')} has comments; set alembic.completion.model there by hand, or remove the file.`,
      );
  } else {
    const firstRun = !existsSync(settingsPath(dataDir, 'user'));
    const settings: Record<string, unknown> = {
      ...(firstRun ? { ...QUIET_SETTINGS, 'workbench.startupEditor': 'none' } : {}),
      ...user,
      ...remote,
    };
    if (model) settings['alembic.completion.model'] = model;
    writeSettings(dataDir, settings);
  }
  const configured = model ?? (remote?.['alembic.completion.model'] as string | undefined);
  if (model) say(`Using the model ${model}.`);
  else if (configured) say(`Using the model in the settings: ${configured}.`);
  else {
    say(
      'No model is set yet. In VS Code, click "Alembic: no model" in the status bar, or run "Welcome: Open Walkthrough…" >',
    );
    say(
      '"Get started with Alembic": it downloads the model recommended for this machine. Or start with ALEMBIC_MODEL=<file.gguf>.',
    );
  }

  const choice = await choosePort(REPO_ROOT, process.env.ALEMBIC_PORT);
  if ('error' in choice) fail(choice.error);
  say('Starting code-server…');
  const server = await startCodeServer({ stateDir, isolateHome: false, port: choice.port, extensionsDir }, workspace);
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  say(describePortChoice(choice, server.port));
  console.log('');
  say(`VS Code with Alembic is running. Open this in your browser:\n\n    ${url}\n`);
  say(`Settings and downloaded models stay in ${startDirShown} (log: ${server.logPath.replace(`${REPO_ROOT}/`, '')}).`);
  say('After changing the code, run `npm run build` and "Developer: Reload Window". Press Ctrl-C to stop.');

  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    say(`${why}: stopping code-server and its extension hosts…`);
    await server.stop();
    say('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // Keep running until stopped; report if code-server dies on its own.
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    try {
      process.kill(server.pid, 0);
    } catch {
      // Gone because Ctrl-C stopped it: stop() reports that and exits with 0.
      if (!stopping) fail(`code-server exited; see ${server.logPath}`);
    }
  }
}

async function main(): Promise<void> {
  const model = modelFromEnvironment();
  if (process.argv.includes('--no-build')) say('Using dist/ as it is (--no-build).');
  else build();
  const wantsBrowser = process.argv.includes('--code-server') || process.env.ALEMBIC_START === 'code-server';
  const workspace = demoWorkspace();
  if (!wantsBrowser && onPath('code')) startDesktop(model, workspace);
  else await startCodeServerSession(model, workspace);
}

void main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
