// The tests that run inside the real extension host (test/vscode): compiled to plain CommonJS for
// the extension host, then loaded the way @vscode/test-electron does it, through the
// extensionTestsPath payload. VS Code calls window.codeAutomationExit(code) when their run() settles.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import * as esbuild from 'esbuild';
import { enableDevelopmentPayload, launchBrowser } from './browser';
import { workbenchUrl } from './codeServer';
import { REPO_ROOT, SAMPLE_WORKSPACE, VSCODE_TESTS_OUT } from './paths';

const SOURCE_DIR = join(REPO_ROOT, 'test', 'vscode');

/** Compiles test/vscode/index.ts and every *.test.ts into .e2e/vscode-tests/. */
export async function buildExtensionTests(): Promise<string> {
  rmSync(VSCODE_TESTS_OUT, { recursive: true, force: true });
  const entries = readdirSync(SOURCE_DIR)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => join(SOURCE_DIR, f));
  await esbuild.build({
    entryPoints: entries,
    outdir: VSCODE_TESTS_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha', 'node-llama-cpp'],
    logLevel: 'warning',
  });
  return join(VSCODE_TESTS_OUT, 'index.js');
}

// Workbench chatter the extension host forwards to the page console; not test output.
const NOISE = new RegExp(
  [
    String.raw`^(Resolving|Resolved|Creating a socket|Creation of workbench|Updating additional`,
    String.raw`\[Service Worker\]|ChatSessionStore|\[ChatModelSelection\])`,
    'open-vsx',
    'ENOTFOUND',
    "authentication provider 'github'",
  ].join('|'),
);

/** Opens a window whose extension host runs the compiled tests; resolves to their exit code (2 on a timeout). */
export async function runExtensionTests(
  serverUrl: string,
  stateDir: string,
  testsEntry: string,
  timeoutMs = 180_000,
): Promise<number> {
  const browser = await launchBrowser(stateDir);
  try {
    const { page } = browser;
    let settle: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (settle = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(code));
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      const message = format(...args);
      if (!NOISE.test(message)) console.log(message);
    });
    await enableDevelopmentPayload(page);
    await page.goto(workbenchUrl(serverUrl, SAMPLE_WORKSPACE, REPO_ROOT, testsEntry));
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<number>((resolve) => {
        timer = setTimeout(() => resolve(2), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (code === 2) console.log(`the extension-host tests did not finish within ${timeoutMs / 1000} s`);
    return code;
  } finally {
    await browser.close();
  }
}
