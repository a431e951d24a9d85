/**
 * Test helpers for analyzer/stats (imported by *.test.ts only; not re-exported from index.ts).
 *
 * `referenceFixture()` reads test/fixtures/stats-reference.json, whose values were computed with
 * SciPy (its `generatedWith` names the version; its `conventions` block says what each value means).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Alternative } from '../anytime.ts';
import { createRng } from '../seededRandom.ts';

export interface MannWhitneyCase {
  note: string;
  baseline: number[];
  canary: number[];
  hodgesLehmannShift: number;
  results: { alternative: Alternative; U: number; pAsymptotic: number; pExact?: number }[];
}

export interface StatsReference {
  generatedWith: string;
  conventions: Record<string, string>;
  mannWhitney: MannWhitneyCase[];
  poissonRates: {
    baselineCount: number;
    baselineExposure: number;
    canaryCount: number;
    canaryExposure: number;
    pTwoSidedEtest: number;
  }[];
  binomial: { k: number; n: number; p0: number; pTwoSided: number; pGreater: number }[];
  fisherExact: { table: [[number, number], [number, number]]; pTwoSided: number }[];
  welch: { baseline: number[]; canary: number[]; t: number; pTwoSided: number; df: number }[];
}

let cached: StatsReference | undefined;

/** The SciPy reference values (parsed once). */
export function referenceFixture(): StatsReference {
  cached ??= JSON.parse(
    readFileSync(new URL('../../../test/fixtures/stats-reference.json', import.meta.url), 'utf8'),
  ) as StatsReference;
  return cached;
}

/** Asserts |actual - expected| <= rel * |expected| (or <= abs, for expected values near 0). */
export function closeTo(actual: number, expected: number, rel = 1e-6, abs = 0, message = ''): void {
  const ok = actual === expected || Math.abs(actual - expected) <= Math.max(rel * Math.abs(expected), abs);
  assert.ok(ok, `${message ? `${message}: ` : ''}expected ${expected}, got ${actual} (rel ${rel}, abs ${abs})`);
}

/** Seeded uniforms on [0, 1) for test data that is the same on every run (the house generator, seededRandom.ts). */
export const seededRandom = (seed: number): (() => number) => createRng(seed).next;

/** Sample mean and (n − 1) variance of `n` draws: for checking a generator against its distribution's moments. */
export function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: (sumSq - n * mean * mean) / (n - 1) };
}
