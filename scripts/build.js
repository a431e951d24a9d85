#!/usr/bin/env node
// `npm run build`: the TypeScript sources compiled to JavaScript in dist/ (tsconfig.build.json),
// so `release-health` starts without compiling anything (tsx and esbuild are development tools
// only). Incremental: an unchanged tree rebuilds in a few seconds. Then the files the code reads
// next to itself: store/migrations/*.sql, the version from package.json, and examples/ (the demo's
// inputs) as a link back to the sources.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

mkdirSync(join(dist, 'store', 'migrations'), { recursive: true });
cpSync(join(root, 'store', 'migrations'), join(dist, 'store', 'migrations'), { recursive: true });
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// read by `release-health version` (../package.json from dist/cli/main.js); "type": "module" for dist/**/*.js
writeFileSync(
  join(dist, 'package.json'),
  `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: 'module' }, null, 2)}\n`,
);
const examples = join(dist, 'examples');
if (!existsSync(examples)) {
  rmSync(examples, { force: true });
  symlinkSync(join('..', 'examples'), examples, 'dir');
}
console.error(`release-health: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
