// ESLint rule `alembic/layers`: an import may only reach the layers its own layer depends on.
// Each file's layer is its top-level folder under src/; a relative import is resolved against the
// importing file, so `../engine/protocol` from src/core/completion is src/core (allowed) while
// `../../engine/client` is src/engine (not allowed from src/core).
import { dirname, relative, resolve, sep } from 'node:path';

/** What each layer may import: other layers, `vscode`, and Node's built-in modules. */
export const LAYERS = {
  core: { layers: ['core'], vscode: false, node: true },
  engine: { layers: ['core', 'engine'], vscode: false, node: true },
  cli: { layers: ['core', 'engine', 'cli'], vscode: false, node: true },
  vscode: { layers: ['core', 'engine', 'vscode'], vscode: true, node: true },
  webview: { layers: ['core', 'webview'], vscode: false, node: false },
};

const NODE_BUILTINS = new Set([
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dns',
  'events',
  'fs',
  'http',
  'https',
  'net',
  'os',
  'path',
  'process',
  'readline',
  'stream',
  'tls',
  'url',
  'util',
  'worker_threads',
  'zlib',
]);

function layerOf(file, srcRoot) {
  const rel = relative(srcRoot, file);
  if (rel.startsWith('..')) return undefined;
  return rel.split(sep)[0];
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'keeps src/core, src/engine, src/cli, src/vscode and src/webview apart' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const srcRoot = resolve(context.cwd, 'src');
    const layer = layerOf(file, srcRoot);
    const allowed = LAYERS[layer];
    if (!allowed) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (spec === 'vscode' && !allowed.vscode) {
        context.report({ node, message: `src/${layer} must not import vscode: only src/vscode talks to the editor.` });
      } else if ((spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0])) && !allowed.node) {
        context.report({ node, message: `src/${layer} runs in a browser: '${spec}' is a Node module.` });
      } else if (spec.startsWith('.')) {
        const target = layerOf(resolve(dirname(file), spec), srcRoot);
        if (target && !allowed.layers.includes(target)) {
          context.report({
            node,
            message: `src/${layer} must not import from src/${target} (allowed: ${allowed.layers.map((l) => `src/${l}`).join(', ')}).`,
          });
        }
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      CallExpression: (node) => {
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'require' &&
          node.arguments[0]?.type === 'Literal'
        )
          check(node, node.arguments[0].value);
      },
    };
  },
};
