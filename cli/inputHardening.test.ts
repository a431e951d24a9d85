/**
 * `analyze` and `serve` on inputs that once hung, crashed with a stack trace, read a device
 * without end or wrote control characters to the terminal: each is one clear line now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from './command.ts';
import { runCli, tempFiles } from './testing/cliRun.ts';
import { forTerminal } from './terminalText.ts';

const { dir, write } = tempFiles('rh-harden-');
const run = runCli;

const START = 1_795_773_600_000;
const spec = (over: { startedAt?: number; observeMs?: number; service?: string; metric?: string } = {}) =>
  JSON.stringify({
    release: {
      id: 'rel-1',
      service: over.service ?? 'odoo',
      version: '17.0.6',
      environment: 'staging',
      strategy: 'canary',
      class: 'standard',
      startedAt: over.startedAt ?? START,
    },
    policy: { observeMs: over.observeMs ?? 600_000 },
    metrics: [{ name: over.metric ?? 'latency', group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.1 }],
  });
const samples = (n: number, metric = 'latency') =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      ts: START + 1000 * (i + 1),
      metric,
      cohort: i % 2 ? 'canary' : 'baseline',
      value: 0.2 + (i % 7) / 100,
    }),
  ).join('\n');

test('a sample stamped past 2100 on line 1 is a line error naming ts, not 1,800 samples counted "after final"', async () => {
  const specFile = write('s.json', spec());
  const lines = [
    JSON.stringify({ ts: 8.64e15 + 1, metric: 'latency', cohort: 'canary', value: 1 }),
    samples(1800),
  ].join('\n');
  const result = await run(['analyze', '--spec', specFile, '--samples', write('far.ndjson', lines)]);
  assert.equal(result.code, EXIT.input);
  assert.match(result.err, /far\.ndjson:1: ts: 8640000000000001 is not an epoch-ms time before 2100-01-01/);
  assert.equal(result.err.trim().split('\n').length, 1, 'one line');
  // the canonical fast path refuses it the same way
  const canonical = `{"ts":8640000000000000,"metric":"latency","cohort":"canary","value":1}\n`;
  assert.match(
    (await run(['analyze', '--spec', specFile, '--samples', write('far2.ndjson', canonical)])).err,
    /far2\.ndjson:1: ts: /,
  );
});

test('startedAt 8.64e15 and observeMs 9e15 in a spec: a line error naming the field, no RangeError, no hang', async () => {
  const data = write('d.ndjson', samples(10));
  const start = await run(['analyze', '--spec', write('start.json', spec({ startedAt: 8.64e15 })), '--samples', data]);
  assert.equal(start.code, EXIT.input);
  assert.match(
    start.err,
    /start\.json:1:\d+: release\.startedAt: 8640000000000000 is not an epoch-ms time before 2100-01-01/,
  );
  assert.doesNotMatch(start.err, /RangeError|\n\s+at /);
  const window = await run(['analyze', '--spec', write('window.json', spec({ observeMs: 9e15 })), '--samples', data]);
  assert.equal(window.code, EXIT.input);
  assert.match(window.err, /window\.json: policy\.observeMs: the observation window is \d+ looks/);
});

test('--interval is bounded: at least 1s, at most 24h, and absurd numbers are refused before any work', async () => {
  const args = [
    'analyze',
    '--spec',
    write('i.json', spec()),
    '--samples',
    write('i.ndjson', samples(10)),
    '--interval',
  ];
  for (const [value, pattern] of [
    ['0.001', /--interval: at least 1s, got "0\.001"/],
    ['999ms', /--interval: at least 1s/],
    ['25h', /--interval: at most 24h/],
    ['99999999999999999999999h', /--interval: cannot read/],
  ] as const) {
    const result = await run([...args, value]);
    assert.equal(result.code, EXIT.usage, value);
    assert.match(result.err, pattern);
  }
  assert.equal((await run([...args, '1s'])).code === EXIT.usage, false);
});

test(
  '--spec /dev/urandom: the size limit is applied while reading (a few MiB read, not gigabytes)',
  { skip: !existsSync('/dev/urandom') },
  async () => {
    const before = process.resourceUsage().fsRead;
    const started = performance.now();
    const result = await run(['analyze', '--spec', '/dev/urandom', '--samples', write('u.ndjson', samples(2))]);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(result.code, EXIT.input);
    assert.match(result.err, /\/dev\/urandom: spec is larger than 4194304 bytes/);
    // reading 1 GB of /dev/urandom takes several seconds; 4 MiB takes milliseconds
    assert.ok(seconds < 5, `took ${seconds.toFixed(1)} s`);
    assert.ok(process.resourceUsage().fsRead - before < 100_000, 'no large file read besides the device');
  },
);

test('duplicate and __proto__ keys in an NDJSON line are line errors naming the key', async () => {
  const specFile = write('k.json', spec());
  const dup = await run([
    'analyze',
    '--spec',
    specFile,
    '--samples',
    write(
      'dup.ndjson',
      `${samples(2)}\n{"ts":${START + 5000},"metric":"latency","cohort":"canary","cohort":"baseline","value":1}\n`,
    ),
  ]);
  assert.equal(dup.code, EXIT.input);
  assert.match(dup.err, /dup\.ndjson:3: cohort: the key "cohort" is given twice/);
  const proto = await run([
    'analyze',
    '--spec',
    specFile,
    '--samples',
    write(
      'proto.ndjson',
      `{"ts":${START},"metric":"latency","cohort":"canary","value":1,"labels":{"__proto__":"x"}}\n`,
    ),
  ]);
  assert.match(proto.err, /proto\.ndjson:1: labels\.__proto__: the key "__proto__" is not accepted/);
});

test('ESC, NUL, C1 and U+202E in names reach the terminal escaped, in the report and in errors', async () => {
  const hostile = 'odoo\u001b]0;pwned\u0007\u202Ekcabllor\u0000\u009b';
  const result = await run([
    'analyze',
    '--spec',
    write('t.json', spec({ service: hostile })),
    '--samples',
    write('t.ndjson', samples(40)),
  ]);
  assert.ok(result.code <= EXIT.reduceTraffic, result.err); // a verdict, not an error
  assert.ok(result.out.includes(forTerminal(hostile)), 'the name appears, escaped');
  assert.doesNotMatch(result.out, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  const metric = `lat\u001b[2Jency`;
  const error = await run([
    'analyze',
    '--spec',
    write('t2.json', spec({ metric })),
    '--samples',
    write('t2.ndjson', `{"ts":${START},"metric":"x","cohort":"sideways","value":1}`),
  ]);
  assert.equal(error.code, EXIT.input);
  assert.doesNotMatch(error.err, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  assert.equal(forTerminal('a\u001bb\u202Ec\td\ne'), 'a\\u{1b}b\\u{202e}c\td\ne');
});

test('a second serve on the same PGlite directory: the lock error line alone, no stack trace', async () => {
  const storeDir = join(dir, 'store');
  // a live process holds the directory, as a first `serve` would
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(storeDir, { recursive: true });
    writeFileSync(join(storeDir, '.release-health.lock'), `${holder.pid}\n`);
    const config = write('serve.yaml', `listen: { port: 0 }\nstore: { url: "pglite://${storeDir}" }\n`);
    const result = await run(['serve', '--config', config]);
    assert.equal(result.code, EXIT.failure);
    const lines = result.err.trim().split('\n');
    assert.deepEqual(lines, [
      `error: store: PGlite directory ${storeDir} is in use by process ${holder.pid} (lock file ${join(storeDir, '.release-health.lock')})`,
    ]);
  } finally {
    holder.kill();
  }
});

test('analyze on counter increments summing past 1.8e308: a verdict, the batch counted invalid, no stack trace', async () => {
  const specFile = write(
    'o.json',
    JSON.stringify({
      release: {
        id: 'rel-o',
        service: 'odoo',
        version: '2',
        environment: 'staging',
        strategy: 'canary',
        class: 'standard',
        startedAt: START,
      },
      policy: { observeMs: 600_000 },
      metrics: [{ name: 'orders', group: 'business', kind: 'count', harm: 'decrease', tolerance: 0.1 }],
    }),
  );
  const lines: string[] = [];
  for (let m = 0; m < 5; m++) {
    for (let i = 0; i < 20; i++) {
      const ts = START + m * 60_000 + i * 3000;
      lines.push(JSON.stringify({ ts, metric: 'orders', cohort: 'baseline', value: 10 }));
      lines.push(JSON.stringify({ ts, metric: 'orders', cohort: 'canary', value: m === 2 && i < 2 ? 1e308 : 10 }));
    }
  }
  const result = await run(['analyze', '--spec', specFile, '--samples', write('o.ndjson', lines.join('\n'))]);
  assert.ok(result.code <= EXIT.reduceTraffic, result.err); // a verdict, not an error
  assert.doesNotMatch(result.err + result.out, /StatsInputError|\n\s+at /);
  assert.match(result.out, /1 invalid input\(s\) ignored/);
});
