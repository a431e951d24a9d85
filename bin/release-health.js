#!/usr/bin/env node
// Runs the JavaScript build in dist/ (`npm run build`; `npm install` and `npm ci` build it through
// the `prepare` script), so a start compiles nothing. RH_FROM_SOURCE=1 runs the TypeScript sources
// through tsx instead (a development dependency), as does a checkout that has not been built.
// dist/app/ is the same build bundled into a few chunks (fewer files to load at start); dist/cli/
// the unbundled compiled files, used when the bundle is absent.
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/app/main.js', import.meta.url);
const built = existsSync(bundled) ? bundled : new URL('../dist/cli/main.js', import.meta.url);
let main;
if (process.env.RH_FROM_SOURCE !== '1' && existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    console.error(
      'error: release-health is not built (no dist/) and tsx is not installed: run "npm run build" in the package directory',
    );
    process.exit(1);
  }
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
