import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StatsInputError } from './errors.ts';
import { fisherExact } from './fisherExact.ts';
import type { FisherTable } from './fisherExact.ts';
import { closeTo, referenceFixture } from './testing/helpers.ts';

/** Brute force: hypergeometric probabilities of every table with the same margins (log-space factorials). */
function hypergeometric(table: FisherTable): { a: number; pmf: Map<number, number> } {
  const [[a, b], [c, d]] = table;
  const K = a + b;
  const n = a + c;
  const N = a + b + c + d;
  const lf = (x: number) => {
    let s = 0;
    for (let i = 2; i <= x; i++) s += Math.log(i);
    return s;
  };
  const pmf = new Map<number, number>();
  for (let x = Math.max(0, n + K - N); x <= Math.min(K, n); x++) {
    pmf.set(
      x,
      Math.exp(lf(K) + lf(N - K) + lf(n) + lf(N - n) - lf(N) - lf(x) - lf(K - x) - lf(n - x) - lf(N - K - n + x)),
    );
  }
  return { a, pmf };
}

const tables = fc.tuple(fc.nat(25), fc.nat(25), fc.nat(25), fc.nat(25)).map(([a, b, c, d]): FisherTable => [
  [a, b],
  [c, d],
]);

describe('fisherExact: SciPy reference values (test/fixtures/stats-reference.json)', () => {
  for (const c of referenceFixture().fisherExact) {
    it(JSON.stringify(c.table), () => {
      // expected: scipy.stats.fisher_exact(table).pvalue
      closeTo(fisherExact(c.table).p, c.pTwoSided);
    });
  }
});

describe('fisherExact: definitions', () => {
  it('one-sided p-values are the hypergeometric tails (brute force)', () => {
    fc.assert(
      fc.property(tables, (table) => {
        const { a, pmf } = hypergeometric(table);
        let less = 0;
        let greater = 0;
        for (const [x, p] of pmf) {
          if (x <= a) less += p;
          if (x >= a) greater += p;
        }
        closeTo(fisherExact(table, { alternative: 'less' }).p, Math.min(1, less), 1e-9);
        closeTo(fisherExact(table, { alternative: 'greater' }).p, Math.min(1, greater), 1e-9);
      }),
    );
  });

  it('two-sided p sums the tables no more probable than the observed one (brute force)', () => {
    fc.assert(
      fc.property(tables, (table) => {
        const { a, pmf } = hypergeometric(table);
        const observed = pmf.get(a) ?? 0;
        let expected = 0;
        for (const p of pmf.values()) if (p <= observed * (1 + 1e-7)) expected += p;
        closeTo(fisherExact(table).p, Math.min(1, expected), 1e-9);
      }),
    );
  });

  it('odds ratio a*d/(b*c), Infinity when b*c = 0, NaN with an empty margin (p = 1)', () => {
    closeTo(
      fisherExact([
        [1, 99],
        [6, 94],
      ]).oddsRatio,
      94 / 594,
      1e-15,
    );
    assert.equal(
      fisherExact([
        [3, 0],
        [1, 4],
      ]).oddsRatio,
      Number.POSITIVE_INFINITY,
    );
    const empty = fisherExact([
      [0, 0],
      [4, 5],
    ]);
    assert.equal(empty.p, 1);
    assert.ok(Number.isNaN(empty.oddsRatio));
  });

  it('large tables (1e6 per row): tiny p-values keep their order of magnitude', () => {
    const got = fisherExact(
      [
        [5000, 995_000],
        [4000, 996_000],
      ],
      { alternative: 'greater' },
    );
    // z = 10.6 for these proportions, so the one-sided p is of order 1e-26
    assert.ok(got.p > 1e-28 && got.p < 1e-24);
  });
});

describe('fisherExact: input errors', () => {
  it('rejects non-integer or negative cells, a wrong shape and bad options', () => {
    assert.throws(
      () =>
        fisherExact([
          [1, -1],
          [2, 3],
        ]),
      StatsInputError,
    );
    assert.throws(
      () =>
        fisherExact([
          [1, 0.5],
          [2, 3],
        ]),
      StatsInputError,
    );
    assert.throws(
      () =>
        fisherExact([
          [1, Number.NaN],
          [2, 3],
        ]),
      StatsInputError,
    );
    // prettier-ignore
    // @ts-expect-error a 2x3 table is not a FisherTable
    assert.throws(() => fisherExact([[1, 2, 3], [2, 3, 4]]), StatsInputError);
    assert.throws(
      () =>
        fisherExact(
          [
            [1, 2],
            [3, 4],
          ],
          // @ts-expect-error unknown alternative
          { alternative: 'bigger' },
        ),
      /alternative/,
    );
  });
});
