import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { logBuckets } from './logBuckets.ts';
import { StatsInputError } from './errors.ts';

const TRAEFIK = [0.1, 0.3, 1.2, 5, Infinity];

/** Reference: the Prometheus rule, by linear scan — the first k with value <= edges[k]. */
function scan(edges: readonly number[], value: number): number {
  let k = 0;
  while (!(value <= edges[k])) k++;
  return k;
}

test('default layout: 0.1 ms to 1 hour in seconds, ratio 1.025, 707 buckets', () => {
  const b = logBuckets();
  // ceil(log(3600 / 1e-4) / log(1.025)) = ceil(704.62) = 705 → edges 0..705 finite, +Inf, 707 buckets
  assert.equal(b.count, 707);
  assert.equal(b.edges.length, 707);
  assert.equal(b.edges[0], 1e-4);
  assert.ok(b.edges[705] >= 3600 && b.edges[704] < 3600);
  assert.equal(b.edges[706], Infinity);
  for (let k = 1; k <= 705; k++) assert.ok(Math.abs(b.edges[k] / b.edges[k - 1] - 1.025) < 1e-12);
  assert.deepEqual(b.spec, { kind: 'log', min: 1e-4, max: 3600, ratio: 1.025 });
  assert.equal(b.lower(0), 0);
  assert.equal(b.lower(317), b.edges[316]);
});

test('bucketIndex follows the le rule exactly, edge values included (log layout)', () => {
  const b = logBuckets();
  assert.equal(b.bucketIndex(0), 0);
  assert.equal(b.bucketIndex(1e-4), 0);
  assert.equal(b.bucketIndex(0.25), 317); // the @example
  assert.equal(b.bucketIndex(1e9), 706);
  for (let k = 0; k < 706; k++) {
    const e = b.edges[k];
    assert.equal(b.bucketIndex(e), k, `edge ${k} itself belongs to bucket ${k}`);
    assert.equal(b.bucketIndex(e * (1 + 1e-15)), k + 1, `just above edge ${k}`);
  }
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (v) => b.bucketIndex(v) === scan(b.edges, v)),
    { numRuns: 5000 },
  );
  fc.assert(
    fc.property(fc.double({ min: -12, max: 8, noNaN: true }), (e) => {
      const v = 10 ** e;
      return b.bucketIndex(v) === scan(b.edges, v);
    }),
    { numRuns: 5000 },
  );
});

test('given edges (Traefik default): Prometheus le semantics', () => {
  const b = logBuckets({ edges: TRAEFIK });
  assert.equal(b.count, 5);
  assert.deepEqual(b.spec, { kind: 'edges', le: [0.1, 0.3, 1.2, 5] });
  const cases: [number, number][] = [
    [0, 0],
    [0.1, 0],
    [0.100001, 1],
    [0.3, 1],
    [1.2, 2],
    [4.99, 3],
    [5, 3],
    [5.01, 4],
    [1e6, 4],
  ];
  for (const [v, k] of cases) assert.equal(b.bucketIndex(v), k, `value ${v}`);
  assert.equal(b.lower(0), 0);
  assert.equal(b.lower(4), 5);
  fc.assert(fc.property(fc.double({ min: 0, max: 100, noNaN: true }), (v) => b.bucketIndex(v) === scan(b.edges, v)));
  const single = logBuckets({ edges: [Infinity] });
  assert.equal(single.bucketIndex(123), 0);
});

test('custom log layouts', () => {
  const ms = logBuckets({ min: 0.1, max: 3.6e6, ratio: 1.05 }); // milliseconds
  assert.equal(ms.count, Math.ceil(Math.log(3.6e7) / Math.log(1.05)) + 2);
  fc.assert(fc.property(fc.double({ min: 0, max: 1e8, noNaN: true }), (v) => ms.bucketIndex(v) === scan(ms.edges, v)));
});

test('invalid options and values throw StatsInputError', () => {
  const b = logBuckets();
  for (const v of [-1, NaN, Infinity, -Infinity]) assert.throws(() => b.bucketIndex(v), StatsInputError);
  assert.throws(() => b.lower(707), StatsInputError);
  assert.throws(() => logBuckets({ edges: [0.1, 0.3] }), StatsInputError); // no +Inf
  assert.throws(() => logBuckets({ edges: [0.3, 0.1, Infinity] }), StatsInputError);
  assert.throws(() => logBuckets({ edges: [0, 0.1, Infinity] }), StatsInputError);
  assert.throws(() => logBuckets({ edges: [] }), StatsInputError);
  assert.throws(() => logBuckets({ edges: TRAEFIK, ratio: 1.1 }), StatsInputError);
  assert.throws(() => logBuckets({ ratio: 1 }), StatsInputError);
  assert.throws(() => logBuckets({ min: 10, max: 1 }), StatsInputError);
  assert.throws(() => logBuckets({ ratio: 1.0011, min: 1e-9, max: 1e9 }), StatsInputError); // too many buckets
  assert.throws(() => logBuckets({ ratoi: 1.1 } as never), StatsInputError);
});
