import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StatsInputError } from './errors.ts';
import { closeTo, referenceFixture } from './testing/helpers.ts';
import { welchTTest } from './welch.ts';

describe('welchTTest: SciPy reference values (test/fixtures/stats-reference.json)', () => {
  for (const [i, c] of referenceFixture().welch.entries()) {
    it(`case ${i}: n=${c.baseline.length} m=${c.canary.length}`, () => {
      // expected: scipy.stats.ttest_ind(canary, baseline, equal_var=False): statistic, pvalue, df
      const got = welchTTest(c.baseline, c.canary);
      closeTo(got.t, c.t);
      closeTo(got.p, c.pTwoSided);
      closeTo(got.df, c.df);
    });
  }
});

describe('welchTTest: conventions', () => {
  it('hand-computed example: means 11.5 and 13.5, variances 5/3, df = 6', () => {
    const got = welchTTest([10, 11, 12, 13], [12, 13, 14, 15]);
    assert.equal(got.difference, 2);
    closeTo(got.t, 2 / Math.sqrt(5 / 6), 1e-12);
    closeTo(got.df, 6, 1e-12);
  });

  it("'greater' = canary mean higher; one-sided p is half the two-sided one in that direction", () => {
    const got = welchTTest([10, 11, 12, 13], [12, 13, 14, 15]);
    const greater = welchTTest([10, 11, 12, 13], [12, 13, 14, 15], { alternative: 'greater' });
    closeTo(greater.p, got.p / 2, 1e-12);
    assert.equal(greater.high, Number.POSITIVE_INFINITY);
    assert.equal(welchTTest([10, 11, 12, 13], [12, 13, 14, 15], { alternative: 'less' }).low, Number.NEGATIVE_INFINITY);
  });

  it('interval duality: shifting the canary to an interval end gives p = 1 - confidence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 3, maxLength: 30 }),
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 3, maxLength: 30 }),
        (baseline, canary) => {
          const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
          fc.pre(spread(baseline) > 1e-3 && spread(canary) > 1e-3);
          const got = welchTTest(baseline, canary, { confidence: 0.9 });
          const shifted = welchTTest(
            baseline,
            canary.map((v) => v - got.high),
          );
          closeTo(shifted.p, 0.1, 1e-6);
        },
      ),
    );
  });
});

describe('welchTTest: input errors', () => {
  it('rejects short or non-finite samples, two constant samples and bad options', () => {
    assert.throws(() => welchTTest([1], [1, 2]), StatsInputError);
    assert.throws(() => welchTTest([1, 2], [Number.NaN, 2]), StatsInputError);
    assert.throws(() => welchTTest([3, 3, 3], [4, 4]), /constant/);
    // @ts-expect-error unknown alternative
    assert.throws(() => welchTTest([1, 2], [3, 4], { alternative: 'bigger' }), /alternative/);
    assert.throws(() => welchTTest([1, 2], [3, 4], { confidence: -0.5 }), /confidence/);
  });
});
