import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StatsInputError } from './errors.ts';
import { mannWhitneyU } from './mannWhitneyU.ts';
import type { MannWhitneyUOptions } from './mannWhitneyU.ts';
import { closeTo, referenceFixture, seededRandom } from './testing/helpers.ts';

const reference = referenceFixture();

describe('mannWhitneyU: SciPy reference values (test/fixtures/stats-reference.json)', () => {
  for (const c of reference.mannWhitney) {
    for (const r of c.results) {
      it(`${c.note}, ${r.alternative}: U and asymptotic p`, () => {
        // expected: scipy.stats.mannwhitneyu(canary, baseline, alternative, method='asymptotic')
        const got = mannWhitneyU(c.baseline, c.canary, { alternative: r.alternative, method: 'asymptotic' });
        assert.equal(got.U, r.U);
        assert.equal(got.method, 'asymptotic');
        closeTo(got.p, r.pAsymptotic);
      });
      if (r.pExact !== undefined) {
        const pExact = r.pExact;
        it(`${c.note}, ${r.alternative}: exact p`, () => {
          // expected: scipy.stats.mannwhitneyu(canary, baseline, alternative, method='exact')
          const got = mannWhitneyU(c.baseline, c.canary, { alternative: r.alternative, method: 'exact' });
          assert.equal(got.U, r.U);
          assert.equal(got.method, 'exact');
          assert.equal(got.z, undefined);
          closeTo(got.p, pExact);
        });
      }
    }
  }
});

describe('mannWhitneyU: method selection (SciPy _mwu_choose_method)', () => {
  it("'auto' is exact when min(n, m) <= 8 and there are no ties", () => {
    assert.equal(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).method, 'exact');
    const long = Array.from({ length: 500 }, (_, i) => i + 0.5);
    assert.equal(mannWhitneyU([1, 2, 3], long).method, 'exact');
  });
  it("'auto' is asymptotic with ties or when both samples exceed 8", () => {
    assert.equal(mannWhitneyU([1, 2, 3, 3], [3, 4, 5]).method, 'asymptotic');
    const nine = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert.equal(
      mannWhitneyU(
        nine,
        nine.map((v) => v + 0.5),
      ).method,
      'asymptotic',
    );
  });
  it('exact p for a one-observation sample is the discrete uniform tail (hand-computed)', () => {
    // n = 1: U is uniform on 0..m, so P(U >= m) = 1/(m + 1)
    const baseline = Array.from({ length: 99 }, (_, i) => i);
    assert.equal(mannWhitneyU(baseline, [1000], { alternative: 'greater' }).p, 1 / 100);
  });
  it('every observation tied: no evidence, p = 1 and z = 0', () => {
    const got = mannWhitneyU([2, 2, 2, 2, 2, 2, 2, 2, 2], [2, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.deepEqual(got, { U: 40.5, p: 1, method: 'asymptotic', z: 0 });
  });
});

describe('mannWhitneyU: properties', () => {
  const untied = (maxLength: number) =>
    fc
      .uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 2 * maxLength })
      .chain((values) =>
        fc
          .integer({ min: 1, max: values.length - 1 })
          .map((cut) => ({ baseline: values.slice(0, cut), canary: values.slice(cut) })),
      );

  it('U(x, y) + U(y, x) = n * m, ties included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 40 }),
        (x, y) => {
          assert.equal(mannWhitneyU(x, y).U + mannWhitneyU(y, x).U, x.length * y.length);
        },
      ),
    );
  });

  it('U equals the O(nm) pair count (brute force)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 30 }),
        (x, y) => {
          let pairs = 0;
          for (const b of x) for (const c of y) pairs += c > b ? 1 : c === b ? 0.5 : 0;
          assert.equal(mannWhitneyU(x, y).U, pairs);
        },
      ),
    );
  });

  it('exact p-values lie in [0, 1], two-sided = min(1, 2 * smaller one-sided)', () => {
    fc.assert(
      fc.property(untied(12), ({ baseline, canary }) => {
        const p = (alternative: MannWhitneyUOptions['alternative']) =>
          mannWhitneyU(baseline, canary, { alternative, method: 'exact' }).p;
        const [two, greater, less] = [p('two-sided'), p('greater'), p('less')];
        for (const v of [two, greater, less]) assert.ok(v >= 0 && v <= 1);
        closeTo(two, Math.min(1, 2 * Math.min(greater, less)), 1e-12);
        assert.ok(greater + less >= 1 - 1e-12, 'the two one-sided tails overlap at U');
      }),
    );
  });

  it("exact 'greater' p does not increase as the canary moves up (monotone in U)", () => {
    fc.assert(
      fc.property(untied(10), fc.integer({ min: 1, max: 3000 }), ({ baseline, canary }, shift) => {
        const before = mannWhitneyU(baseline, canary, { alternative: 'greater', method: 'exact' });
        const after = mannWhitneyU(
          baseline,
          canary.map((v) => v + shift + 0.5),
          { alternative: 'greater', method: 'exact' },
        );
        assert.ok(after.U >= before.U);
        assert.ok(after.p <= before.p + 1e-15);
      }),
    );
  });
});

describe('mannWhitneyU: scale and input errors', () => {
  it('runs on 100,000-point samples (merge of sorted samples, no n*m pass)', () => {
    const random = seededRandom(7);
    const baseline = Array.from({ length: 100_000 }, () => Math.exp(random()));
    const canary = Array.from({ length: 100_000 }, () => Math.exp(random() + 0.01));
    const got = mannWhitneyU(baseline, canary, { alternative: 'greater' });
    assert.equal(got.method, 'asymptotic');
    assert.ok(got.p < 1e-6);
  });

  it('rejects empty samples, NaN/Inf, unknown options and exact with ties', () => {
    assert.throws(() => mannWhitneyU([], [1, 2]), StatsInputError);
    assert.throws(() => mannWhitneyU([1, 2], []), StatsInputError);
    assert.throws(() => mannWhitneyU([1, Number.NaN], [1, 2]), StatsInputError);
    assert.throws(() => mannWhitneyU([1, 2], [1, Number.POSITIVE_INFINITY]), StatsInputError);
    // @ts-expect-error an unknown alternative is a type error, and a runtime error
    assert.throws(() => mannWhitneyU([1, 2], [3, 4], { alternative: 'bigger' }), /alternative must be one of/);
    // @ts-expect-error likewise an unknown method
    assert.throws(() => mannWhitneyU([1, 2], [3, 4], { method: 'permutation' }), StatsInputError);
    // @ts-expect-error and an unknown option key (a typo must not fall back to a default)
    assert.throws(() => mannWhitneyU([1, 2], [3, 4], { alternativ: 'less' }), /unknown option/);
    assert.throws(() => mannWhitneyU([1, 2, 2], [2, 3], { method: 'exact' }), /untied/);
  });
});
