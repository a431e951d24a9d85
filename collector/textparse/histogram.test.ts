import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HistogramShapeError } from './errors.ts';
import { histogramBuckets } from './histogram.ts';
import { parseExposition } from './parse.ts';
import type { MetricFamily } from './types.ts';

function family(text: string, name: string): MetricFamily {
  const found = parseExposition(text, { format: 'prometheus' }).families.find((f) => f.name === name);
  assert.ok(found, `no family ${name}`);
  return found;
}

test('Traefik excerpt: one series per label set without le, default buckets, sum and count', () => {
  const text = readFileSync(new URL('./testdata/traefik_v3.prom', import.meta.url), 'utf8');
  const series = histogramBuckets(family(text, 'traefik_service_request_duration_seconds'));
  // expected values copied from testdata/traefik_v3.prom
  assert.deepStrictEqual(series, [
    {
      labels: { code: '200', method: 'GET', protocol: 'http', service: 'odoo-canary@file' },
      le: [0.1, 0.3, 1.2, 5, Infinity],
      cumulative: [1102, 1407, 1498, 1521, 1523],
      sum: 187.23710399999998,
      count: 1523,
    },
    {
      labels: { code: '200', method: 'GET', protocol: 'http', service: 'odoo-stable@file' },
      le: [0.1, 0.3, 1.2, 5, Infinity],
      cumulative: [10311, 13102, 13790, 13866, 13870],
      sum: 1520.4410829999999,
      count: 13870,
    },
    {
      labels: { code: '500', method: 'POST', protocol: 'http', service: 'odoo-canary@file' },
      le: [0.1, 0.3, 1.2, 5, Infinity],
      cumulative: [0, 1, 5, 7, 7],
      sum: 9.8123,
      count: 7,
    },
  ]);
});

test('buckets are sorted by le, grouped whatever the label order, and +Inf may be spelled Inf', () => {
  const text = [
    '# TYPE h histogram',
    'h_bucket{a="1",b="2",le="Inf"} 9',
    'h_bucket{b="2",a="1",le="0.5"} 4',
    'h_bucket{le="1e-1",a="1",b="2"} 1',
    'h_count{a="1",b="2"} 9',
  ].join('\n');
  assert.deepStrictEqual(histogramBuckets(family(text, 'h')), [
    { labels: { a: '1', b: '2' }, le: [0.1, 0.5, Infinity], cumulative: [1, 4, 9], count: 9 },
  ]);
});

test('OpenMetrics gaugehistogram uses _gsum and _gcount; _created is ignored in histograms', () => {
  const om =
    '# TYPE q gaugehistogram\nq_bucket{le="+Inf"} 3\nq_gcount 3\nq_gsum 12\n# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_created 1.7e9\n# EOF\n';
  const families = parseExposition(om).families;
  assert.deepStrictEqual(histogramBuckets(families[0]), [
    { labels: {}, le: [Infinity], cumulative: [3], sum: 12, count: 3 },
  ]);
  assert.deepStrictEqual(histogramBuckets(families[1]), [{ labels: {}, le: [Infinity], cumulative: [1] }]);
});

test('malformed histograms are HistogramShapeError naming the series', () => {
  const cases: [string, string][] = [
    ['# TYPE h histogram\nh_bucket{x="a",le="1"} 2\nh_sum{x="a"} 1\n', 'series h{x="a"}: no le="+Inf" bucket'],
    ['# TYPE h histogram\nh_count 3\n', 'series h: no le="+Inf" bucket'],
    [
      '# TYPE h histogram\nh_bucket{le="1"} 5\nh_bucket{le="+Inf"} 4\n',
      'cumulative count decreases from 5 at le="1" to 4 at le="+Inf"',
    ],
    [
      '# TYPE h histogram\nh_bucket{le="1"} 5\nh_bucket{le="1.0"} 5\nh_bucket{le="+Inf"} 5\n',
      'bucket le="1.0" appears twice',
    ],
    ['# TYPE h histogram\nh_bucket{le="1"} NaN\nh_bucket{le="+Inf"} 5\n', 'bucket le="1" has a NaN count'],
    ['# TYPE h histogram\nh_sum 1\nh_sum 2 1000\nh_bucket{le="+Inf"} 5\n', 'more than one h_sum sample'],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => histogramBuckets(family(text, 'h')),
      (e: unknown) => e instanceof HistogramShapeError && e.message.includes(message),
      message,
    );
  }
  assert.throws(() => histogramBuckets(family('# TYPE g gauge\ng 1\n', 'g')), /family type is gauge, not histogram/);
  const handMade: MetricFamily = {
    name: 'h',
    type: 'histogram',
    samples: [{ name: 'h_bucket', labels: { le: 'fast' }, value: 1 }],
  };
  assert.throws(() => histogramBuckets(handMade), /le="fast" is not a number/);
  const stray: MetricFamily = { name: 'h', type: 'histogram', samples: [{ name: 'other', labels: {}, value: 1 }] };
  assert.throws(() => histogramBuckets(stray), /sample "other" is not part of histogram "h"/);
});
