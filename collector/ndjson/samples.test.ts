import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { Sample } from '../../analyzer/index.ts';
import { InputError } from '../../analyzer/inputError.ts';
import { MAX_SAMPLE_TS, parseCanonicalSampleLine, parseSampleLine, readSamples, type ReadSummary } from './samples.ts';

const SAMPLES_FILE = fileURLToPath(new URL('./samples.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rh-samples-'));
let files = 0;
function write(content: string | Buffer): string {
  const path = join(dir, `s${files++}.ndjson`);
  writeFileSync(path, content);
  return path;
}

async function read(path: string, highWaterMark?: number): Promise<{ samples: Sample[]; summary: ReadSummary }> {
  const samples: Sample[] = [];
  const summary = await readSamples(
    path,
    (s) => samples.push(s),
    highWaterMark === undefined ? undefined : { highWaterMark },
  );
  return { samples, summary };
}

/** The error `readSamples` throws for `content`, which must be an InputError. */
async function readError(content: string | Buffer, highWaterMark?: number): Promise<InputError> {
  const path = write(content);
  const error = await read(path, highWaterMark).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
  assert.equal(error.file, path);
  return error;
}

/** Reads `text` with the default and with several tiny reads: all must agree. */
async function readEverywhere(
  text: string | Buffer,
  highWaterMarks = [1, 2, 3, 5, 16, 97, 600, 4096],
): Promise<{ samples: Sample[]; summary: ReadSummary }> {
  const path = write(text);
  const whole = await read(path);
  for (const highWaterMark of highWaterMarks) {
    assert.deepStrictEqual(await read(path, highWaterMark), whole, `highWaterMark ${highWaterMark}`);
  }
  return whole;
}

const line = (ts: string, metric: string, cohort: string, value: string): string =>
  `{"ts":${ts},"metric":"${metric}","cohort":${cohort},"value":${value}}`;

// canonical lines: the fast path must take them and agree with the general path
const CANONICAL = [
  line('1741770000047', 'checkout_latency_seconds', '"baseline"', '0.35781'),
  line('1741770000101', 'stock_reservation_latency_seconds', '"canary"', '0.13819'),
  line('0', 'a', '"canary"', '0'),
  line('7', 'ab', '"baseline"', '-0'),
  line('42', 'abc', '"canary"', 'null'),
  line('4102444799999', 'abcd', '"canary"', '-12.5e-3'), // the last accepted ts (2100-01-01 − 1 ms)
  line('123456789', 'abcde', '"baseline"', '1E+21'),
  line('1741770000047', 'checkout_latency_seconds', '"canary"', '1e400'),
  line('1741770000047', 'checkout_latency_seconds', '"canary"', '-1e400'),
  line('1741770000047', 'm', '"canary"', '4.9e-324'),
  line('1741770000047', 'm', '"canary"', '1.7976931348623157e308'),
  line('1741770000047', 'm', '"canary"', '0.30000000000000004'),
  line('1741770000047', 'm', '"canary"', '9007199254740993'),
  line('1741770000047', 'm', '"canary"', '123456789012345678901234567890.123456789'),
  line('1741770000047', 'm', '"canary"', '2e22'),
  line('1741770000047', 'm', '"canary"', '2e23'),
  line('1741770000047', 'm', '"canary"', '123456789012345e-22'),
  line('1741770000047', 'm', '"canary"', '0.0000000000000000000000000000001'),
  line('1741770000047', 'm', '"canary"', '-0.0e-5'),
  line('1741770000047', 'spaces are fine / so is punctuation: {}[],:', '"canary"', '1'),
  line('1741770000047', 'x'.repeat(256), '"canary"', '1'),
  line('1741770000047', 'del\x7f', '"canary"', '1'),
];
// valid lines the fast path must leave to the general path
const GENERAL = [
  `{"ts":1741770000047,"metric":"checkout_latency_seconds","cohort":"canary","value":0.5,"labels":{"pod":"a-1","zone":"eu"}}`,
  `{"metric":"checkout_latency_seconds","ts":1741770000047,"cohort":"canary","value":0.5}`,
  `{"ts":1741770000047,"metric":"checkout_latency_seconds","value":0.5,"cohort":"canary"}`,
  `{ "ts": 1741770000047, "metric": "checkout_latency_seconds", "cohort": "canary", "value": 0.5 }`,
  `{"ts":1741770000047,"metric":"checkout_latency_seconds","cohort":"canary","value":0.5} `,
  `\t{"ts":1741770000047,"metric":"checkout_latency_seconds","cohort":"canary","value":0.5}`,
  line('1741770000047', 'quote\\"d', '"canary"', '1'),
  line('1741770000047', 'back\\\\slash', '"canary"', '1'),
  line('1741770000047', 'unicode\\u0041escape', '"canary"', '1'),
  line('1741770000047', 'latência_ключ_😀', '"canary"', '1'),
  line('1741770000047', 'latência_ключ_😀', '"canary"', '1'),
  line('-0', 'm', '"canary"', '1'),
  line('1.0', 'm', '"canary"', '1'),
  line('1e3', 'm', '"canary"', '1'),
];

test('lines the fast path leaves to the general path that are errors there: ts from 2100 on, a key given twice', () => {
  for (const ts of ['4102444800000', '1000000000000000', '9007199254740991']) {
    assert.equal(parseCanonicalSampleLine(line(ts, 'm', '"canary"', '1')), undefined, ts);
    assert.throws(() => parseSampleLine(line(ts, 'm', '"canary"', '1'), 'f', 1), {
      name: 'InputError',
      message: `f:1: ts: ${ts} is not an epoch-ms time before 2100-01-01`,
    });
  }
  assert.throws(() => parseSampleLine(`{"ts":1,"metric":"m","metric":"n","cohort":"canary","value":1}`, 'f', 1), {
    message: 'f:1: metric: the key "metric" is given twice',
  });
});

test('the fast path takes canonical lines and builds what the general path builds', () => {
  for (const text of CANONICAL) {
    const fast = parseCanonicalSampleLine(text);
    assert.ok(fast !== undefined, `fast path refused ${text}`);
    assert.deepStrictEqual(fast, parseSampleLine(text, 'f', 1), text);
  }
  // -0 stays -0 (deepStrictEqual compares with Object.is)
  assert.ok(Object.is(parseCanonicalSampleLine(CANONICAL[3])?.value, -0));
  assert.ok(Number.isNaN(parseCanonicalSampleLine(CANONICAL[4])?.value));
  for (const text of GENERAL) assert.equal(parseCanonicalSampleLine(text), undefined, text);
});

test('a file of canonical and other lines reads as the general path parses each line', async () => {
  const lines = [...CANONICAL, ...GENERAL, ...CANONICAL.slice().reverse()];
  const expected = lines.map((text) => parseSampleLine(text, 'f', 1));
  for (const eol of ['\n', '\r\n']) {
    for (const trailing of [eol, '']) {
      const { samples, summary } = await readEverywhere(lines.join(eol) + trailing);
      assert.deepStrictEqual(samples, expected);
      assert.deepStrictEqual(summary, { lines: lines.length, samples: lines.length });
    }
  }
});

test('invalid lines are rejected with the line and, when the schema names one, the field', async () => {
  const good = CANONICAL[0];
  const cases: [string, RegExp][] = [
    [line('1', 'm', '"canary"', '01'), /not valid JSON/],
    [line('1', 'm', '"canary"', '1.'), /not valid JSON/],
    [line('1', 'm', '"canary"', '+1'), /not valid JSON/],
    [line('1', 'm', '"canary"', '.5'), /not valid JSON/],
    [line('1', 'm', '"canary"', '-'), /not valid JSON/],
    [line('1', 'm', '"canary"', '1e'), /not valid JSON/],
    [line('1', 'm', '"canary"', '1e+'), /not valid JSON/],
    [line('1', 'm', '"canary"', 'NaN'), /not valid JSON/],
    [line('1', 'm', '"canary"', 'Infinity'), /not valid JSON/],
    [line('1', 'm', '"canary"', 'nul'), /not valid JSON/],
    [line('1', 'm', '"canary"', '"1"'), /value: /],
    [line('1', 'm', '"canary"', 'true'), /value: /],
    [line('1.5', 'm', '"canary"', '1'), /ts: must be an integer/],
    [line('-1', 'm', '"canary"', '1'), /ts: Too small/],
    [line('01', 'm', '"canary"', '1'), /not valid JSON/],
    [line('9007199254740992', 'm', '"canary"', '1'), /ts: /],
    [line('"1"', 'm', '"canary"', '1'), /ts: /],
    [line('1', 'm', '"treatment"', '1'), /cohort: /],
    [line('1', 'm', '"Canary"', '1'), /cohort: /],
    [line('1', 'm', 'null', '1'), /cohort: /],
    [line('1', '', '"canary"', '1'), /metric: Too small/],
    [line('1', 'x'.repeat(257), '"canary"', '1'), /metric: Too big/],
    [line('1', 'tab\there', '"canary"', '1'), /not valid JSON/],
    [line('1', 'bad\\escape', '"canary"', '1'), /not valid JSON/],
    [`{"ts":1,"metric":"m","cohort":"canary","value":1,"colour":"red"}`, /\(root\): Unrecognized key: "colour"/],
    [`{"ts":1,"metric":"m","cohort":"canary"}`, /value: /],
    [`{"ts":1,"metric":"m","cohort":"canary","value":1,"labels":{"a":1}}`, /labels\.a: /],
    [`{"ts":1,"metric":"m","cohort":"canary","value":1}x`, /not valid JSON/],
    [`{"ts":1,"metric":"m","cohort":"canary","value":1}}`, /not valid JSON/],
    [`{"ts":1,"metric":"m","cohort":"canary","value":1`, /not valid JSON/],
    [`{"ts":1,"metric":"m","cohort":"canary","value":1}\u00a0`, /not valid JSON/],
    [`{"ts":1,"metric":"m","cohort":"canary","value":1}\rx`, /not valid JSON/],
    [`{"ts":1,"metric":"m","cohort":"canary","value"=1}`, /not valid JSON/],
    [`{"ts":1,"metric":"m","cohort":"canary","value" 1}`, /not valid JSON/],
    [`{"ts":1,"metric":"m","cohort":"canary":"value":1}`, /not valid JSON/],
    [`{"ts":1,"metric":"m","cohort":"canary","valuе":1}`, /Unrecognized key/],
    [`{"ts":1,"metric":"m"`, /not valid JSON/],
    [`{"ts":`, /not valid JSON/],
    ['{', /not valid JSON/],
    ['not json', /not valid JSON/],
    ['[1,2]', /\(root\): /],
    ['null', /\(root\): /],
    ['{}', /ts: /],
  ];
  for (const [bad, expected] of cases) {
    assert.equal(parseCanonicalSampleLine(bad), undefined, `fast path accepted ${bad}`);
    for (const eol of ['\n', '\r\n']) {
      // line 3: after a sample and a blank line; also as the last line, without a newline
      for (const text of [[good, '', bad, good].join(eol), [good, '', bad].join(eol)]) {
        const error = await readError(text);
        assert.equal(error.line, 3, bad);
        assert.match(error.detail, expected, bad);
        assert.equal(error.message, `${error.file}:3: ${error.detail}`);
        // the same message as the general path's
        assert.throws(() => parseSampleLine(bad, error.file, 3), { message: error.message });
        const tiny = await readError(text, 7);
        assert.deepStrictEqual([tiny.line, tiny.detail], [error.line, error.detail]);
      }
    }
  }
});

test('blank lines are skipped but counted; CRLF and a last line without a newline are accepted', async () => {
  const [a, b] = CANONICAL;
  const text = `\n${a}\r\n\r\n   \n\t\n${b}\n\n\u00a0\n${a}`;
  const { samples, summary } = await readEverywhere(text);
  assert.deepStrictEqual(
    samples,
    [a, b, a].map((t) => parseSampleLine(t, 'f', 1)),
  );
  assert.deepStrictEqual(summary, { lines: 9, samples: 3 });
  assert.deepStrictEqual((await readEverywhere('')).summary, { lines: 0, samples: 0 });
  assert.deepStrictEqual((await readEverywhere('\n')).summary, { lines: 1, samples: 0 });
  assert.deepStrictEqual((await readEverywhere(`${a}\r`)).samples, [parseSampleLine(a, 'f', 1)]);
  // JSON whitespace includes CR: a CR more than the CRLF that ends the line is fine
  assert.deepStrictEqual(
    (await readEverywhere(`${a}\r\r\n${b}\r\r`)).samples,
    [a, b].map((t) => parseSampleLine(t, 'f', 1)),
  );
});

test('multi-byte UTF-8 split across reads decodes whole', async () => {
  const names = ['latência', 'ключ_метрики', '延迟_秒', 'emoji_😀_🚀', '\u00e9'.repeat(200)];
  const lines = names.flatMap((metric, i) => [
    JSON.stringify({ ts: 1_741_770_000_000 + i, metric, cohort: 'canary', value: i / 7 }),
    JSON.stringify({ ts: 1_741_770_000_000 + i, metric, cohort: 'baseline', value: null, labels: { région: 'é😀' } }),
  ]);
  const { samples } = await readEverywhere(`${lines.join('\n')}\n`);
  assert.deepStrictEqual(
    samples.map((s) => s.metric),
    names.flatMap((n) => [n, n]),
  );
  assert.deepStrictEqual(samples[1].labels, { région: 'é😀' });
  // invalid UTF-8 becomes U+FFFD, as decoding the whole stream would
  const bytes = Buffer.concat([
    Buffer.from('{"ts":1,"metric":"a'),
    Buffer.from([0xc3]),
    Buffer.from('b","cohort":"canary","value":1}\n'),
  ]);
  assert.equal((await readEverywhere(bytes)).samples[0].metric, 'a\ufffdb');
});

test('lines longer than 64 KiB are refused, naming the line, however the reads fall', async () => {
  const LIMIT = 64 * 1024;
  /** a valid sample of exactly `bytes` bytes, on the fast path (value digits) or the general one (labels) */
  const sized = (bytes: number, fast: boolean): string => {
    const head = fast
      ? '{"ts":1,"metric":"m","cohort":"canary","value":0.'
      : '{"ts":1,"metric":"m","cohort":"canary","value":1,"labels":{"k":"';
    const tail = fast ? '1}' : '"}}';
    return head + (fast ? '0' : 'v').repeat(bytes - head.length - tail.length) + tail;
  };
  const a = CANONICAL[0];
  for (const fast of [true, false]) {
    const longest = sized(LIMIT, fast);
    assert.equal(Buffer.byteLength(longest), LIMIT);
    assert.equal(parseCanonicalSampleLine(longest) !== undefined, fast);
    for (const eol of ['\n', '\r\n']) {
      const ok = await readEverywhere([a, longest, a].join(eol), [1000, 65_536, 70_000]);
      assert.deepStrictEqual(ok.summary, { lines: 3, samples: 3 });
      assert.deepStrictEqual(ok.samples[1], parseSampleLine(longest, 'f', 2));
      for (const text of [
        [a, sized(LIMIT + 1, fast), a].join(eol),
        [a, sized(LIMIT + 1, fast)].join(eol),
        [a, `${sized(LIMIT + 1, fast)}${eol}`].join(eol),
      ]) {
        for (const highWaterMark of [undefined, 1000, 65_536, 70_000]) {
          const error = await readError(text, highWaterMark);
          assert.equal(error.line, 2);
          assert.equal(error.detail, `line longer than ${LIMIT} bytes`);
        }
      }
    }
  }
  // bytes, not characters: 30 000 three-byte characters are 90 000 bytes
  const wide = JSON.stringify({ ts: 1, metric: 'm', cohort: 'canary', value: 1, labels: { k: '€'.repeat(30_000) } });
  assert.equal((await readError(`${a}\n${wide}\n`)).line, 2);
  // a line that never ends is refused without reading it all
  const endless = await readError(Buffer.alloc(1 << 20, 0x20), 4096);
  assert.equal(endless.line, 1);
});

test('a line that never ends is refused before it fills memory', { skip: !existsSync('/dev/zero') }, () => {
  // in a child process, so that a regression (reading /dev/zero for ever) is killed, not hung on
  const script = `import { readSamples } from ${JSON.stringify(SAMPLES_FILE)};
    await readSamples('/dev/zero', () => {}, { highWaterMark: 65_536 }).catch((e) => console.log(e.message));`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.stdout.trim(), `/dev/zero:1: line longer than ${64 * 1024} bytes`, result.stderr);
});

test('many metric names sharing long prefixes keep their own strings', async () => {
  const names = Array.from(
    { length: 700 },
    (_, i) => `http_request_duration_seconds_bucket_${i % 3 === 0 ? 'le' : 'x'}${i}`,
  );
  names.push(
    'a',
    'b',
    'ab',
    'ba',
    'abc',
    'abcd',
    'abcde',
    'http_request_duration_seconds',
    'http_request_duration_seconds_',
  );
  const lines: string[] = [];
  for (let round = 0; round < 3; round++) {
    names.forEach((metric, i) =>
      lines.push(JSON.stringify({ ts: i, metric, cohort: (i + round) % 2 ? 'canary' : 'baseline', value: i })),
    );
  }
  const { samples } = await read(write(lines.join('\n')));
  assert.deepStrictEqual(
    samples.map((s) => s.metric),
    [...names, ...names, ...names],
  );
});

test('numbers convert exactly as JSON.parse converts them', () => {
  const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
  const number = fc
    .tuple(
      fc.boolean(),
      fc.oneof(
        fc.constant('0'),
        fc.tuple(fc.constantFrom('1', '2', '5', '9'), digits(0, 18)).map(([a, b]) => a + b),
      ),
      fc.option(digits(1, 20)),
      fc.option(fc.tuple(fc.constantFrom('e', 'E', 'e+', 'e-', 'E-'), fc.integer({ min: 0, max: 340 }))),
    )
    .map(
      ([negative, int, frac, exp]) =>
        `${negative ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `${exp[0]}${exp[1]}`}`,
    );
  fc.assert(
    fc.property(
      fc.oneof(
        number,
        fc.double().map((x) => JSON.stringify(x)),
      ),
      (text) => {
        const sample = parseCanonicalSampleLine(line('1', 'm', '"canary"', text));
        assert.ok(sample !== undefined, text);
        const expected = JSON.parse(text) as number | null;
        assert.ok(Object.is(sample.value, expected ?? Number.NaN), `${text}: ${sample.value} ≠ ${expected}`);
      },
    ),
    { numRuns: 5000 },
  );
});

test('random samples written with JSON.stringify read back equal, whatever the reads', async () => {
  const sample = fc.record(
    {
      ts: fc.oneof(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.integer({ min: 0, max: MAX_SAMPLE_TS - 1 })),
      metric: fc.oneof(fc.stringMatching(/^[a-z_]{1,40}$/), fc.string({ minLength: 1, maxLength: 40, unit: 'binary' })),
      cohort: fc.constantFrom('baseline' as const, 'canary' as const),
      value: fc.oneof(fc.double(), fc.integer(), fc.constant(null)),
      labels: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { noNullPrototype: true }),
    },
    { requiredKeys: ['ts', 'metric', 'cohort', 'value'] },
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(sample, { maxLength: 40 }),
      fc.constantFrom('\n', '\r\n'),
      fc.boolean(),
      fc.integer({ min: 1, max: 2048 }),
      async (wire, eol, trailing, highWaterMark) => {
        const text = wire.map((s) => JSON.stringify(s)).join(eol) + (trailing && wire.length > 0 ? eol : '');
        const { samples, summary } = await read(write(text), highWaterMark);
        // what JSON.stringify then JSON.parse make of the value: NaN/±Infinity → null → NaN, -0 → 0
        const expected = wire.map((s): Sample => {
          const value = s.value === null || !Number.isFinite(s.value) ? Number.NaN : s.value === 0 ? 0 : s.value;
          return s.labels === undefined
            ? { ts: s.ts, metric: s.metric, cohort: s.cohort, value }
            : { ts: s.ts, metric: s.metric, cohort: s.cohort, value, labels: s.labels };
        });
        assert.deepStrictEqual(samples, expected);
        assert.deepStrictEqual(summary, { lines: wire.length, samples: wire.length });
      },
    ),
    { numRuns: 300 },
  );
});

test('reads stdin when the path is -', () => {
  const lines = Array.from({ length: 5000 }, (_, i) =>
    JSON.stringify({ ts: i, metric: i % 2 ? 'latência' : 'orders_total', cohort: 'canary', value: i / 3 }),
  );
  const script = `import { readSamples } from ${JSON.stringify(SAMPLES_FILE)};
    let sum = 0; const names = new Set();
    const summary = await readSamples('-', (s) => { sum += s.value; names.add(s.metric); });
    console.log(JSON.stringify({ summary, sum, names: [...names] }));`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  const out = JSON.parse(result.stdout) as { summary: ReadSummary; sum: number; names: string[] };
  assert.deepStrictEqual(out.summary, { lines: 5000, samples: 5000 });
  assert.equal(
    out.sum,
    lines.reduce((sum, _, i) => sum + i / 3, 0),
  );
  assert.deepStrictEqual(out.names.sort(), ['latência', 'orders_total']);
});
