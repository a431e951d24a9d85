#!/usr/bin/env node
// Runs the `*.test.ts` files under the given folders (default: all rooms), each in its own node
// process with node's test runner (Node 20's runner has no glob support for .ts files, hence this
// finder), prints each file's spec report with its wall-clock and CPU time, one line per distinct
// skip reason, the slowest files, and the closing line CI reads:
//   tests: N passed, N failed, N skipped
//
//   node scripts/run-tests.js [--all | --group NAME ...] [--list] [folder-or-file ...]   (--list: the files, not run)
//   RH_TEST_GROUPS=calibration,scenario node scripts/run-tests.js
//
// Groups: a file named `name.GROUP.test.ts` belongs to GROUP and runs only when the group is asked
// for (`--group GROUP`, `RH_TEST_GROUPS=GROUP,...`, or `--all`); a file given by its path always
// runs. The system group is the whole-system tests (everything under test/, and the browser
// tests) when the whole tree runs. Plain `*.test.ts` files always run; single tests inside them join
// a group with `inGroup(GROUP)` (test/groups.ts), which skips them unless their group was asked
// for. CI (`.ci/run`) runs `--all`; a newcomer's `npm test` runs the rest, in minutes, and the tests
// that need a service skip saying which script starts it.
import { readdirSync, statSync, readFileSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { join, dirname, sep } from 'node:path';
import { tmpdir, availableParallelism, loadavg } from 'node:os';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The groups outside the default run, and what is in them (printed when they are left out). */
const GROUPS = {
  calibration:
    'statistical calibration simulations (false-alarm rates over many seeds, coverage of intervals, restart equivalence)',
  scenario: "whole-product scenarios on a virtual clock (npm start's story end to end, with its 13 weeks of history)",
  system:
    'whole-system tests: everything under test/ (fault injection, the API fuzzer, every Odoo schema version, the services) and the pages in a real browser (*.browser.test.ts)',
};
/**
 * The system group is a place, not a file name: test/ holds the tests that exercise the product as
 * a whole (its rooms hold the unit tests), and a browser test is a system test wherever it sits. A
 * whole `npm test` leaves them to CI (`--all`); naming a folder or file runs what is in it.
 */
const isSystemTest = (file) => file.startsWith(`test${sep}`) || file.endsWith('.browser.test.ts');
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
let listOnly = false;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--all') Object.keys(GROUPS).forEach((g) => wanted.add(g));
  else if (arg === '--list') listOnly = true;
  else if (arg === '--group') wanted.add(args[++i] ?? '');
  else if (arg.startsWith('--group=')) wanted.add(arg.slice('--group='.length));
  else if (arg.startsWith('-')) {
    console.error(
      `unknown option ${arg}\nusage: node scripts/run-tests.js [--all | --group NAME ...] [--list] [folder-or-file ...]`,
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
    const named = groupOf(path);
    const group =
      named !== undefined && named in GROUPS ? named : paths.length === 0 && isSystemTest(path) ? 'system' : named;
    if (explicit || group === undefined || !(group in GROUPS) || wanted.has(group)) files.push(path);
    else leftOut.set(group, (leftOut.get(group) ?? 0) + 1);
  }
}
(paths.length ? paths : ROOTS).forEach((p) => walk(p, paths.includes(p)));
if (files.length === 0) {
  console.error(`no *.test.ts files to run under ${(paths.length ? paths : ROOTS).join(', ')}`);
  process.exit(1);
}

if (listOnly) {
  for (const file of files) console.log(file);
  for (const [group, n] of leftOut) console.log(`(not run: ${group}, ${n} file${n === 1 ? '' : 's'})`);
  process.exit(0);
}

// Each file runs in its own node process (as `node --test` would run it), at most `concurrency` at a
// time, its report printed whole when it ends so files never interleave. The runner times each file
// (wall clock) and adds up the CPU its node processes used (scripts/testing/cpu-at-exit.js), so the
// slow files can be named: wall time alone says more about the machine's load than about the test.
// Two files at a time even on two cores: most test time is waiting (servers, child processes, timers).
const concurrency = Math.max(2, availableParallelism() - 1);
const work = mkdtempSync(join(tmpdir(), 'rh-tests-'));
const cpuHook = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'testing', 'cpu-at-exit.js')).href;
const env = { ...process.env, RH_TEST_GROUPS: [...wanted].join(',') };
/**
 * A file still running after this many seconds is killed and counted as failed. A file can finish
 * its tests and still not exit — a connection left open by a setup that failed half-way keeps its
 * event loop alive — and CI would then wait for it until its own limit, with no report of which
 * file hung. The slowest files take a few minutes on a loaded 2-core machine.
 */
const fileTimeoutS = Number(process.env.RH_TEST_FILE_TIMEOUT_S ?? 1200);
if (!(fileTimeoutS > 0)) {
  console.error(`RH_TEST_FILE_TIMEOUT_S must be a number of seconds > 0, got ${process.env.RH_TEST_FILE_TIMEOUT_S}`);
  process.exit(2);
}

let passed = 0,
  failed = 0,
  skipped = 0,
  exitStatus = 0;
const skipReasons = new Map();
/**
 * What went wrong, repeated after the summary: CI logs are often read from the tail (or shown only
 * in part), so a failure must be named there, not only in its file's report hundreds of lines up.
 * @type {{ file: string, how: string, details: string[] }[]}
 */
const failures = [];
/** @type {{ file: string, wallMs: number, cpuMs: number, status: number | null }[]} */
const timings = [];

/**
 * An upstream V8 bug, not a test's: WebAssembly code churn (PGlite's engine, created and closed
 * many times in one process) desynchronises V8's JIT page registry, and a later free aborts the
 * process on this check — seen at exit, after every test of the file had passed. Open upstream
 * (https://github.com/nodejs/node/issues/64500, reproduced there on Node 22 to 26 without any
 * code of ours). A file killed with it is run once more, and says so; a second crash counts.
 */
const V8_WASM_REGISTRY_CRASH = /Check failed: jit_page_->allocations_\.erase\(addr\) == 1/;
let rerunAfterV8Crash = 0;

function runFile(file, index, attempt = 1) {
  const tap = join(work, `${index}-${attempt}.tap`);
  const cpuDir = join(work, `cpu-${index}-${attempt}`);
  mkdirSync(cpuDir);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        cpuHook,
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        file,
      ],
      { env: { ...env, RH_TEST_CPU_DIR: cpuDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, fileTimeoutS * 1000);
    child.on('close', (status, signal) => {
      clearTimeout(limit);
      if (signal && attempt === 1 && V8_WASM_REGISTRY_CRASH.test(Buffer.concat(output).toString())) {
        rerunAfterV8Crash++;
        process.stdout.write(
          `\n↻ ${file}: killed by ${signal} in V8's WebAssembly code registry (an upstream V8 bug, see V8_WASM_REGISTRY_CRASH in scripts/run-tests.js): run once more\n`,
        );
        resolve(runFile(file, index, attempt + 1));
        return;
      }
      const wallMs = performance.now() - started;
      let cpuUs = 0;
      for (const name of readdirSync(cpuDir)) {
        try {
          const { user, system } = JSON.parse(readFileSync(join(cpuDir, name), 'utf8'));
          cpuUs += user + system;
        } catch {
          // a process that died mid-write: its CPU is not counted
        }
      }
      const cpuMs = cpuUs / 1000;
      timings.push({ file, wallMs, cpuMs, status });
      let counted = false;
      let counts = '';
      const failedTests = [];
      try {
        const text = readFileSync(tap, 'utf8');
        for (const block of failedTapBlocks(text)) failedTests.push(block);
        const count = (key) => Number(new RegExp(`^# ${key} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
        if (!Number.isNaN(count('pass'))) {
          passed += count('pass');
          failed += count('fail') + (count('cancelled') || 0);
          skipped += count('skipped');
          counted = true;
          counts = `, ${count('pass')} passed, ${count('fail') + (count('cancelled') || 0)} failed`;
        }
        for (const m of text.matchAll(/^\s*ok \d+ - .*? # SKIP(?: (.*))?$/gm)) {
          const reason = (m[1] ?? '').trim() || '(no reason given)';
          skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
        }
      } catch {
        // no report: the file did not get as far as its tests
      }
      const ok = status === 0;
      if (!ok) {
        exitStatus = 1;
        // a file that crashed before (or without) its summary still counts as one failure
        if (!counted) failed += 1;
      }
      const how = ok
        ? ''
        : timedOut
          ? ` — killed after ${fileTimeoutS} s without exiting (RH_TEST_FILE_TIMEOUT_S): a hang, or a handle left open`
          : signal
            ? ` — killed by ${signal}`
            : ` — exit code ${status}`;
      // the spec reporter closes each file with its own counts; the runner's closing line adds them up
      const report = Buffer.concat(output)
        .toString()
        .replace(/^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+\n/gm, '');
      if (!ok) {
        // a file that ended without a failing test (a crash, an exit code from outside a test) is
        // explained by the end of its output
        const tail = report.trimEnd().split('\n').slice(-25).join('\n');
        const details = failedTests.length
          ? failedTests
          : [tail || 'no report: the process ended before its test runner wrote one (process.exit, a crash, a kill)'];
        failures.push({ file, how: how.slice(3) || 'failed', details });
      }
      process.stdout.write(`\n▶ ${file} (${seconds(wallMs)} wall, ${seconds(cpuMs)} CPU${counts}${how})\n${report}`);
      resolve();
    });
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The failing tests of a TAP report, each as its name path and the start of its diagnostic block.
 * Node's TAP reporter writes `not ok N - name` with a YAML block indented under it; subtests are
 * indented by four spaces a level, and a parent that failed only because a subtest did adds nothing.
 */
function failedTapBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)not ok \d+ - (.*?)(?: # (?:TODO|SKIP).*)?$/.exec(lines[i]);
    if (!m) continue;
    const indent = m[1].length;
    const yaml = [];
    for (let j = i + 1; j < lines.length && yaml.length < 30; j++) {
      const line = lines[j];
      if (/^\s*(not )?ok \d+ - /.test(line) || /^\s*# Subtest:/.test(line)) break;
      if (line.trim() === '...') break;
      if (line.trim() !== '---') yaml.push(line.slice(Math.min(indent + 2, line.search(/\S|$/))));
    }
    const body = yaml.join('\n');
    if (/failureType: 'subtestsFailed'/.test(body)) continue;
    blocks.push(`${m[2]}\n${yaml.slice(0, 20).join('\n')}`);
  }
  return blocks;
}
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(concurrency, files.length) }, async () => {
    while (next < files.length) {
      const index = next++;
      await runFile(files[index], index);
    }
  }),
);
const wallMs = performance.now() - started;
rmSync(work, { recursive: true, force: true });

if (skipReasons.size) {
  console.log(`\nskipped, by reason:`);
  for (const [reason, n] of [...skipReasons].sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(n).padStart(3)}  ${reason}`);
}
if (leftOut.size) {
  console.log(`\nnot run (npm test -- --all runs them, as CI does):`);
  for (const [group, n] of leftOut) console.log(`  ${group}: ${n} file${n === 1 ? '' : 's'} — ${GROUPS[group]}`);
}
if (timings.length > 1) {
  const cpuTotal = timings.reduce((sum, t) => sum + t.cpuMs, 0);
  const slowest = [...timings].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 12);
  console.log(`\nslowest files by CPU (wall clock in brackets; the wall clock depends on the machine's load):`);
  for (const t of slowest)
    console.log(`  ${seconds(t.cpuMs).padStart(8)}  (${seconds(t.wallMs).padStart(8)})  ${t.file}`);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `${timings.length} files in ${seconds(wallMs)} on ${availableParallelism()} cores, ${concurrency} at a time; ` +
      `test processes used ${seconds(cpuTotal)} CPU in all; load average now ${load}`,
  );
}
if (failures.length) {
  console.log(`\nfailed (each file's whole report is above):`);
  for (const { file, how, details } of failures) {
    console.log(`✖ ${file} — ${how}`);
    for (const detail of details) console.log(detail.replace(/^/gm, '    '));
  }
}
if (rerunAfterV8Crash)
  console.log(
    `\n${rerunAfterV8Crash} file${rerunAfterV8Crash === 1 ? '' : 's'} run a second time after V8 aborted in its WebAssembly code registry (V8_WASM_REGISTRY_CRASH)`,
  );
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitStatus);
