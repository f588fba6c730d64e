// Where the end-to-end harness keeps things. Everything it writes lives under .e2e/ (gitignored).
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const E2E_DIR = join(REPO_ROOT, '.e2e');
/** code-server, installed by scripts/install-code-server.sh on first use (keep the versions in step). */
export const CODE_SERVER_VERSION = '4.100.3';
export const CODE_SERVER_DIR = process.env.ALEMBIC_CODE_SERVER_DIR ?? join(E2E_DIR, 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** Written by the install script once the install is complete. */
export const CODE_SERVER_INSTALLED_MARKER = join(CODE_SERVER_DIR, `.installed-${CODE_SERVER_VERSION}`);
export const INSTALL_SCRIPT = join(REPO_ROOT, 'scripts', 'install-code-server.sh');
/** The small project the tests and `npm start` open. */
export const SAMPLE_WORKSPACE = join(REPO_ROOT, 'test', 'e2e', 'sample-workspace');
/** Screenshots of every run (failures under failures/). */
export const SCREENSHOTS_DIR = join(E2E_DIR, 'screenshots');
/** The screenshots the README shows, refreshed with UPDATE_SCREENSHOTS=1. */
export const README_SCREENSHOTS_DIR = join(REPO_ROOT, 'media', 'screenshots');
/** The extension-host tests (test/vscode), compiled to plain JS for the extension host. */
export const VSCODE_TESTS_OUT = join(E2E_DIR, 'vscode-tests');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
