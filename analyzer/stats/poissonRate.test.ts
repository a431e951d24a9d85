import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { binomialTest } from './binomial.ts';
import { StatsInputError } from './errors.ts';
import { poissonRateTest } from './poissonRate.ts';
import { closeTo, referenceFixture } from './testing/helpers.ts';

describe('poissonRateTest: SciPy reference values (test/fixtures/stats-reference.json)', () => {
  for (const c of referenceFixture().poissonRates) {
    const { pTwoSidedEtest, ...data } = c;
    it(`canary ${data.canaryCount}/${data.canaryExposure} vs baseline ${data.baselineCount}/${data.baselineExposure}`, () => {
      // expected: scipy.stats.poisson_means_test(canaryCount, canaryExposure, baselineCount, baselineExposure)
      closeTo(poissonRateTest(data).p, pTwoSidedEtest);
    });
  }
});

describe('poissonRateTest: conventions', () => {
  const data = { baselineCount: 10, baselineExposure: 1, canaryCount: 20, canaryExposure: 1 };

  it("'greater' means the canary rate is higher", () => {
    const greater = poissonRateTest(data, { alternative: 'greater' }).p;
    const less = poissonRateTest(data, { alternative: 'less' }).p;
    assert.ok(greater < 0.05 && less > 0.95);
    assert.ok(poissonRateTest(data).statistic > 0);
  });

  it('rate ratio and its interval are the Clopper-Pearson bounds of the canary share, mapped', () => {
    const got = poissonRateTest(
      { baselineCount: 12, baselineExposure: 3, canaryCount: 30, canaryExposure: 5 },
      { confidence: 0.9 },
    );
    closeTo(got.rateRatio, 30 / 5 / (12 / 3), 1e-12);
    // the canary share pi of the 42 events has Clopper-Pearson bounds from binomialTest; R = pi/(1-pi) * 3/5
    const share = binomialTest(30, 42, { confidence: 0.9 });
    closeTo(got.low, (share.low / (1 - share.low)) * (3 / 5), 1e-12);
    closeTo(got.high, (share.high / (1 - share.high)) * (3 / 5), 1e-12);
    assert.ok(got.low < got.rateRatio && got.rateRatio < got.high);
  });

  it('no events at all: p = 1, ratio 1, interval [0, Infinity]', () => {
    const got = poissonRateTest({ baselineCount: 0, baselineExposure: 2, canaryCount: 0, canaryExposure: 1 });
    assert.deepEqual(got, {
      p: 1,
      statistic: 0,
      rateRatio: 1,
      low: 0,
      high: Number.POSITIVE_INFINITY,
      confidence: 0.95,
      method: 'poisson-e-test',
    });
  });

  it('two-sided p is unchanged when the cohorts are swapped, and every p is in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.nat(60),
        fc.nat(60),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (kb, kc, tb, tc) => {
          const forward = poissonRateTest({
            baselineCount: kb,
            baselineExposure: tb,
            canaryCount: kc,
            canaryExposure: tc,
          });
          const backward = poissonRateTest({
            baselineCount: kc,
            baselineExposure: tc,
            canaryCount: kb,
            canaryExposure: tb,
          });
          closeTo(backward.p, forward.p, 1e-9, 1e-15);
          for (const alternative of ['greater', 'less'] as const) {
            const p = poissonRateTest(
              { baselineCount: kb, baselineExposure: tb, canaryCount: kc, canaryExposure: tc },
              { alternative },
            ).p;
            assert.ok(p >= 0 && p <= 1);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('handles large counts (one binary search per x1 instead of a full grid)', () => {
    const got = poissonRateTest({
      baselineCount: 1_000_000,
      baselineExposure: 3600,
      canaryCount: 1_003_000,
      canaryExposure: 3600,
    });
    // z-approximation sanity bound: (1003000 - 1000000) / sqrt(2003000) = 2.12, so p is about 0.034
    assert.ok(got.p > 0.02 && got.p < 0.05);
  });
});

describe('poissonRateTest: input errors', () => {
  it('rejects bad counts, exposures and options', () => {
    const ok = { baselineCount: 1, baselineExposure: 1, canaryCount: 1, canaryExposure: 1 };
    assert.throws(() => poissonRateTest({ ...ok, canaryCount: -1 }), StatsInputError);
    assert.throws(() => poissonRateTest({ ...ok, canaryCount: 1.5 }), StatsInputError);
    assert.throws(() => poissonRateTest({ ...ok, baselineCount: Number.NaN }), StatsInputError);
    assert.throws(() => poissonRateTest({ ...ok, baselineExposure: 0 }), StatsInputError);
    assert.throws(() => poissonRateTest({ ...ok, canaryExposure: Number.POSITIVE_INFINITY }), StatsInputError);
    // @ts-expect-error unknown alternative
    assert.throws(() => poissonRateTest(ok, { alternative: 'bigger' }), /alternative/);
    assert.throws(() => poissonRateTest(ok, { confidence: 95 }), /confidence/);
  });
});
