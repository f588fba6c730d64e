// Runs the built `alembic` command (dist/cli.js) as a user would, in a child process, and collects
// its exit code and output. Asynchronous, so a test can serve HTTP from its own process meanwhile.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI_PATH, REPO_ROOT, testModelPath } from '../helpers/testModel';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  if (!existsSync(CLI_PATH)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Engine options for the test model on a small shared CPU. */
export function engineArgs(variant: 'default' | 'chatOnly' | 'qwen' = 'default'): string[] {
  return ['--model', testModelPath(variant), '--threads', '1', '--context-size', '2048', '--gpu', 'off'];
}
