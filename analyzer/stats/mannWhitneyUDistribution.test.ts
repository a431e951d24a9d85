import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatsInputError } from './errors.ts';
import { mannWhitneyUDistribution } from './mannWhitneyUDistribution.ts';
import { closeTo } from './testing/helpers.ts';

/** Arrangement counts of U for sizes (n, m) with exact integers: N(u; i, j) = N(u - j; i - 1, j) + N(u; i, j - 1). */
function bigIntCounts(n: number, m: number): bigint[] {
  let previous: bigint[][] = Array.from({ length: m + 1 }, () => [1n]);
  for (let i = 1; i <= n; i++) {
    const current: bigint[][] = [[1n]];
    for (let j = 1; j <= m; j++) {
      const counts: bigint[] = new Array<bigint>(i * j + 1).fill(0n);
      previous[j].forEach((v, u) => (counts[u + j] += v));
      current[j - 1].forEach((v, u) => (counts[u] += v));
      current.push(counts);
    }
    previous = current;
  }
  return previous[m];
}

describe('mannWhitneyUDistribution', () => {
  it('matches exact integer counting (q-Pascal recurrence with BigInt) to 1e-12 relative', () => {
    for (const [n, m] of [
      [1, 7],
      [3, 50],
      [8, 40],
      [20, 25],
      [30, 30],
    ]) {
      const counts = bigIntCounts(n, m);
      const total = counts.reduce((a, b) => a + b, 0n);
      const half = Math.floor((n * m) / 2);
      const cdf = mannWhitneyUDistribution(n, m, half);
      let cumulative = 0n;
      for (let u = 0; u <= half; u++) {
        cumulative += counts[u];
        // scale before dividing so the ratio keeps 30 significant digits
        const expected = Number((cumulative * 10n ** 30n) / total) / 1e30;
        closeTo(cdf[u], expected, 1e-12, 1e-300, `n=${n} m=${m} u=${u}`);
      }
    }
  });

  it('is symmetric in the sample sizes and reaches 1 at nm', () => {
    assert.deepEqual(mannWhitneyUDistribution(4, 9, 18), mannWhitneyUDistribution(9, 4, 18));
    assert.equal(mannWhitneyUDistribution(3, 4, 12)[12], 1);
    // hand count: sizes 5 and 5 have C(10, 5) = 252 arrangements, one with U = 0
    assert.equal(mannWhitneyUDistribution(5, 5, 0)[0], 1 / 252);
  });

  it('rejects bad sizes and maxU', () => {
    assert.throws(() => mannWhitneyUDistribution(0, 3, 0), StatsInputError);
    assert.throws(() => mannWhitneyUDistribution(2, 3, 7), StatsInputError);
    assert.throws(() => mannWhitneyUDistribution(2.5, 3, 1), StatsInputError);
  });
});
