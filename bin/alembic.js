#!/usr/bin/env node
// The `alembic` command: the bundle is built by `npm run build` (npm install builds it).
try {
  require('../dist/cli.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
    console.error('alembic: the CLI is not built yet. Run `npm run build` in the Alembic folder.');
    process.exit(1);
  }
  throw e;
}
