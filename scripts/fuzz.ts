// `npm run fuzz [-- --seed <n>] [--accepted <n>] [--max-mutants <n>] [--verbose]`: the long run of
// the pre-check fuzzer (test/helpers/ggufFuzz.ts). Mutants of the generated test model go through
// the pre-check; each one it accepts is loaded and used in a real engine process, and a crash or a
// hang of that process is a finding (its file is kept in .cache/fuzz-findings/). Stops after
// --accepted accepted mutants (default 200). Exit 1 when there was a finding. Builds first.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFuzzReport, runFuzz } from '../test/helpers/ggufFuzz';
import { CACHE_DIR, REPO_ROOT, testModelPath } from '../test/helpers/testModel';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}

async function main(): Promise<void> {
  const seed = option('seed', 1);
  const targetAccepted = option('accepted', 200);
  const maxMutants = option('max-mutants', targetAccepted * 20);
  const verbose = process.argv.includes('--verbose');
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: REPO_ROOT, stdio: 'ignore' });
  let last = 0;
  const report = await runFuzz({
    base: readFileSync(testModelPath()),
    seed,
    targetAccepted,
    maxMutants,
    workDir: join(tmpdir(), `alembic-fuzz-${process.pid}`),
    findingsDir: join(CACHE_DIR, 'fuzz-findings'),
    onEvent: (line) => {
      if (verbose || !line.includes(' accepted, ')) console.log(line);
      else if (Date.now() - last > 10_000) {
        last = Date.now();
        console.log(line);
      }
    },
  });
  console.log(formatFuzzReport(report, seed));
  process.exitCode = report.findings.length > 0 ? 1 : 0;
}

void main();
