import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cleanSample } from './cleanSample.ts';
import { StatsInputError } from './errors.ts';

describe('cleanSample', () => {
  it("'remove' (default) drops NaN and +-Infinity, keeping order", () => {
    assert.deepEqual(cleanSample([3, Number.NaN, 1, Number.POSITIVE_INFINITY, 2, Number.NEGATIVE_INFINITY]), {
      values: [3, 1, 2],
      removedNaN: 3,
      removedOutliers: 0,
    });
  });

  it("'replace' puts 0 in their place (Kayenta's replace strategy)", () => {
    assert.deepEqual(cleanSample([3, Number.NaN, 1], { nanStrategy: 'replace' }), {
      values: [3, 0, 1],
      removedNaN: 1,
      removedOutliers: 0,
    });
  });

  it('Tukey fences with type-7 quartiles (hand-computed)', () => {
    // sorted [1, 2, 2, 3, 100]: Q1 = 2, Q3 = 3, IQR = 1, fences [0.5, 4.5]
    assert.deepEqual(cleanSample([1, Number.NaN, 2, 3, 2, 100], { removeOutliers: true }), {
      values: [1, 2, 3, 2],
      removedNaN: 1,
      removedOutliers: 1,
    });
    // a value exactly on a fence stays: [0.5 .. 4.5] with iqrFactor 1.5
    assert.deepEqual(cleanSample([0.5, 2, 2, 3, 4.5], { removeOutliers: true }).values, [0.5, 2, 2, 3, 4.5]);
    // iqrFactor 0 keeps only [Q1, Q3]
    assert.deepEqual(cleanSample([1, 2, 2, 3, 100], { removeOutliers: true, iqrFactor: 0 }).values, [2, 2, 3]);
  });

  it('fewer than 4 values and empty input are returned as they are', () => {
    assert.deepEqual(cleanSample([1, 2, 1000], { removeOutliers: true }).values, [1, 2, 1000]);
    assert.deepEqual(cleanSample([]), { values: [], removedNaN: 0, removedOutliers: 0 });
  });

  it('output is finite and the counts add up', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double()),
        fc.boolean(),
        fc.constantFrom('remove' as const, 'replace' as const),
        (values, removeOutliers, nanStrategy) => {
          const got = cleanSample(values, { removeOutliers, nanStrategy });
          assert.ok(got.values.every(Number.isFinite));
          const kept = nanStrategy === 'remove' ? values.length - got.removedNaN : values.length;
          assert.equal(got.values.length + got.removedOutliers, kept);
        },
      ),
    );
  });

  it('rejects unknown strategies and bad factors', () => {
    // @ts-expect-error unknown strategy (Kayenta's parser would fall back to a default; we throw)
    assert.throws(() => cleanSample([1], { nanStrategy: 'ignore' }), StatsInputError);
    assert.throws(() => cleanSample([1], { iqrFactor: -1 }), /iqrFactor/);
    assert.throws(() => cleanSample([1], { iqrFactor: Number.NaN }), /iqrFactor/);
    // @ts-expect-error unknown option key
    assert.throws(() => cleanSample([1], { removeOutlier: true }), /unknown option/);
  });
});
