// The linter's layer rule (scripts/lint/layersRule.mjs), run through ESLint with the project's own
// config, on snippets placed as if they were files of each layer.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function layerProblems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'alembic/layers').map((m) => m.message);
}

describe('the layer rule', () => {
  test('reports src/core importing vscode or reaching into src/engine, and allows core-to-core imports', async () => {
    const problems = await layerProblems(
      'src/core/completion/example.ts',
      "import * as vscode from 'vscode';\n" +
        "import { EngineClient } from '../../engine/client/engineClient';\n" +
        "import type { EngineStatus } from '../engine/protocol';\n" +
        'export const all = [vscode, EngineClient] as unknown as EngineStatus;\n',
    );
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /src\/core must not import vscode/);
    assert.match(problems[1]!, /must not import from src\/engine/);
  });

  test('reports a Node module in the webview, also through require and a dynamic import', async () => {
    const problems = await layerProblems(
      'src/webview/example.ts',
      "import { readFileSync } from 'node:fs';\nconst os = require('os');\n" +
        "export const later = import('node:path');\nexport const both = [readFileSync, os];\n",
    );
    assert.equal(problems.length, 3, problems.join('\n'));
    for (const p of problems) assert.match(p, /runs in a browser/);
  });

  test('reports vscode in the engine and the CLI, and the CLI reaching into src/vscode', async () => {
    assert.equal((await layerProblems('src/engine/worker/example.ts', "import 'vscode';\n")).length, 1);
    const cli = await layerProblems(
      'src/cli/example.ts',
      "import { log } from '../vscode/log';\nexport const l = log;\n",
    );
    assert.deepEqual(cli, ['src/cli must not import from src/vscode (allowed: src/core, src/engine, src/cli).']);
  });

  test('lets src/vscode use vscode, the engine client and the core', async () => {
    const problems = await layerProblems(
      'src/vscode/example.ts',
      "import * as vscode from 'vscode';\n" +
        "import { EngineClient } from '../engine/client/engineClient';\n" +
        "import { formatBytes } from '../core/util/format';\n" +
        'export const all = [vscode, EngineClient, formatBytes];\n',
    );
    assert.deepEqual(problems, []);
  });
});
