// Runs one tier of the suite with Node's own test runner (TypeScript through tsx).
//   node test/runTests.mjs unit      plain-Node tests of the core (fast, no model)
//   node test/runTests.mjs engine    the real node-llama-cpp engine on the generated test model
//   node test/runTests.mjs cli       the `alembic` command line on the generated test model
//   node test/runTests.mjs server    against a real llama-server (scripts/build-llama-server.sh)
// Extra arguments are passed to `node --test` (e.g. --test-name-pattern="cache").
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tier = process.argv[2];
const tiers = {
  unit: { dir: 'test/unit', concurrency: 2 },
  engine: { dir: 'test/engine', concurrency: 1 },
  cli: { dir: 'test/cli', concurrency: 1 },
  server: { dir: 'test/server', concurrency: 1 },
};
if (!tiers[tier]) {
  console.error(`usage: node test/runTests.mjs <${Object.keys(tiers).join('|')}> [node --test options]`);
  process.exit(2);
}

function findTests(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return findTests(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

const files = findTests(tiers[tier].dir);
if (files.length === 0) {
  console.error(`no tests found in ${tiers[tier].dir}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${tiers[tier].concurrency}`, ...process.argv.slice(3), ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
