import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StatsInputError } from './errors.ts';
import { fisherExact } from './fisherExact.ts';
import { closeTo } from './testing/helpers.ts';
import { twoProportionTest } from './twoProportion.ts';

// The fixture has no two-proportion section; expected values below are computed by hand from the
// textbook formulas (Agresti 2013 §3.1.5 for z, Katz et al. 1978 for the interval).

describe('twoProportionTest: z-test', () => {
  const data = { baselineEvents: 20, baselineTotal: 2000, canaryEvents: 40, canaryTotal: 2000 };

  it('pooled z and relative risk (hand-computed)', () => {
    const got = twoProportionTest(data);
    // pooled proportion 60/4000 = 0.015; se = sqrt(0.015 * 0.985 * (2/2000))
    const z = 0.01 / Math.sqrt(0.015 * 0.985 * 0.001);
    assert.equal(got.method, 'two-proportion-z');
    closeTo(got.z, z, 1e-12);
    closeTo(got.difference, 0.01, 1e-12);
    closeTo(got.relativeRisk, 2, 1e-12);
    // Katz: log RR +- 1.959964 * sqrt(1/40 - 1/2000 + 1/20 - 1/2000)
    const half = 1.959963984540054 * Math.sqrt(1 / 40 - 1 / 2000 + 1 / 20 - 1 / 2000);
    closeTo(got.low, 2 * Math.exp(-half), 1e-9);
    closeTo(got.high, 2 * Math.exp(half), 1e-9);
  });

  it('z^2 equals Pearson chi-square without continuity correction (R prop.test(correct = FALSE))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 5000 }),
        fc.integer({ min: 10, max: 5000 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (nb, nc, rb, rc) => {
          const xb = Math.round(nb * rb);
          const xc = Math.round(nc * rc);
          const got = twoProportionTest(
            { baselineEvents: xb, baselineTotal: nb, canaryEvents: xc, canaryTotal: nc },
            { method: 'z' },
          );
          const cells = [
            [xc, nc - xc],
            [xb, nb - xb],
          ];
          const N = nb + nc;
          const cols = [xb + xc, N - xb - xc];
          let chi2 = 0;
          for (const [r, row] of cells.entries()) {
            for (const [c, observed] of row.entries()) {
              const expected = ((r === 0 ? nc : nb) * cols[c]) / N;
              chi2 += (observed - expected) ** 2 / expected;
            }
          }
          closeTo(got.z * got.z, chi2, 1e-9, 1e-12);
        },
      ),
    );
  });

  it("'greater' = canary proportion higher; one-sided intervals are open on one side", () => {
    const greater = twoProportionTest(data, { alternative: 'greater' });
    const less = twoProportionTest(data, { alternative: 'less' });
    assert.ok(greater.p < 0.01 && less.p > 0.99);
    assert.equal(greater.high, Number.POSITIVE_INFINITY);
    assert.equal(less.low, 0);
  });
});

describe('twoProportionTest: small counts', () => {
  it("'auto' switches to Fisher's exact test when an expected count is below 5", () => {
    const small = { baselineEvents: 1, baselineTotal: 100, canaryEvents: 6, canaryTotal: 100 };
    const got = twoProportionTest(small);
    assert.equal(got.method, 'fisher-exact');
    assert.equal(
      got.p,
      fisherExact([
        [6, 94],
        [1, 99],
      ]).p,
    );
    assert.equal(twoProportionTest(small, { method: 'z' }).method, 'two-proportion-z');
  });

  it('a zero cell gets the Haldane-Anscombe 0.5 for the ratio; no events at all gives 1 and [0, Infinity]', () => {
    const zero = twoProportionTest({ baselineEvents: 0, baselineTotal: 2000, canaryEvents: 3, canaryTotal: 200 });
    closeTo(zero.relativeRisk, 3.5 / 201 / (0.5 / 2001), 1e-12);
    assert.ok(Number.isFinite(zero.high));
    const none = twoProportionTest({ baselineEvents: 0, baselineTotal: 2000, canaryEvents: 0, canaryTotal: 200 });
    assert.equal(none.p, 1);
    assert.equal(none.z, 0);
    assert.deepEqual([none.relativeRisk, none.low, none.high], [1, 0, Number.POSITIVE_INFINITY]);
  });
});

describe('twoProportionTest: input errors', () => {
  it('rejects bad counts and options', () => {
    const ok = { baselineEvents: 1, baselineTotal: 10, canaryEvents: 1, canaryTotal: 10 };
    assert.throws(() => twoProportionTest({ ...ok, canaryEvents: 11 }), StatsInputError);
    assert.throws(() => twoProportionTest({ ...ok, baselineTotal: 0, baselineEvents: 0 }), StatsInputError);
    assert.throws(() => twoProportionTest({ ...ok, canaryEvents: Number.NaN }), StatsInputError);
    assert.throws(() => twoProportionTest({ ...ok, canaryTotal: 2.5 }), StatsInputError);
    // @ts-expect-error unknown method
    assert.throws(() => twoProportionTest(ok, { method: 'chi2' }), /method/);
    // @ts-expect-error unknown alternative
    assert.throws(() => twoProportionTest(ok, { alternative: 'bigger' }), /alternative/);
  });
});
