#!/usr/bin/env node
// `npm run build`: the TypeScript sources compiled to JavaScript in dist/ (tsconfig.build.json),
// so `release-health` starts without compiling anything (tsx and esbuild are development tools
// only). Incremental: an unchanged tree rebuilds in a few seconds. Then the files the code reads
// next to itself: store/migrations/*.sql, the version from package.json, and examples/ (the demo's
// inputs) as a link back to the sources. Last, dist/app/: the compiled entry points bundled by
// esbuild into ES module chunks (code splitting, so a command still loads only its own rooms),
// which bin/release-health.js runs when present. Why: `analyze` loaded ~400 small files before its
// first sample (zod, yaml, @stdlib's normal/beta/gamma trees, the analyzer), and resolving and
// compiling each one is most of its start-up on a loaded machine.
import { build } from 'esbuild';
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

// dist/app/ is flat and one level below dist/, like dist/cli/: the code's file-relative reads
// (../package.json, ../examples/, ./migrations/, the analysis threads' ./analysisThread.js and
// ./analysisThreadMain.js) resolve from any chunk as they do from the unbundled files.
const app = join(dist, 'app');
rmSync(app, { recursive: true, force: true });
await build({
  entryPoints: ['cli/main.js', 'pipeline/analysisThread.js', 'service/analysisThreadMain.js'].map((entry) =>
    join(dist, entry),
  ),
  outdir: app,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // Left to node_modules: PGlite (its wasm and data files sit next to its module), pino (its
  // transports start worker threads from files next to its module), pg (optional pg-native) and
  // kafkajs (loaded only by the Kafka rooms). The @stdlib functions loaded on first call
  // (analyzer/stats/lazyFunction.ts) are require()d at run time and stay in node_modules too.
  external: ['@electric-sql/pglite', 'pino', 'pg', 'pg-native', 'kafkajs'],
  // CommonJS dependencies bundled into ES modules still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __releaseHealthCreateRequire } from 'node:module'; const require = __releaseHealthCreateRequire(import.meta.url);",
  },
});
cpSync(join(root, 'store', 'migrations'), join(app, 'migrations'), { recursive: true });

console.error(`release-health: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
