import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { binomialTest } from './binomial.ts';
import { StatsInputError } from './errors.ts';
import { closeTo, referenceFixture } from './testing/helpers.ts';

describe('binomialTest: SciPy reference values (test/fixtures/stats-reference.json)', () => {
  for (const c of referenceFixture().binomial) {
    it(`k=${c.k} n=${c.n} p0=${c.p0}`, () => {
      // expected: scipy.stats.binomtest(k, n, p0, alternative).pvalue
      closeTo(binomialTest(c.k, c.n, { p0: c.p0 }).p, c.pTwoSided);
      closeTo(binomialTest(c.k, c.n, { p0: c.p0, alternative: 'greater' }).p, c.pGreater);
    });
  }
});

describe('binomialTest: interval and conventions', () => {
  it('Clopper-Pearson bounds are where the one-sided tails equal alpha/2 (defining property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n - 1 }))),
        ([n, k]) => {
          const got = binomialTest(k, n, { confidence: 0.9 });
          closeTo(binomialTest(k, n, { p0: got.low, alternative: 'greater' }).p, 0.05, 1e-6);
          closeTo(binomialTest(k, n, { p0: got.high, alternative: 'less' }).p, 0.05, 1e-6);
          assert.equal(got.estimate, k / n);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('edge counts: k = 0 has low 0, k = n has high 1; one-sided intervals are open on one side', () => {
    assert.equal(binomialTest(0, 10).low, 0);
    assert.equal(binomialTest(10, 10).high, 1);
    assert.equal(binomialTest(3, 10, { alternative: 'greater' }).high, 1);
    assert.equal(binomialTest(3, 10, { alternative: 'less' }).low, 0);
    // k = n * p0 is as probable as can be: two-sided p = 1 (SciPy's shortcut)
    assert.equal(binomialTest(5, 10).p, 1);
  });

  it('two-sided p sums the outcomes no more probable than k (brute force over 0..n)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.nat(60),
        (n, p0, kRaw) => {
          const k = kRaw % (n + 1);
          const pmf = (x: number) => Math.exp(lchoose(n, x) + x * Math.log(p0) + (n - x) * Math.log1p(-p0));
          const cut = pmf(k) * (1 + 1e-7);
          let expected = 0;
          for (let x = 0; x <= n; x++) if (pmf(x) <= cut) expected += pmf(x);
          const got = binomialTest(k, n, { p0 }).p;
          if (k !== n * p0) closeTo(got, Math.min(1, expected), 1e-8, 1e-300);
        },
      ),
    );
  });

  it('small upper tails keep their relative precision (summed, not 1 - cdf)', () => {
    // P(X >= 20), X ~ Binomial(1000, 0.001) is about 2.6e-19: 1 - cdf would return 0 or noise.
    // Expected: the sum of the terms x = 20..1000 from log-space binomial coefficients.
    let expected = 0;
    for (let x = 20; x <= 1000; x++)
      expected += Math.exp(lchoose(1000, x) + x * Math.log(0.001) + (1000 - x) * Math.log(0.999));
    closeTo(binomialTest(20, 1000, { p0: 0.001, alternative: 'greater' }).p, expected, 1e-9);
  });
});

describe('binomialTest: input errors', () => {
  it('rejects bad k, n, p0 and options', () => {
    assert.throws(() => binomialTest(1, 0), StatsInputError);
    assert.throws(() => binomialTest(11, 10), StatsInputError);
    assert.throws(() => binomialTest(-1, 10), StatsInputError);
    assert.throws(() => binomialTest(1.5, 10), StatsInputError);
    assert.throws(() => binomialTest(Number.NaN, 10), StatsInputError);
    assert.throws(() => binomialTest(1, 10, { p0: 1.5 }), /p0/);
    assert.throws(() => binomialTest(1, 10, { p0: Number.NaN }), /p0/);
    // @ts-expect-error unknown alternative
    assert.throws(() => binomialTest(1, 10, { alternative: 'bigger' }), /alternative/);
  });
});

function lchoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}
