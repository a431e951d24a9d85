import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpositionOptionsError, ExpositionParseError, ParserStateError } from './errors.ts';
import { OpenMetricsParser } from './openmetrics.ts';
import { createExpositionParser, parseExposition } from './parse.ts';
import { PrometheusTextParser } from './promtext.ts';
import type { Entry, ExpositionParser } from './types.ts';

/** Every entry with what its accessors return, as a compact list. */
function entries(parser: ExpositionParser): unknown[] {
  const out: unknown[] = [];
  for (let e: Entry = parser.next(); e !== 'eof'; e = parser.next()) {
    if (e === 'series')
      out.push([
        parser.line(),
        e,
        parser.series(),
        parser.labels(),
        parser.value(),
        parser.timestamp(),
        parser.exemplar(),
      ]);
    else if (e === 'help') out.push([parser.line(), e, parser.help()]);
    else if (e === 'type') out.push([parser.line(), e, parser.type()]);
    else if (e === 'unit') out.push([parser.line(), e, parser.unit()]);
    else out.push([parser.line(), e, parser.comment()]);
  }
  return out;
}

test('the Prometheus pull parser yields each entry with its line, and eof forever after', () => {
  const p = new PrometheusTextParser(
    '# HELP up Is it up.\n# TYPE up gauge\n\n#  note  \nup{job="pg"} 1 1700000000000\n',
  );
  assert.deepStrictEqual(entries(p), [
    [1, 'help', { metric: 'up', text: 'Is it up.' }],
    [2, 'type', { metric: 'up', type: 'gauge' }],
    [4, 'comment', 'note  '],
    [5, 'series', 'up{job="pg"}', { job: 'pg' }, 1, 1700000000000, undefined],
  ]);
  assert.equal(p.next(), 'eof');
  assert.equal(p.next(), 'eof');
});

test('the OpenMetrics pull parser exposes units and exemplars, and stops at # EOF', () => {
  const p = new OpenMetricsParser(
    '# UNIT rt_seconds seconds\nrt_seconds_bucket{le="+Inf"} 3 # {trace_id="t1"} 0.7 1.5\n# EOF\n',
  );
  assert.deepStrictEqual(entries(p), [
    [1, 'unit', { metric: 'rt_seconds', unit: 'seconds' }],
    [
      2,
      'series',
      'rt_seconds_bucket{le="+Inf"}',
      { le: '+Inf' },
      3,
      undefined,
      { labels: { trace_id: 't1' }, value: 0.7, timestampMs: 1500 },
    ],
  ]);
  assert.equal(p.next(), 'eof');
});

test('accessors called after another kind of entry throw ParserStateError', () => {
  const p = new PrometheusTextParser('# TYPE a gauge\na 1\n');
  assert.throws(() => p.value(), ParserStateError);
  assert.equal(p.next(), 'type');
  assert.throws(() => p.labels(), ParserStateError);
  assert.throws(() => p.help(), /help\(\) may only be called after next\(\) returned 'help'/);
  assert.equal(p.next(), 'series');
  assert.throws(() => p.type(), ParserStateError);
  assert.equal(p.next(), 'eof');
  assert.throws(() => p.metricName(), ParserStateError);
});

test('after an error the parser rethrows the same error, and accessors refuse', () => {
  const p = new PrometheusTextParser('a 1\nb{x=1} 2\nc 3\n');
  assert.equal(p.next(), 'series');
  let first: unknown;
  assert.throws(
    () => p.next(),
    (e: unknown) => ((first = e), e instanceof ExpositionParseError && e.line === 2 && e.column === 5),
  );
  assert.throws(
    () => p.next(),
    (e: unknown) => e === first,
  );
  assert.throws(() => p.value(), ParserStateError);
});

test('seriesKey() is the same for the same label set whatever its order, spacing or trailing comma', () => {
  const keys: string[] = [];
  const p = new PrometheusTextParser(
    'm{b="2",a="1"} 1\nm { a = "1" , b="2", } 1\nm{a="1",b="2"} 1\nh{le="1",x="y"} 1\nh{x="y",le="1"} 1\nn{} 1\nn 1\n',
  );
  while (p.next() === 'series') keys.push(p.seriesKey());
  assert.deepStrictEqual(keys, [
    'm{a="1",b="2"}',
    'm{a="1",b="2"}',
    'm{a="1",b="2"}',
    'h{x="y",le="1"}',
    'h{x="y",le="1"}',
    'n',
    'n',
  ]);
});

test('labels() returns a fresh object per call, decoding escapes', () => {
  const p = new PrometheusTextParser('m{a="x\\\\y\\n\\"z\\"",b="plain"} 1\nm{a="q",b="plain"} 2\n');
  p.next();
  const first = p.labels();
  first.b = 'changed';
  assert.deepStrictEqual(p.labels(), { a: 'x\\y\n"z"', b: 'plain' });
  p.next();
  assert.deepStrictEqual(p.labels(), { a: 'q', b: 'plain' });
  assert.deepStrictEqual(first, { a: 'x\\y\n"z"', b: 'changed' });
});

test('escapes are found wherever they sit relative to other lines (backslash look-ahead)', () => {
  const text = 'a{x="1"} 1\nb{x="p\\\\q",y="r"} 2\nc{x="s"} 3\nd{x="t",y="u\\"v"} 4\ne{x="w"} 5\n';
  const values = parseExposition(text).families.map((f) => f.samples[0].labels);
  assert.deepStrictEqual(values, [{ x: '1' }, { x: 'p\\q', y: 'r' }, { x: 's' }, { x: 't', y: 'u"v' }, { x: 'w' }]);
});

test('bytes and strings parse alike; a byte-order mark is dropped', () => {
  const text = '\ufeff# TYPE café_x gauge\ncafe{name="Café"} 1\n'.replace('café_x', 'cafe');
  const fromString = parseExposition(text).families;
  const fromBytes = parseExposition(new TextEncoder().encode(text)).families;
  const fromBuffer = parseExposition(Buffer.from(text, 'utf8')).families;
  assert.deepStrictEqual(fromBytes, fromString);
  assert.deepStrictEqual(fromBuffer, fromString);
  assert.deepStrictEqual(fromString, [
    { name: 'cafe', type: 'gauge', samples: [{ name: 'cafe', labels: { name: 'Café' }, value: 1 }] },
  ]);
});

test('invalid UTF-8 is an ExpositionParseError at its line', () => {
  const bytes = Buffer.concat([Buffer.from('a 1\nb{x="'), Buffer.from([0xc3, 0x28]), Buffer.from('"} 1\n')]);
  assert.throws(
    () => parseExposition(bytes),
    (e: unknown) =>
      e instanceof ExpositionParseError && e.line === 2 && e.column === 6 && /invalid UTF-8/.test(e.message),
  );
});

test('CRLF line endings are an error that says so', () => {
  assert.throws(() => parseExposition('a 1\r\nb 2\r\n', { format: 'prometheus' }), /carriage return/);
  assert.throws(() => parseExposition('a 1\r\n# EOF\r\n', { format: 'openmetrics' }), /carriage return/);
});

test('OpenMetrics: nothing may follow # EOF, not even a blank line; an empty body lacks # EOF', () => {
  assert.throws(
    () => parseExposition('# EOF\n\n', { format: 'openmetrics' }),
    (e: unknown) => e instanceof ExpositionParseError && e.line === 2 && /after "# EOF"/.test(e.message),
  );
  assert.throws(
    () => parseExposition('', { format: 'openmetrics' }),
    (e: unknown) =>
      e instanceof ExpositionParseError && e.line === 1 && e.column === 1 && /missing "# EOF"/.test(e.message),
  );
  assert.deepStrictEqual(parseExposition('# EOF', { format: 'openmetrics' }).families, []);
});

test('maxBodyBytes counts UTF-8 bytes of strings and bytes alike', () => {
  const text = `m{x="${'é'.repeat(6)}"} 1\n`; // 16 characters, 22 bytes (é is 2 bytes)
  assert.equal(text.length, 16);
  assert.doesNotThrow(() => parseExposition(text, { limits: { maxBodyBytes: 22 } }));
  for (const body of [text, Buffer.from(text)]) {
    assert.throws(
      () => parseExposition(body, { limits: { maxBodyBytes: 21 } }),
      (e: unknown) => e instanceof ExpositionParseError && e.limit === 'maxBodyBytes' && /22 bytes/.test(e.message),
    );
  }
});

test('limits can be lifted with Infinity', () => {
  const many = `m{${Array.from({ length: 300 }, (_, i) => `l${i}="v"`).join(',')}} 1\n`;
  assert.throws(
    () => parseExposition(many),
    (e: unknown) => e instanceof ExpositionParseError && e.limit === 'maxLabelsPerSeries',
  );
  assert.equal(
    Object.keys(parseExposition(many, { limits: { maxLabelsPerSeries: Infinity } }).families[0].samples[0].labels)
      .length,
    300,
  );
});

test('long out-of-order label sets still catch duplicate names', () => {
  const names = Array.from({ length: 40 }, (_, i) => `l${String(i).padStart(2, '0')}`).reverse();
  assert.doesNotThrow(() => parseExposition(`m{${names.map((n) => `${n}="v"`).join(',')}} 1\n`));
  assert.throws(
    () => parseExposition(`m{${[...names, 'l17'].map((n) => `${n}="v"`).join(',')}} 1\n`),
    /duplicate label name "l17"/,
  );
});

test('bad options are ExpositionOptionsError, never a silent default', () => {
  const cases: [string, unknown][] = [
    ['unknown option "strict"', { strict: true }],
    ["format must be 'prometheus', 'openmetrics' or 'auto'", { format: 'protobuf' }],
    ['unknown limit "maxSeries"', { limits: { maxSeries: 10 } }],
    ['limits.maxLineLength must be a positive integer or Infinity', { limits: { maxLineLength: 0 } }],
    ['limits.maxBodyBytes must be a positive integer or Infinity', { limits: { maxBodyBytes: 1.5 } }],
    ["duplicates must be 'error' or 'record'", { duplicates: 'ignore' }],
    [
      'unsupported Content-Type "application/vnd.google.protobuf',
      { contentType: 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited' },
    ],
  ];
  for (const [message, options] of cases) {
    assert.throws(
      () => parseExposition('a 1\n', options as never),
      (e: unknown) => e instanceof ExpositionOptionsError && e.message.includes(message),
      message,
    );
  }
  assert.throws(() => createExpositionParser(42 as never), ExpositionOptionsError);
});

test('createExpositionParser picks the format from the Content-Type, then from # EOF', () => {
  assert.equal(createExpositionParser('a 1\n# EOF\n').format, 'openmetrics');
  assert.equal(
    createExpositionParser('a 1\n# EOF\n', { contentType: 'text/plain; version=0.0.4' }).format,
    'prometheus',
  );
  assert.equal(
    createExpositionParser('a 1\n', { contentType: 'application/openmetrics-text; version=1.0.0' }).format,
    'openmetrics',
  );
  assert.equal(createExpositionParser('a 1\n', { contentType: '' }).format, 'prometheus');
  assert.equal(createExpositionParser('a 1\n# EOF\n', { format: 'prometheus' }).format, 'prometheus');
});

test('error messages quote the offending part of the line', () => {
  assert.throws(
    () => parseExposition('http_requests_total{method="GET" code="200"} 1\n'),
    (e: unknown) => {
      assert.ok(e instanceof ExpositionParseError);
      assert.equal(
        e.message,
        'line 1, column 34: expected "," or "}" after the value of label "method", got "c" in "http_requests_total{method=\\"GET\\" code=\\"200\\"} 1"',
      );
      return true;
    },
  );
});
