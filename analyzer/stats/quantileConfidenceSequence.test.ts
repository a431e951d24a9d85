import { test } from 'node:test';
import assert from 'node:assert/strict';
import betaln from '@stdlib/math-base-special-betaln';
import { quantileConfidenceSequence } from './quantileConfidenceSequence.ts';
import { logBuckets, type BucketLayout } from './logBuckets.ts';
import { StatsInputError } from './errors.ts';
import { createRandom } from './testing/random.ts';
import { inGroup } from '../../test/groups.ts';

const ALPHA = 0.05;
const margin = (p: number, runs: number): number => 3 * Math.sqrt((p * (1 - p)) / runs);
const Z = { 0.5: 0, 0.95: 1.6448536269514722 } as const;

function cdfOf(counts: Float64Array): Float64Array {
  const out = new Float64Array(counts.length);
  let acc = 0;
  for (let k = 0; k < counts.length; k++) out[k] = acc += counts[k];
  return out;
}

/** Runs × batches of a stream; `draw` gives one observation; checks coverage of `truth` after every batch. */
function coverage(
  layout: BucketLayout,
  p: number,
  truth: number,
  draw: () => number,
  runs: number,
  batches: number,
  size: number,
) {
  let covered = 0;
  let widthSum = 0;
  for (let run = 0; run < runs; run++) {
    const counts = new Float64Array(layout.count);
    let ok = true;
    let last = { low: 0, high: Infinity, estimate: 0 };
    for (let b = 0; b < batches; b++) {
      for (let i = 0; i < size; i++) counts[layout.bucketIndex(draw())]++;
      last = quantileConfidenceSequence(cdfOf(counts), layout.edges, { p, alpha: ALPHA });
      if (!(last.low <= truth && truth <= last.high)) ok = false;
    }
    if (ok) covered++;
    widthSum += last.high / last.low - 1;
  }
  return { rate: covered / runs, meanFinalWidth: widthSum / runs };
}

test(
  'coverage at all times: lognormal median and p95, default log buckets (checked after every batch)',
  inGroup('calibration'),
  (t) => {
    const layout = logBuckets();
    const runs = 200;
    for (const p of [0.5, 0.95] as const) {
      const rng = createRandom(p === 0.5 ? 11 : 12);
      const sigma = 0.8;
      const median = 0.2; // seconds
      const truth = median * Math.exp(sigma * Z[p]);
      const { rate, meanFinalWidth } = coverage(
        layout,
        p,
        truth,
        () => median * Math.exp(sigma * rng.normal()),
        runs,
        50,
        200,
      );
      const required = 1 - ALPHA - margin(ALPHA, runs);
      t.diagnostic(
        `p=${p}: covered at all 50 batches (200 obs each) in ${rate.toFixed(3)} of ${runs} runs (required ≥ ${required.toFixed(3)}); mean final high/low − 1 = ${meanFinalWidth.toFixed(3)} at n = 10000`,
      );
      assert.ok(rate >= required, `coverage ${rate}`);
    }
  },
);

test(
  'coverage with atoms sitting exactly on the edges (F(q) = p), where continuity arguments fail',
  inGroup('calibration'),
  (t) => {
    // values 0.1 / 0.2 / 0.3 with probabilities 0.3 / 0.2 / 0.5: F(0.2) = 0.5, so the median is 0.2
    const layout = logBuckets({ edges: [0.1, 0.2, 0.3, Infinity] });
    const rng = createRandom(13);
    const draw = (): number => {
      const u = rng.uniform();
      return u < 0.3 ? 0.1 : u < 0.5 ? 0.2 : 0.3;
    };
    const runs = 300;
    const { rate } = coverage(layout, 0.5, 0.2, draw, runs, 40, 50);
    const required = 1 - ALPHA - margin(ALPHA, runs);
    t.diagnostic(
      `atoms: median 0.2 covered at all 40 batches in ${rate.toFixed(3)} of ${runs} runs (required ≥ ${required.toFixed(3)})`,
    );
    assert.ok(rate >= required);
  },
);

test('with one observation per unit bucket the bounds are the beta-binomial crossing order statistics', () => {
  // edges 1..n: cdf[k-1] = k, so high = first integer s ≥ np with log M(s) ≥ log(2/alpha), low = last integer s ≤ np with it
  const alpha = 0.1;
  const tOpt = 2000;
  const L = Math.log(2 / alpha);
  for (const [p, n] of [
    [0.5, 20],
    [0.5, 150],
    [0.5, 1000],
    [0.95, 300],
    [0.95, 4321],
    [0.05, 777],
    [0.99, 20000],
  ]) {
    const rho = (tOpt * p * (1 - p)) / (2 * L + Math.log(1 + 2 * L));
    const m = rho / (p * (1 - p)) - 1;
    const [a, b] = [p * m, (1 - p) * m];
    const logM = (s: number): number =>
      betaln(a + s, b + n - s) - betaln(a, b) - s * Math.log(p) - (n - s) * Math.log(1 - p);
    let high = Infinity;
    for (let s = Math.ceil(n * p); s <= n; s++)
      if (logM(s) >= L) {
        high = s;
        break;
      }
    let low = 0;
    for (let s = Math.floor(n * p); s >= 1; s--)
      if (logM(s) >= L) {
        low = s;
        break;
      }
    const edges = [...Array.from({ length: n }, (_, i) => i + 1), Infinity];
    const cdf = [...Array.from({ length: n }, (_, i) => i + 1), n];
    const got = quantileConfidenceSequence(cdf, edges, { p, alpha, tOpt });
    assert.equal(got.high, high === Infinity ? Infinity : high, `p=${p} n=${n} high`);
    assert.equal(got.low, low, `p=${p} n=${n} low`);
  }
});

test('estimate is Prometheus histogram_quantile; coarse Traefik buckets give honest, wide bounds', () => {
  const traefik = [0.1, 0.3, 1.2, 5, Infinity];
  // the @example: rank 500 falls in (0.3, 1.2] holding 500 of which 100 below the rank
  assert.deepEqual(
    quantileConfidenceSequence([10, 400, 900, 1000], [0.1, 0.3, 1.2, Infinity], { p: 0.5, alpha: 0.05 }),
    {
      estimate: 0.3 + 0.9 * (100 / 500),
      low: 0.3,
      high: 1.2,
    },
  );
  // first bucket interpolates from 0; the +Inf bucket reports its lower edge (as Prometheus does)
  assert.equal(quantileConfidenceSequence([100, 100, 100, 100, 100], traefik, { p: 0.5, alpha: ALPHA }).estimate, 0.05);
  const inf = quantileConfidenceSequence([0, 0, 0, 10, 1000], traefik, { p: 0.5, alpha: ALPHA });
  assert.equal(inf.estimate, 5);
  assert.equal(inf.low, 5);
  assert.equal(inf.high, Infinity);
  // a median near 0.25 s with 100 000 observations is still only known to within (0.1, 0.3]
  const big = quantileConfidenceSequence([20_000, 60_000, 95_000, 99_500, 100_000], traefik, { p: 0.5, alpha: ALPHA });
  assert.deepEqual([big.low, big.high], [0.1, 0.3]);
});

test('tiny samples give unbounded but valid intervals; invalid input throws', () => {
  const one = quantileConfidenceSequence([0, 1, 1], [0.1, 0.2, Infinity], { p: 0.5, alpha: ALPHA });
  assert.equal(one.low, 0);
  assert.equal(one.high, Infinity);
  const bad: [number[], number[], object][] = [
    [[0, 0], [1, Infinity], { p: 0.5, alpha: 0.05 }], // no observations
    [[1, 2], [1, Infinity], { p: 0, alpha: 0.05 }],
    [[1, 2], [1, Infinity], { p: 0.5, alpha: 1 }],
    [[2, 1], [1, Infinity], { p: 0.5, alpha: 0.05 }], // not cumulative
    [[1, 2], [2, 1], { p: 0.5, alpha: 0.05 }],
    [[1, 2], [Infinity, Infinity], { p: 0.5, alpha: 0.05 }],
    [[1, 2, 3], [1, Infinity], { p: 0.5, alpha: 0.05 }],
    [[1, 2], [1, Infinity], { p: 0.5, alpha: 0.05, tOpt: 0 }],
    [[1, 2], [1, Infinity], { p: 0.5, alpha: 0.05, quantile: 0.5 }],
  ];
  for (const [cdf, edges, options] of bad) {
    assert.throws(
      () => quantileConfidenceSequence(cdf, edges, options as { p: number; alpha: number }),
      StatsInputError,
    );
  }
});
