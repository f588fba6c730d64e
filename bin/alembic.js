#!/usr/bin/env node
// The `alembic` command: runs the bundle that `npm run build` writes (npm start and npm test build it
// too; npm install does not).
try {
  require('../dist/cli.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
    console.error('alembic: the CLI is not built yet. Run `npm run build` in the Alembic folder.');
    process.exit(1);
  }
  throw e;
}
