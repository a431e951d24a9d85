#!/usr/bin/env node
// Runs every `*.test.ts` under the given folders (default: all rooms) with node's test runner.
// Node 20's runner has no glob support for .ts files, hence this finder. Prints node's spec
// report, then one closing line `tests: N passed, N failed` that CI reads.
//   node scripts/run-tests.js [folder-or-file ...]
import { readdirSync, statSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['analyzer', 'collector', 'cli', 'simulator', 'pipeline', 'store', 'gate', 'dashboards', 'odoo-exporter', 'deploy', 'examples', 'bench', 'test'];
const files = [];
function walk(path) {
  let st;
  try { st = statSync(path); } catch { return; }
  if (st.isDirectory()) {
    if (path.endsWith('node_modules')) return;
    for (const entry of readdirSync(path).sort()) walk(join(path, entry));
  } else if (path.endsWith('.test.ts')) files.push(path);
}
roots.forEach(walk);
if (files.length === 0) {
  console.error(`no *.test.ts files under ${roots.join(', ')}`);
  process.exit(1);
}
const tap = join(mkdtempSync(join(tmpdir(), 'rh-tests-')), 'report.tap');
const result = spawnSync(process.execPath, [
  '--import', 'tsx', '--test',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
], { stdio: 'inherit', env: process.env });
let passed = 0, failed = 0;
try {
  const text = readFileSync(tap, 'utf8');
  passed = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  failed = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0);
} catch { failed = Math.max(failed, 1); }
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(result.status ?? 1);
