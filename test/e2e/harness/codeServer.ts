// Starts and stops code-server (VS Code served to a browser: 1.100.3, or the current stable with
// `flavor: 'current'`) for `npm start` and the end-to-end tests: bound to 127.0.0.1 (a free port,
// or the one asked for), no password, its state in one folder, and run as its own process group so
// that stopping it also stops its extension hosts and the engine processes they started (they would
// otherwise outlive the browser for hours).
// Its Unix sockets (code-server's session socket; with isolateHome, VS Code's IPC and Git sockets
// under TMPDIR) go into a short folder of the system temp directory, removed when it stops: a
// socket path may not exceed 107 bytes, and the checkout's own path can be long.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODE_SERVERS, INSTALL_SCRIPT, type VsCodeFlavor } from './paths';
import { writeSettings } from './userSettings';

export interface CodeServerOptions {
  /** Folder for everything code-server writes: user data, extensions, logs. */
  stateDir: string;
  /** Also point HOME, XDG_* and TMPDIR into stateDir (tests); `npm start` keeps the user's HOME. */
  isolateHome: boolean;
  /** Defaults to a free port. */
  port?: number;
  /** Defaults to stateDir/extensions. */
  extensionsDir?: string;
  /** Extra environment for code-server and its extension hosts. */
  env?: Record<string, string>;
  /** Writes these settings before starting (code-server reads them when a window opens). */
  settings?: Record<string, unknown>;
  /** Which VS Code (default: the floor). */
  flavor?: VsCodeFlavor;
  /** Extension folders to install (copied into the extensions folder, which VS Code scans on its
   * first start). Only one extension can be loaded from its folder as the extension under
   * development: VS Code 1.139 keeps the last of several. */
  installExtensions?: string[];
}

export interface CodeServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly logPath: string;
  readonly userDataDir: string;
  /** The short folder of its sockets (under the system temp directory; removed by stop()). */
  readonly runtimeDir: string;
  /** Stops code-server and every process it started. Safe to call twice. */
  stop(): Promise<void>;
}

/** Installs code-server into .e2e/ unless that exact version is there (about 2 minutes the first time). */
export function ensureCodeServerInstalled(flavor: VsCodeFlavor = 'floor'): void {
  const { installArgs, entry } = CODE_SERVERS[flavor];
  const result = spawnSync('bash', [INSTALL_SCRIPT, ...installArgs], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${INSTALL_SCRIPT} failed (exit code ${result.status ?? result.signal})`);
  if (!existsSync(entry)) throw new Error(`code-server is missing after the install: ${entry}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A new short folder under the system temp directory for sockets (remove it when done). */
export function makeRuntimeDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** The environment code-server runs with; with isolateHome nothing is written outside stateDir
 * but the sockets, which go to `runtimeDir`. */
export function codeServerEnv(options: CodeServerOptions, runtimeDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  const home = join(options.stateDir, 'home');
  // code-server keeps its own logs and heartbeat under XDG_DATA_HOME: keep them in the state folder.
  env.XDG_DATA_HOME = join(home, '.local', 'share');
  env.XDG_CACHE_HOME = join(home, '.cache');
  env.XDG_CONFIG_HOME = join(home, '.config');
  if (options.isolateHome) {
    env.HOME = home;
    env.TMPDIR = runtimeDir;
    env.XDG_RUNTIME_DIR = runtimeDir;
  }
  for (const dir of [env.XDG_DATA_HOME, env.XDG_CACHE_HOME, env.XDG_CONFIG_HOME]) mkdirSync(dir, { recursive: true });
  // Settings the user's shell may carry that would change what code-server does.
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.VSCODE_PROXY_URI;
  return env;
}

export async function startCodeServer(options: CodeServerOptions, workspace: string): Promise<CodeServer> {
  const install = CODE_SERVERS[options.flavor ?? 'floor'];
  if (!existsSync(install.entry))
    throw new Error(
      `code-server ${install.version} is not installed: run scripts/install-code-server.sh ${install.installArgs.join(' ')}`,
    );
  const port = options.port ?? (await freePort());
  const userDataDir = join(options.stateDir, 'data');
  const extensionsDir = options.extensionsDir ?? join(options.stateDir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  for (const folder of options.installExtensions ?? []) {
    const { publisher, name, version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as Record<
      string,
      string
    >;
    cpSync(folder, join(extensionsDir, `${publisher}.${name}-${version}`), { recursive: true });
  }
  if (options.settings) writeSettings(userDataDir, options.settings);
  const configPath = join(options.stateDir, 'config.yaml');
  writeFileSync(configPath, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logPath = join(options.stateDir, 'code-server.log');
  const log = openSync(logPath, 'a');
  const runtimeDir = makeRuntimeDir('alembic-cs');
  const removeRuntimeDir = () => rmSync(runtimeDir, { recursive: true, force: true });
  const child = spawn(
    install.node,
    [
      install.entry,
      '--config',
      configPath,
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--session-socket',
      join(runtimeDir, 'session.sock'),
      workspace,
    ],
    { env: codeServerEnv(options, runtimeDir), stdio: ['ignore', log, log], detached: true },
  );
  const pid = child.pid;
  if (pid === undefined) {
    removeRuntimeDir();
    throw new Error('code-server did not start');
  }
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // Last resort if this process ends without calling stop(): take the whole group down.
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  };
  const onExit = () => {
    killGroup('SIGKILL');
    removeRuntimeDir();
  };
  process.on('exit', onExit);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.off('exit', onExit);
      killGroup('SIGTERM');
      const deadline = Date.now() + 5000;
      while (!exited && Date.now() < deadline) await sleep(100);
      // Extension hosts and engines are in the group too: make sure none is left behind.
      killGroup('SIGKILL');
      await Promise.race([exitedPromise, sleep(1000)]);
      removeRuntimeDir();
    })());

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited while starting; see ${logPath}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within 60 s; see ${logPath}`);
    }
    await sleep(200);
  }
  return { url, port, pid, logPath, userDataDir, runtimeDir, stop };
}

/** The URL that opens `folder`; with devExtensionPath/testsPath it loads the extension from its folder
 * (the `payload` parameter: VS Code's --extensionDevelopmentPath/--extensionTestsPath in a browser). */
export function workbenchUrl(base: string, folder: string, devExtensionPath?: string, testsPath?: string): string {
  const authority = new URL(base).host;
  const payload: [string, string][] = [];
  if (devExtensionPath) payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${devExtensionPath}`]);
  if (testsPath) payload.push(['extensionTestsPath', `vscode-remote://${authority}${testsPath}`]);
  return `${base}/?folder=${encodeURIComponent(folder)}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
