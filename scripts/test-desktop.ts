// `npm run test:desktop`: the extension-host tests (test/vscode) in VS Code *desktop*, through
// @vscode/test-electron, for developers with a display and network access: on first use it
// downloads VS Code from Microsoft's update server into .vscode-test/. CI cannot (that server is
// out of reach there) and runs the same tests in code-server with `npm run test:vscode`.
// VSCODE_VERSION=<x.y.z|stable|insiders> picks the version (default: the oldest engines.vscode allows).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runTests } from '@vscode/test-electron';
import { testModelPath } from '../test/helpers/testModel';
import { buildExtensionTests } from '../test/e2e/harness/extensionTests';
import { E2E_DIR, REPO_ROOT, SAMPLE_WORKSPACE } from '../test/e2e/harness/paths';
import { TEST_SETTINGS, testModelSettings } from '../test/e2e/harness/userSettings';

async function main(): Promise<number> {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) return 1;
  const testsEntry = await buildExtensionTests();
  mkdirSync(E2E_DIR, { recursive: true });
  const userDataDir = mkdtempSync(join(E2E_DIR, 'desktop-tests-'));
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...TEST_SETTINGS, ...testModelSettings(testModelPath()) }, null, 2),
  );
  const version = process.env.VSCODE_VERSION ?? require('../package.json').engines.vscode.replace(/^\^/, '');
  return runTests({
    version,
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: testsEntry,
    launchArgs: [SAMPLE_WORKSPACE, '--user-data-dir', userDataDir, '--disable-extensions', '--disable-workspace-trust'],
  }).then(
    () => 0,
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      return 1;
    },
  );
}

main().then((code) => process.exit(code));
