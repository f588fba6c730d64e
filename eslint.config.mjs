// Lint rules. `alembic/layers` (scripts/lint/layersRule.mjs) keeps the layers apart:
//   src/core     plain TypeScript, no VS Code and (for the webview's sake) nothing that needs a DOM
//   src/webview  runs in the browser: no node:* modules, no vscode
//   src/engine   the engine process and its client: no vscode
//   src/cli      the command line: no vscode
// TypeScript 7 has no JavaScript compiler API for typescript-eslint yet, so files are parsed by
// Babel's TypeScript syntax plugin: syntax-level rules only (type checking is `tsc`'s job).
import babelParser from '@babel/eslint-parser';
import { layersRule } from './scripts/lint/layersRule.mjs';

export default [
  { ignores: ['dist/**', 'media/dist/**', 'node_modules/**', '.e2e/**', '.cache/**', '.gl/**'] },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.mjs', '**/*.js'],
    plugins: { alembic: { rules: { layers: layersRule } } },
    languageOptions: {
      parser: babelParser,
      parserOptions: {
        requireConfigFile: false,
        sourceType: 'module',
        babelOptions: { babelrc: false, configFile: false, parserOpts: { plugins: ['typescript'] } },
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'alembic/layers': 'error',
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-duplicate-case': 'error',
      'no-self-assign': 'error',
      'no-unreachable': 'error',
      'no-unsafe-finally': 'error',
      'no-cond-assign': ['error', 'except-parens'],
      'no-constant-binary-expression': 'error',
      'no-empty-pattern': 'error',
      eqeqeq: ['error', 'smart'],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.object.name=/^(it|test|describe|suite)$/][callee.property.name=/^(only|skip)$/]',
          message: 'No focused or skipped tests.',
        },
      ],
    },
  },
];
