#!/usr/bin/env node
// Runs the `*.test.ts` files under the given folders (default: all rooms) with node's test runner
// (Node 20's runner has no glob support for .ts files, hence this finder), prints node's spec
// report, one line per distinct skip reason, and the closing line CI reads:
//   tests: N passed, N failed, N skipped
//
//   node scripts/run-tests.js [--all | --group NAME ...] [folder-or-file ...]
//   RH_TEST_GROUPS=calibration,scenario node scripts/run-tests.js
//
// Groups: a file named `name.GROUP.test.ts` belongs to GROUP and runs only when the group is asked
// for (`--group GROUP`, `RH_TEST_GROUPS=GROUP,...`, or `--all`); a file given by its path always
// runs. Plain `*.test.ts` files always run; single tests inside them join a group with
// `inGroup(GROUP)` (test/groups.ts), which skips them unless their group was asked for. CI (`.ci/run`) runs `--all`; a newcomer's `npm test`
// runs the rest, in minutes, and the tests that need a service skip saying which script starts it.
import { readdirSync, statSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';

/** The groups outside the default run, and what is in them (printed when they are left out). */
const GROUPS = {
  calibration:
    'statistical calibration simulations (false-alarm rates over many seeds, coverage of intervals, restart equivalence)',
  scenario: "whole-product scenarios on a virtual clock (npm start's story end to end, with its 13 weeks of history)",
};
const ROOTS = [
  'analyzer',
  'collector',
  'cli',
  'simulator',
  'pipeline',
  'service',
  'store',
  'gate',
  'dashboards',
  'odoo-exporter',
  'deploy',
  'examples',
  'bench',
  'test',
];

const args = process.argv.slice(2);
const wanted = new Set(
  (process.env.RH_TEST_GROUPS ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean),
);
const paths = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--all') Object.keys(GROUPS).forEach((g) => wanted.add(g));
  else if (arg === '--group') wanted.add(args[++i] ?? '');
  else if (arg.startsWith('--group=')) wanted.add(arg.slice('--group='.length));
  else if (arg.startsWith('-')) {
    console.error(
      `unknown option ${arg}\nusage: node scripts/run-tests.js [--all | --group NAME ...] [folder-or-file ...]`,
    );
    process.exit(2);
  } else paths.push(arg);
}
for (const g of wanted) {
  if (!(g in GROUPS)) {
    console.error(`unknown test group ${JSON.stringify(g)}: the groups are ${Object.keys(GROUPS).join(', ')}`);
    process.exit(2);
  }
}

const groupOf = (file) => /\.([a-z]+)\.test\.ts$/.exec(file)?.[1];
const files = [];
const leftOut = new Map(); // group → file count
function walk(path, explicit) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  if (st.isDirectory()) {
    if (path.endsWith('node_modules')) return;
    for (const entry of readdirSync(path).sort()) walk(join(path, entry), false);
  } else if (path.endsWith('.test.ts')) {
    const group = groupOf(path);
    if (explicit || group === undefined || !(group in GROUPS) || wanted.has(group)) files.push(path);
    else leftOut.set(group, (leftOut.get(group) ?? 0) + 1);
  }
}
(paths.length ? paths : ROOTS).forEach((p) => walk(p, paths.includes(p)));
if (files.length === 0) {
  console.error(`no *.test.ts files to run under ${(paths.length ? paths : ROOTS).join(', ')}`);
  process.exit(1);
}

const tap = join(mkdtempSync(join(tmpdir(), 'rh-tests-')), 'report.tap');
// Two files at a time even on two cores: most test time is waiting (servers, child processes,
// timers), and node's default (cores - 1) runs them one after another there.
const concurrency = Math.max(2, availableParallelism() - 1);
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, RH_TEST_GROUPS: [...wanted].join(',') } },
);

let passed = 0,
  failed = 0,
  skipped = 0;
const skipReasons = new Map();
try {
  const text = readFileSync(tap, 'utf8');
  passed = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  failed = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0);
  skipped = Number(/^# skipped (\d+)/m.exec(text)?.[1] ?? 0);
  for (const m of text.matchAll(/^\s*ok \d+ - .*? # SKIP(?: (.*))?$/gm)) {
    const reason = (m[1] ?? '').trim() || '(no reason given)';
    skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
  }
} catch {
  failed = Math.max(failed, 1);
}

if (skipReasons.size) {
  console.log(`\nskipped, by reason:`);
  for (const [reason, n] of [...skipReasons].sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(n).padStart(3)}  ${reason}`);
}
if (leftOut.size) {
  console.log(`\nnot run (npm test -- --all runs them, as CI does):`);
  for (const [group, n] of leftOut) console.log(`  ${group}: ${n} file${n === 1 ? '' : 's'} — ${GROUPS[group]}`);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(result.status ?? 1);
