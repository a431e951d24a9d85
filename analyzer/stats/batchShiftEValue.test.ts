import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import gammaln from '@stdlib/math-base-special-gammaln';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { batchShiftLogEValues } from './batchShiftEValue.ts';
import { StatsInputError } from './errors.ts';

const lchoose = (n: number, k: number): number => gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);

/**
 * E[e] under the permutation null, exactly: enumerate every canary split of the pooled counts
 * with its multivariate hypergeometric probability Π C(n_j, c_j) / C(N, n_c).
 */
function nullExpectation(pooled: number[], nc: number, lambdas: number[], groups?: number): { mass: number; mean: number[] } {
  const K = pooled.length;
  const N = pooled.reduce((a, b) => a + b, 0);
  const c = new Array<number>(K).fill(0);
  const mean = new Array<number>(lambdas.length).fill(0);
  let mass = 0;
  const visit = (j: number, left: number): void => {
    if (j === K) {
      if (left > 0) return;
      let logP = -lchoose(N, nc);
      for (let i = 0; i < K; i++) logP += lchoose(pooled[i], c[i]);
      const logE = batchShiftLogEValues(pooled.map((n, i) => n - c[i]), c, lambdas, groups === undefined ? {} : { groups });
      mass += Math.exp(logP);
      logE.forEach((v, k) => (mean[k] += Math.exp(logP + v)));
      return;
    }
    for (let x = 0; x <= Math.min(pooled[j], left); x++) {
      c[j] = x;
      visit(j + 1, left - x);
    }
    c[j] = 0;
  };
  visit(0, nc);
  return { mass, mean };
}

test('each e-value has expectation exactly 1 under the permutation null (full enumeration)', (t) => {
  const lambdas = [0.02, 0.3, -0.5, 2, -3, 10, 40];
  const cases: { pooled: number[]; nc: number; groups?: number }[] = [
    { pooled: [1, 2, 3, 1, 2], nc: 4 },
    { pooled: [5, 7, 3], nc: 6 },
    { pooled: [1, 1, 1, 1, 1, 1, 1, 1], nc: 3 },
    { pooled: [3, 0, 4, 2, 6, 1, 2], nc: 7, groups: 3 }, // merged into rank groups
    { pooled: [40, 60, 50], nc: 70 }, // big cells: far tails and the slow path
    { pooled: [0, 9, 0, 0, 4], nc: 2 },
  ];
  let worst = 0;
  for (const { pooled, nc, groups } of cases) {
    const { mass, mean } = nullExpectation(pooled, nc, lambdas, groups);
    assert.ok(Math.abs(mass - 1) < 1e-10, 'the enumeration covers the whole law');
    for (const m of mean) {
      assert.ok(m / mass <= 1 + 1e-10, `E[e] = ${m / mass} > 1 for ${JSON.stringify(pooled)}`);
      assert.ok(m / mass > 1 - 1e-9, `E[e] = ${m / mass}: the factors are exact likelihood ratios`);
      worst = Math.max(worst, Math.abs(m / mass - 1));
    }
  }
  t.diagnostic(`max |E[e] - 1| over ${cases.length} tables × ${lambdas.length} tilts: ${worst.toExponential(2)}`);
});

test('property: E[e] <= 1 for random small margins, tilts and group counts', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 5 }),
      fc.integer({ min: 1, max: 20 }),
      fc.double({ min: -20, max: 20, noNaN: true }),
      fc.integer({ min: 2, max: 6 }),
      (pooled, ncWanted, lambda, groups) => {
        const N = pooled.reduce((a, b) => a + b, 0);
        const nc = Math.min(ncWanted, N);
        const { mass, mean } = nullExpectation(pooled, nc, [lambda], groups);
        return mean[0] / mass <= 1 + 1e-9;
      },
    ),
    { numRuns: 150 },
  );
});

test('two groups with tens of thousands per cell: matches the log-space hypergeometric sum', () => {
  // one factor only: X ~ Hyp(N, n_c, n_0), l = λ (a_0 − a_1), log e = l x − log E exp(l X)
  const [b0, b1, c0, c1] = [18_000, 22_000, 12_000, 28_000];
  const n0 = b0 + c0;
  const N = b0 + b1 + c0 + c1;
  const nc = c0 + c1;
  const a0 = normalQuantile((n0 + 1) / 2 / (N + 1), 0, 1);
  const a1 = normalQuantile((n0 + (N - n0 + 1) / 2) / (N + 1), 0, 1);
  const lambdas = [0.02, 0.5, -0.5, 2.56, -2.56];
  const got = batchShiftLogEValues([b0, b1], [c0, c1], lambdas);
  lambdas.forEach((lambda, k) => {
    const l = lambda * (a0 - a1);
    const terms: number[] = [];
    for (let x = Math.max(0, n0 - (N - nc)); x <= Math.min(n0, nc); x++) {
      terms.push(lchoose(nc, x) + lchoose(N - nc, n0 - x) - lchoose(N, n0) + l * x);
    }
    const max = Math.max(...terms);
    const logMgf = max + Math.log(terms.reduce((s, v) => s + Math.exp(v - max), 0));
    const expected = l * c0 - logMgf;
    assert.ok(Math.abs(got[k] - expected) < 1e-6 * Math.max(1, Math.abs(expected)), `λ=${lambda}: ${got[k]} vs ${expected}`);
  });
});

test('direction and the documented example', () => {
  // canary concentrated in the high buckets: evidence for λ > 0, against λ < 0
  const e = batchShiftLogEValues([5, 3, 1, 0], [0, 2, 4, 4], [0.5, -0.5]);
  assert.ok(Math.abs(e[0] - 2.4523) < 1e-3 && Math.abs(e[1] + 3.1355) < 1e-3, `got ${Array.from(e)}`);
  const mirror = batchShiftLogEValues([0, 2, 4, 4], [5, 3, 1, 0], [0.5, -0.5]);
  assert.ok(mirror[1] > 0 && mirror[0] < 0);
});

test('no information, no evidence: an empty cohort or a single occupied bucket gives log e = 0', () => {
  assert.deepEqual(Array.from(batchShiftLogEValues([3, 4, 5], [0, 0, 0], [1, -1])), [0, 0]);
  assert.deepEqual(Array.from(batchShiftLogEValues([0, 0, 0], [1, 2, 0], [1, -1])), [0, 0]);
  assert.deepEqual(Array.from(batchShiftLogEValues([0, 7, 0], [0, 5, 0], [1, -1])), [0, 0]);
  assert.deepEqual(Array.from(batchShiftLogEValues([], [], [1])), [0]);
});

test('invalid input throws StatsInputError', () => {
  assert.throws(() => batchShiftLogEValues([1, 2], [1], [1]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, -2], [1, 1], [1]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, 2.5], [1, 1], [1]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, NaN], [1, 1], [1]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, 2], [1, 1], [Infinity]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, 2], [1, 1], [1], { groups: 1 }), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, 2], [1, 1], [1], { group: 3 } as never), StatsInputError);
});
