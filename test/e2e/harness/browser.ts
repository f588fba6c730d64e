// Debian's Chromium driven by playwright-core (no browser download), with a fresh profile and its
// HOME inside the run's state folder. Its TMPDIR, where Chromium puts its singleton socket (a Unix
// socket: at most 107 bytes of path), is a short folder of the system temp directory, removed when
// the browser closes.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { makeRuntimeDir } from './codeServer';
import { CHROMIUM } from './paths';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(stateDir: string, viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const home = join(stateDir, 'home');
  mkdirSync(home, { recursive: true });
  const tmp = makeRuntimeDir('alembic-chromium');
  const profile = mkdtempSync(join(stateDir, 'chromium-profile-'));
  const removeDirs = () => {
    rmSync(profile, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once('exit', removeDirs);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: CHROMIUM_ARGS,
    env: {
      ...process.env,
      HOME: home,
      TMPDIR: tmp,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
    },
  });
  // tsx compiles this harness with esbuild's keepNames, which wraps the functions we pass to
  // page.evaluate() in calls to a `__name` helper that only exists on the Node side.
  await context.addInitScript('globalThis.__name = (fn) => fn;');
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  return {
    context,
    page,
    close: async () => {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      process.off('exit', removeDirs);
      removeDirs();
    },
  };
}

/** Turns on VS Code's smoke-test driver in the page's embedded configuration before the workbench
 * reads it (code-server has no flag for it), for the window that runs the extension-host tests
 * with the `payload` URL parameter. The scenarios' window runs without it: with it, VS Code refuses
 * to show modal dialogs. (Serving a modified page through page.route() instead breaks
 * code-server's websockets.) */
export async function enableDevelopmentPayload(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const original = Document.prototype.getElementById;
    Document.prototype.getElementById = function (this: Document, id: string) {
      const element = original.call(this, id);
      if (id === 'vscode-workbench-web-configuration' && element && !element.dataset.alembicPatched) {
        const config = JSON.parse(element.getAttribute('data-settings') ?? '{}');
        config.developmentOptions = { ...config.developmentOptions, enableSmokeTestDriver: true };
        element.setAttribute('data-settings', JSON.stringify(config));
        element.dataset.alembicPatched = '1';
      }
      return element;
    };
  });
}
