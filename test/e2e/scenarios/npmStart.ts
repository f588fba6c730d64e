// `npm start` as a newcomer runs it (in code-server mode, with its state in this run's folder
// through ALEMBIC_START_DIR, so a developer's own demo is left alone): the port is this checkout's
// own on every start, so the browser keeps its storage (the chat history) for that address; a second
// start while the first runs takes another port and says what that costs; the folder it opens is a
// copy of the sample workspace, made once, never the tracked test/e2e/sample-workspace/.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkoutPort, portIsFree } from '../../../scripts/startPlan';
import { REPO_ROOT } from '../harness/paths';
import { check, scenario, type ScenarioContext } from '../harness/scenario';
import { waitFor } from '../harness/workbench';

interface StartedDemo {
  child: ChildProcess;
  port: number;
  folder: string;
  /** Everything it printed so far. */
  output: () => string;
}

/** Runs `npm start -- --code-server --no-build` (as node runs it) and waits for its address. */
async function startDemo(ctx: ScenarioContext, startDir: string): Promise<StartedDemo> {
  const env: NodeJS.ProcessEnv = { ...process.env, ALEMBIC_START_DIR: startDir };
  delete env.ALEMBIC_PORT;
  delete env.ALEMBIC_MODEL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--code-server', '--no-build'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const address = await waitFor(
    'npm start to print the address to open',
    () => {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
      return /http:\/\/127\.0\.0\.1:(\d+)\/\?folder=(\S+)/.exec(output) ?? undefined;
    },
    60_000,
  ).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  ctx.log(`npm start: port ${address[1]}`);
  return { child, port: Number(address[1]), folder: decodeURIComponent(address[2]!), output: () => output };
}

/** Ctrl-C, as the user stops it: code-server and what it started must go, and it says so. */
async function stopDemo(demo: StartedDemo): Promise<void> {
  const exited = new Promise<number | null>((resolve) =>
    demo.child.exitCode !== null ? resolve(demo.child.exitCode) : demo.child.once('exit', (code) => resolve(code)),
  );
  demo.child.kill('SIGINT');
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
  if (code === 'hung') demo.child.kill('SIGKILL');
  check(code === 0, `npm start should stop on Ctrl-C with exit code 0 (got ${code}):\n${demo.output()}`);
  check(/Stopped\./.test(demo.output()), `npm start should say it stopped:\n${demo.output()}`);
}

export const npmStartScenarios = [
  scenario(
    '"npm start" serves on this checkout\'s own port on every start, takes another one with a ' +
      'warning when it is busy, and opens a copy of the sample workspace made once',
    async (ctx) => {
      const startDir = join(ctx.stateDir, 'npm-start');
      const own = checkoutPort(REPO_ROOT);
      check(
        await portIsFree(own),
        `this checkout's port ${own} is in use (an \`npm start\` of this checkout?): stop it and run again`,
      );

      const first = await startDemo(ctx, startDir);
      try {
        check(first.port === own, `the first start should use the checkout's port ${own}, not ${first.port}`);
        check(
          first.output().includes("this checkout's own: the same on every start"),
          `it should say why the port matters:\n${first.output()}`,
        );
        check(first.folder === join(startDir, 'workspace'), `it should open the copy, not ${first.folder}`);
        check(existsSync(join(first.folder, 'cart.js')), 'the copy should have the sample files');
        check(/Copied the sample workspace/.test(first.output()), `it should say it made the copy:\n${first.output()}`);
        const page = await fetch(`http://127.0.0.1:${first.port}/?folder=${encodeURIComponent(first.folder)}`);
        check(page.ok, `the printed address should answer (HTTP ${page.status})`);

        const second = await startDemo(ctx, startDir);
        try {
          check(second.port !== own, 'a second start while the first runs cannot have the same port');
          check(
            second.output().includes(`Port ${own}, this checkout's own, is busy`) &&
              second.output().includes('the chat history'),
            `the second start should say the port is busy and what that costs:\n${second.output()}`,
          );
        } finally {
          await stopDemo(second);
        }
      } finally {
        await stopDemo(first);
      }

      const again = await startDemo(ctx, startDir);
      try {
        check(again.port === own, `a later start should be on the same port ${own}, not ${again.port}`);
        check(
          !/Copied the sample workspace/.test(again.output()),
          `the copy should be kept as the user left it, not made again:\n${again.output()}`,
        );
      } finally {
        await stopDemo(again);
      }
      const tracked = spawnSync('git', ['status', '--porcelain', '--', 'test/e2e/sample-workspace'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      check(tracked.stdout.trim() === '', `the tracked sample workspace should be untouched:\n${tracked.stdout}`);
    },
    { timeoutMs: 180_000 },
  ),
];
