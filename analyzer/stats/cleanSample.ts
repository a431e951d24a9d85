import { quantileSorted } from 'simple-statistics';
import { StatsInputError } from './errors.ts';
import { checkChoice, checkOptionKeys } from './options.ts';

export interface CleanSampleOptions {
  /**
   * What to do with NaN and +-Infinity: 'remove' (default) drops them; 'replace' puts 0 in their
   * place (Kayenta's NaNStrategy.Replace, for metrics where a missing point means "nothing happened").
   */
  nanStrategy?: 'remove' | 'replace';
  /** drop values outside Tukey's fences (default false) */
  removeOutliers?: boolean;
  /** fence width in interquartile ranges, finite and >= 0 (default 1.5, Tukey's inner fences) */
  iqrFactor?: number;
}

export interface CleanSampleResult {
  /** the cleaned values, in their original order (a new array) */
  values: number[];
  /** how many NaN/Infinity values were removed or replaced */
  removedNaN: number;
  /** how many values fell outside the fences (0 unless removeOutliers) */
  removedOutliers: number;
}

/**
 * Prepares a sample for the fixed-horizon tests, which refuse NaN/Infinity (see errors.ts).
 *
 * Reference: Kayenta's judge preprocessing (spinnaker/kayenta, `kayenta-judge`: NaN strategy
 * remove/replace, then IQR outlier removal); Tukey, "Exploratory Data Analysis" (1977) §2 for the
 * fences.
 *
 * 1. Non-finite values (NaN, Infinity, -Infinity) are removed ('remove') or replaced by 0
 *    ('replace'); either way they are counted in `removedNaN`.
 * 2. With `removeOutliers`, Q1 and Q3 of the remaining values are taken with simple-statistics'
 *    `quantileSorted` (linear interpolation, R type 7 / NumPy's default), and every value outside
 *    [Q1 - iqrFactor * IQR, Q3 + iqrFactor * IQR] (IQR = Q3 - Q1) is dropped; values on a fence stay.
 *    Fewer than 4 values are left as they are: their quartiles say nothing about outliers.
 *
 * An empty input (or one that is all NaN) gives an empty result rather than an error: deciding
 * that there is no data is the caller's business; the statistics then throw on empty samples.
 * Unknown options or an iqrFactor that is negative or not finite throw `StatsInputError`.
 *
 * @example
 * cleanSample([1, NaN, 2, 3, 2, 100], { removeOutliers: true });
 * // => { values: [1, 2, 3, 2], removedNaN: 1, removedOutliers: 1 }
 */
export function cleanSample(values: ArrayLike<number>, options: CleanSampleOptions = {}): CleanSampleResult {
  const fn = 'cleanSample';
  checkOptionKeys(fn, options, ['nanStrategy', 'removeOutliers', 'iqrFactor']);
  const nanStrategy = checkChoice(fn, 'nanStrategy', options.nanStrategy ?? 'remove', ['remove', 'replace'] as const);
  const removeOutliers = options.removeOutliers ?? false;
  if (typeof removeOutliers !== 'boolean')
    throw new StatsInputError(fn, `removeOutliers must be a boolean, got ${String(removeOutliers)}`);
  const iqrFactor = options.iqrFactor ?? 1.5;
  if (typeof iqrFactor !== 'number' || !Number.isFinite(iqrFactor) || iqrFactor < 0) {
    throw new StatsInputError(fn, `iqrFactor must be a finite number >= 0, got ${String(iqrFactor)}`);
  }
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new StatsInputError(fn, 'values must be an array of numbers');
  }

  const finite: number[] = [];
  let removedNaN = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw new StatsInputError(fn, `values[${i}] is not a number: ${String(v)}`);
    if (Number.isFinite(v)) finite.push(v);
    else {
      removedNaN++;
      if (nanStrategy === 'replace') finite.push(0);
    }
  }
  if (!removeOutliers || finite.length < 4) return { values: finite, removedNaN, removedOutliers: 0 };

  const sorted = finite.slice().sort((a, b) => a - b);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const spread = iqrFactor * (q3 - q1);
  const lower = q1 - spread;
  const upper = q3 + spread;
  const kept = finite.filter((v) => v >= lower && v <= upper);
  return { values: kept, removedNaN, removedOutliers: finite.length - kept.length };
}
