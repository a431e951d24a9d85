// Expected values: hand computations (shown) and exact sums in Python's `math` (stated per case).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, generateScenario, METRIC } from '../../simulator/index.ts';
import {
  conditionalRateRatio,
  oracleRejections,
  oracleStats,
  perMetricAlpha,
  proportionRatio,
  welchLogRatio,
} from './oracle.ts';

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected}`);

test('Welch: equal n = 6 and variance 3 give df = 10 and s.e. = 1, so t = 2.228139 has p = 0.025 (t table)', () => {
  // sums for n = 6, mean m, sample variance 3: Σy = 6m, Σy² = 5·3 + 6m²
  const sums = (m: number): number[] => [6, 6 * m, 15 + 6 * m * m];
  close(welchLogRatio(sums(0), sums(2.228139 + 0.05), 0.05, true), 0.025, 1e-6, 'greater');
  close(welchLogRatio(sums(0), sums(-2.228139 - 0.05), -0.05, false), 0.025, 1e-6, 'less');
  assert.equal(welchLogRatio([1, 0, 0], sums(3), 0, true), 1, 'too few observations never reject');
});

test('two-proportion ratio test: 100/1000 vs 50/1000 against ratio 1.2 gives z = 3.17821, p = 7.4094e-4 (erfc)', () => {
  close(proportionRatio(50, 1000, 100, 1000, 1.2, true), 7.409403873601938e-4, 1e-9, 'p');
  assert.equal(proportionRatio(0, 1000, 0, 1000, 1.2, true), 1, 'no errors anywhere: no evidence');
});

test('conditional rate-ratio test: 30 on 500 vs 100 on 1000 against ratio 0.9 is P(Bin(130, 450/1450) ≤ 30) = 0.0285938 (exact sum)', () => {
  close(conditionalRateRatio(100, 1000, 30, 500, 0.9, false), 0.028593790328095354, 1e-9, 'p');
  assert.equal(conditionalRateRatio(0, 1000, 0, 500, 0.9, false), 1);
});

test('the latency oracle holds its level on the null boundary (log-ratio = log 1.05)', () => {
  const rng = createRng(9, 'oracle-null');
  let rejected = 0;
  const reps = 4000;
  for (let r = 0; r < reps; r++) {
    const draw = (n: number, shift: number): number[] => {
      const s = [n, 0, 0];
      for (let i = 0; i < n; i++) {
        const y = shift + 0.7 * rng.normal();
        s[1] += y;
        s[2] += y * y;
      }
      return s;
    };
    if (welchLogRatio(draw(40, 0), draw(15, Math.log(1.05)), Math.log(1.05), true) <= 0.05) rejected++;
  }
  // binomial s.e. at 0.05 over 4,000 reps ≈ 0.0034
  close(rejected / reps, 0.05, 0.015, 'rejection rate');
});

test('on generated data the oracle rejects a 25% checkout slowdown within the hour and not an A/A run', () => {
  const hit = generateScenario({ seed: 3, regression: 'checkout-latency-x1.25', onsetMinutes: 10 });
  const metric = hit.spec.metrics.find((m) => m.name === METRIC.checkoutLatency);
  assert.ok(metric && hit.truth.onsetMs !== null);
  const alpha = perMetricAlpha(hit.spec);
  assert.equal(alpha, 0.01 / 4);
  const rejects = oracleRejections(oracleStats(hit.samples, metric, hit.truth.onsetMs, 50), metric, alpha);
  assert.equal(rejects.length, 50);
  assert.ok(rejects.at(-1), 'rejects on 50 minutes of data');
  const aa = generateScenario({ seed: 3 });
  const none = oracleRejections(oracleStats(aa.samples, metric, hit.truth.onsetMs, 50), metric, alpha);
  assert.equal(none.filter(Boolean).length, 0);
});

test('oracle statistics cover errors/requests and orders/exposure', () => {
  const s = generateScenario({ seed: 4, durationMinutes: 3 });
  const ratio = s.spec.metrics.find((m) => m.name === METRIC.errorRatio);
  assert.ok(ratio);
  const stats = oracleStats(s.samples, ratio, s.spec.release.startedAt, 3);
  const total = (metric: string): number =>
    s.samples.filter((x) => x.metric === metric && x.cohort === 'canary').reduce((n, x) => n + x.value, 0);
  assert.equal(
    stats.canary.a.reduce((a, b) => a + b),
    total(METRIC.httpErrors),
  );
  assert.equal(
    stats.canary.b.reduce((a, b) => a + b),
    total(METRIC.httpRequests),
  );
});
