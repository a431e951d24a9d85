import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseNumber, scanNumber } from './lex.ts';
import { parseExposition } from './parse.ts';
import type { Exemplar, ExpositionFormat, ExpositionSample, Labels, MetricFamily, MetricType } from './types.ts';
import { formatExposition, formatNumber } from './write.ts';

/**
 * Round trip: families generated at random, written by `formatExposition` and parsed back
 * (as text and as UTF-8 bytes), come back equal — names, types, help, units, label values
 * with escapes and any Unicode, every double (NaN, ±Inf, -0), timestamps, exemplars.
 */

const RESERVED = ['le', 'quantile'];
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => !RESERVED.includes(n));
const labelValue = fc.string({ unit: 'binary', maxLength: 12 });
const labelSet = fc
  .uniqueArray(fc.tuple(labelName, labelValue), { selector: ([n]) => n, maxLength: 4 })
  .map((pairs) => Object.fromEntries(pairs) as Labels);
const value = fc.double();
const sortedBounds = fc
  .uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 4 })
  .map((b) => b.sort((x, y) => x - y));

/** Integer epoch ms: Prometheus writes them as is, OpenMetrics as exact decimal seconds. */
const timestampArb: fc.Arbitrary<number | undefined> = fc.option(fc.integer({ min: -1e14, max: 4e12 }), {
  nil: undefined,
});

function sample(
  name: string,
  labels: Labels,
  v: number,
  ts: number | undefined,
  exemplar?: Exemplar,
): ExpositionSample {
  const s: ExpositionSample = { name, labels, value: v };
  if (ts !== undefined) s.timestampMs = ts;
  if (exemplar !== undefined) s.exemplar = exemplar;
  return s;
}

const exemplarArb: fc.Arbitrary<Exemplar | undefined> = fc.option(
  fc
    .record({ labels: labelSet, value, ts: fc.option(fc.integer({ min: 0, max: 4e12 }), { nil: undefined }) })
    .filter(({ labels }) => Object.entries(labels).reduce((n, [k, v]) => n + k.length + [...v].length, 0) <= 128)
    .map(({ labels, value: v, ts }) =>
      ts === undefined ? { labels, value: v } : { labels, value: v, timestampMs: ts },
    ),
  { nil: undefined },
);

/** One family of the given type with unique series; `index` keeps names unique and free of reserved suffixes. */
function familyArb(format: ExpositionFormat, index: number): fc.Arbitrary<MetricFamily> {
  const om = format === 'openmetrics';
  const types: MetricType[] = om
    ? ['counter', 'gauge', 'unknown', 'summary', 'histogram', 'gaugehistogram', 'info', 'stateset']
    : ['counter', 'gauge', 'untyped', 'summary', 'histogram'];
  const help = fc.option(
    fc.string({ unit: 'binary', maxLength: 20 }).filter((h) => om || !/^[ \t]/.test(h)),
    { nil: undefined },
  );
  const unit = om
    ? fc.option(fc.constantFrom('seconds', 'bytes', 'ratio', ''), { nil: undefined })
    : fc.constant(undefined);
  const series = fc.uniqueArray(labelSet, { selector: (l) => JSON.stringify(Object.entries(l).sort()), maxLength: 3 });
  return fc
    .record({
      base: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,10}$/),
      type: fc.constantFrom(...types),
      help,
      unit,
      points: fc.array(
        fc.record({
          v: value,
          ts: timestampArb,
          ex: exemplarArb,
          bounds: sortedBounds,
          more: fc.array(value, { minLength: 6, maxLength: 6 }),
        }),
        {
          minLength: 3,
          maxLength: 3,
        },
      ),
      series,
    })
    .map(({ base, type, help: h, unit: u, points, series: sets }) => {
      const name = `${base}_f${index}${u ? `_${u}` : ''}`;
      const samples: ExpositionSample[] = [];
      sets.forEach((labels, i) => {
        const { v, ts, ex, bounds, more } = points[i];
        const exemplar = om ? ex : undefined;
        if (type === 'counter') {
          samples.push(sample(om ? `${name}_total` : name, labels, v, ts, exemplar));
          if (om) samples.push(sample(`${name}_created`, labels, more[0], ts));
        } else if (type === 'info') samples.push(sample(`${name}_info`, labels, v, ts));
        else if (type === 'summary') {
          for (const q of [0.5, 0.99])
            samples.push(sample(name, { ...labels, quantile: formatNumber(q) }, more[q === 0.5 ? 0 : 1], ts));
          samples.push(sample(`${name}_sum`, labels, more[2], ts), sample(`${name}_count`, labels, more[3], ts));
        } else if (type === 'histogram' || type === 'gaugehistogram') {
          for (const le of [...bounds, Infinity])
            samples.push(sample(`${name}_bucket`, { ...labels, le: formatNumber(le) }, v, ts, exemplar));
          const [sum, count] = type === 'histogram' ? ['_sum', '_count'] : ['_gsum', '_gcount'];
          samples.push(sample(`${name}${count}`, labels, more[4], ts), sample(`${name}${sum}`, labels, more[5], ts));
        } else samples.push(sample(name, labels, v, ts));
      });
      const family: MetricFamily = { name, type, samples };
      if (h !== undefined) family.help = h;
      if (u !== undefined) family.unit = u;
      return family;
    });
}

function familiesArb(format: ExpositionFormat): fc.Arbitrary<MetricFamily[]> {
  return fc
    .integer({ min: 0, max: 5 })
    .chain((n) => (n === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: n }, (_, i) => familyArb(format, i)))));
}

for (const format of ['prometheus', 'openmetrics'] as const) {
  test(`round trip (${format}): written families parse back equal, from text and from bytes`, () => {
    fc.assert(
      fc.property(familiesArb(format), (families) => {
        const text = formatExposition(families, { format });
        assert.deepStrictEqual(parseExposition(text, { format }).families, families, text);
        assert.deepStrictEqual(parseExposition(Buffer.from(text, 'utf8')).families, families, text);
      }),
      { numRuns: 300 },
    );
  });
}

test('numbers: every decimal the grammar allows parses exactly as Number() reads it', () => {
  const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
  const decimal = fc
    .tuple(
      fc.constantFrom('', '+', '-'),
      fc.option(digits(20), { nil: '' }),
      fc.option(digits(20), { nil: undefined }),
      fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(3)), { nil: undefined }),
    )
    .filter(([, int, frac]) => int !== '' || (frac ?? '') !== '')
    .map(
      ([sign, int, frac, exp]) =>
        `${sign}${int}${frac === undefined ? '' : `.${frac}`}${exp === undefined ? '' : exp.join('')}`,
    );
  fc.assert(
    fc.property(decimal, (text) => {
      assert.ok(Object.is(parseNumber(text, 0, text.length), Number(text)), text);
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.double(), (v) => Object.is(parseNumber(formatNumber(v), 0, formatNumber(v).length), v)),
    { numRuns: 2000 },
  );
});

test('timestamps: decimal seconds with up to three decimals give the exact milliseconds', () => {
  fc.assert(
    fc.property(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (ms) => {
      const abs = Math.abs(ms);
      const text = `${ms < 0 ? '-' : ''}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
      assert.equal(Math.round(scanNumber(text, 0, text.length, 3)!), ms === 0 ? 0 : ms, text);
    }),
    { numRuns: 2000 },
  );
});
