// Debian's Chromium driven by playwright-core (no browser download), with a fresh profile and its
// HOME/TMPDIR inside the run's state folder.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
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
  const tmp = join(stateDir, 'tmp');
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const profile = mkdtempSync(join(stateDir, 'chromium-profile-'));
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
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** VS Code 1.100 honours the `payload` URL parameter (extensionDevelopmentPath…) only when the page's
 * configuration enables the smoke-test driver; code-server has no flag for it, so flip it in the
 * embedded configuration before the workbench reads it. (Serving a modified page through
 * page.route() instead breaks code-server's websockets.) */
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
