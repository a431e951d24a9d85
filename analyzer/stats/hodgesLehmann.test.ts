import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StatsInputError } from './errors.ts';
import { hodgesLehmann } from './hodgesLehmann.ts';
import { mannWhitneyUDistribution } from './mannWhitneyUDistribution.ts';
import { closeTo, referenceFixture, seededRandom } from './testing/helpers.ts';

/** Brute force, O(nm) memory: all differences canary_j - baseline_i, sorted. Tests only. */
function sortedDifferences(baseline: number[], canary: number[]): Float64Array {
  const all = new Float64Array(baseline.length * canary.length);
  let at = 0;
  for (const b of baseline) for (const c of canary) all[at++] = c - b;
  return all.sort();
}

function bruteMedian(baseline: number[], canary: number[]): number {
  const d = sortedDifferences(baseline, canary);
  const mid = d.length >> 1;
  return d.length % 2 === 1 ? d[mid] : (d[mid - 1] + d[mid]) / 2;
}

const sample = (maxLength: number) => fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 1, maxLength });

describe('hodgesLehmann: SciPy reference values (test/fixtures/stats-reference.json)', () => {
  for (const c of referenceFixture().mannWhitney) {
    it(`${c.note}: shift`, () => {
      // expected: np.median(np.subtract.outer(canary, baseline)) (the fixture's hodgesLehmannShift)
      closeTo(hodgesLehmann(c.baseline, c.canary).shift, c.hodgesLehmannShift, 1e-6, 1e-12);
    });
  }
});

describe('hodgesLehmann: interval', () => {
  it('complete separation 1..5 vs 6..10: [2, 8] at 95% (hand-computed)', () => {
    // qwilcox(0.025, 5, 5) = 3: P(U <= 2) = 4/252 < 0.025 <= P(U <= 3) = 7/252; the 25 differences
    // 1..9 occur 1, 2, 3, 4, 5, 4, 3, 2, 1 times, so D(3) = 2 and D(23) = 8.
    assert.deepEqual(hodgesLehmann([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]), {
      shift: 5,
      low: 2,
      high: 8,
      confidence: 0.95,
      method: 'exact',
    });
  });

  it('exact interval = order statistics at the qwilcox rank of the brute-force differences', () => {
    fc.assert(
      fc.property(sample(12), sample(12), fc.constantFrom(0.8, 0.9, 0.95, 0.99), (baseline, canary, confidence) => {
        const got = hodgesLehmann(baseline, canary, { confidence });
        const d = sortedDifferences(baseline, canary);
        const nm = d.length;
        const cdf = mannWhitneyUDistribution(baseline.length, canary.length, Math.floor(nm / 2));
        let k = 0;
        while (k < Math.floor(nm / 2) && cdf[k] < (1 - confidence) / 2) k++;
        k = Math.min(Math.max(k, 1), Math.ceil(nm / 2));
        assert.equal(got.method, 'exact');
        assert.equal(got.low, d[k - 1]);
        assert.equal(got.high, d[nm - k]);
        assert.ok(got.low <= got.shift && got.shift <= got.high);
      }),
    );
  });

  it('asymptotic interval for large samples brackets the shift and narrows with confidence', () => {
    const random = seededRandom(11);
    const baseline = Array.from({ length: 3000 }, () => random());
    const canary = Array.from({ length: 2000 }, () => random() + 0.1);
    const wide = hodgesLehmann(baseline, canary, { confidence: 0.99 });
    const narrow = hodgesLehmann(baseline, canary, { confidence: 0.8 });
    assert.equal(wide.method, 'asymptotic');
    assert.ok(
      wide.low < narrow.low && narrow.low < narrow.shift && narrow.shift < narrow.high && narrow.high < wide.high,
    );
    closeTo(wide.shift, 0.1, 0.3);
  });
});

describe('hodgesLehmann: properties', () => {
  it('fast selection equals the brute-force O(nm) median', () => {
    fc.assert(
      fc.property(sample(40), sample(40), (baseline, canary) => {
        assert.equal(hodgesLehmann(baseline, canary).shift, bruteMedian(baseline, canary));
      }),
    );
  });

  it('fast selection equals brute force when the sorted matrix is large (selection rounds run)', () => {
    const random = seededRandom(3);
    for (const [n, m] of [
      [400, 300],
      [257, 1],
      [1, 5000],
      [200, 201],
    ]) {
      const baseline = Array.from({ length: n }, () => Math.round(random() * 50) / 10); // many ties
      const canary = Array.from({ length: m }, () => Math.round(random() * 60) / 10);
      const d = sortedDifferences(baseline, canary);
      const got = hodgesLehmann(baseline, canary);
      assert.equal(got.shift, bruteMedian(baseline, canary));
      assert.ok(d.includes(got.low) && d.includes(got.high));
    }
    for (let run = 0; run < 5; run++) {
      const baseline = Array.from({ length: 300 + run }, () => Math.exp(random()));
      const canary = Array.from({ length: 350 - run }, () => Math.exp(random()));
      assert.equal(hodgesLehmann(baseline, canary).shift, bruteMedian(baseline, canary));
    }
  });

  it('shift invariance: adding c to every canary value adds c to the shift', () => {
    fc.assert(
      fc.property(sample(30), sample(30), fc.integer({ min: -1000, max: 1000 }), (baseline, canary, c) => {
        const before = hodgesLehmann(baseline, canary);
        const after = hodgesLehmann(
          baseline,
          canary.map((v) => v + c),
        );
        // integers: every difference is exact, so the identity is exact
        assert.equal(after.shift, before.shift + c);
        assert.equal(after.low, before.low + c);
        assert.equal(after.high, before.high + c);
      }),
    );
  });

  it('antisymmetry: swapping the samples negates the shift and mirrors the interval', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 30 }),
        sample(30),
        (baseline, canary) => {
          const forward = hodgesLehmann(baseline, canary);
          const backward = hodgesLehmann(canary, baseline);
          assert.equal(backward.shift, -forward.shift || 0);
          assert.equal(backward.low, -forward.high || 0);
          assert.equal(backward.high, -forward.low || 0);
        },
      ),
    );
  });
});

describe('hodgesLehmann: scale and input errors', () => {
  it('runs on 100,000 points per cohort without materialising the 1e10 differences', () => {
    const random = seededRandom(5);
    const baseline = Array.from({ length: 100_000 }, () => Math.exp(random()));
    const canary = Array.from({ length: 100_000 }, () => Math.exp(random()) + 0.05);
    const got = hodgesLehmann(baseline, canary);
    assert.equal(got.method, 'asymptotic');
    assert.ok(got.low < got.shift && got.shift < got.high);
    closeTo(got.shift, 0.05, 0.5);
  });

  it('rejects empty samples, NaN/Inf and bad options', () => {
    assert.throws(() => hodgesLehmann([], [1]), StatsInputError);
    assert.throws(() => hodgesLehmann([1], [Number.NaN]), StatsInputError);
    assert.throws(() => hodgesLehmann([Number.NEGATIVE_INFINITY], [1]), StatsInputError);
    assert.throws(() => hodgesLehmann([1], [2], { confidence: 1 }), /confidence/);
    assert.throws(() => hodgesLehmann([1], [2], { confidence: 0 }), /confidence/);
    // @ts-expect-error hodgesLehmann has no alternative option
    assert.throws(() => hodgesLehmann([1], [2], { alternative: 'greater' }), /unknown option/);
  });
});
