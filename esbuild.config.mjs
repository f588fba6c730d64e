// Builds the bundles Alembic ships:
//   dist/extension.js  the VS Code extension host side (CommonJS, `vscode` provided by the host)
//   dist/engine.js     the engine child process that owns node-llama-cpp
//   dist/engineHost.js the shared engine host: one engine for every window (src/engine/shared)
//   dist/cli.js        the `alembic` command-line tool
//   media/dist/chat.js the chat webview (browser IIFE; markdown and highlighting bundled, no CDN)
//   media/dist/chat.css its styles, with the codicon font bundled next to them
//   media/dist/engine-status.js / .css  the Engine Status page
// node-llama-cpp is ESM-only and ships native binaries: it stays external and is loaded with `await import()`.
// Usage: node esbuild.config.mjs [--watch] [--production]
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'node-llama-cpp'],
  logLevel: 'info',
};

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/vscode/extension.ts' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: { engine: 'src/engine/worker/main.ts' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: { engineHost: 'src/engine/shared/hostMain.ts' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist' },
  {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    entryPoints: { chat: 'src/webview/main.ts', 'engine-status': 'src/webview/status/main.ts' },
    outdir: 'media/dist',
    loader: { '.ttf': 'file' },
    logLevel: 'info',
  },
  {
    bundle: true,
    minify: production,
    entryPoints: { chat: 'media/chat/chat.css', 'engine-status': 'media/status/engine-status.css' },
    outdir: 'media/dist',
    loader: { '.ttf': 'file' },
    assetNames: '[name]',
    logLevel: 'info',
  },
];

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
