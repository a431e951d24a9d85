import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMultinomialTest, restoreMultinomialTest } from './dirichletMultinomial.ts';
import { StatsInputError } from './errors.ts';
import { createRandom } from './testing/random.ts';
import { inGroup } from '../../test/groups.ts';

const ALPHA = 0.05;
const margin = (p: number, runs: number): number => 3 * Math.sqrt((p * (1 - p)) / runs);

test("published values: Lindon's ssrm test_sequential_posteriors, time-aggregated data (log M1 − log M0)", () => {
  // ssrm_test/test_ssrm_test.py: null [0.4, 0.4, 0.2], Dirichlet alpha [1, 1, 1]; the expected log
  // Bayes factors are the differences of the published marginal likelihoods
  const published = [
    -7.028201432058012 - -4.0776406466061985,
    -11.947847738358888 - -8.265946861099877,
    -15.471401950257842 - -11.610743519545139,
    -19.96484521090386 - -15.781031228536165,
  ];
  const t = createMultinomialTest([0.4, 0.4, 0.2], { priorMean: [1 / 3, 1 / 3, 1 / 3], concentration: 3 });
  [
    [20, 17, 9],
    [18, 21, 8],
    [4, 6, 4],
    [18, 19, 11],
  ].forEach((batch, i) => {
    t.update(batch);
    assert.ok(Math.abs(t.logEvidence() - published[i]) < 1e-9, `batch ${i}: ${t.logEvidence()} vs ${published[i]}`);
  });
});

test('batch closed form equals the one-at-a-time product of posterior-predictive ratios (Pólya urn)', () => {
  const rng = createRandom(8);
  const theta0 = [0.1, 0.6, 0.3];
  const options = { concentration: 12, priorMean: [0.2, 0.5, 0.3] };
  const alpha = options.priorMean.map((m) => m * options.concentration);
  const t = createMultinomialTest(theta0, options);
  const seen = [0, 0, 0];
  let logProduct = 0;
  for (let batch = 0; batch < 25; batch++) {
    const counts = [0, 0, 0];
    const size = Math.floor(rng.uniform() * 30);
    for (let j = 0; j < size; j++) {
      const u = rng.uniform();
      const i = u < 0.15 ? 0 : u < 0.7 ? 1 : 2;
      // P(next = i | seen) under the Dirichlet mixture, divided by theta0_i
      const n = seen[0] + seen[1] + seen[2];
      logProduct += Math.log((alpha[i] + seen[i]) / (options.concentration + n)) - Math.log(theta0[i]);
      seen[i]++;
      counts[i]++;
    }
    t.update(counts);
    assert.ok(Math.abs(t.logEvidence() - logProduct) < 1e-9 * Math.max(1, Math.abs(logProduct)), `batch ${batch}`);
  }
  assert.equal(t.n, seen[0] + seen[1] + seen[2]);
});

test('martingale: exact null expectation is 1 for small n (summed over every outcome), and one step keeps it', () => {
  const theta0 = [0.5, 0.3, 0.2];
  const logFactorial = (n: number): number => (n <= 1 ? 0 : Math.log(n) + logFactorial(n - 1));
  for (let n = 0; n <= 7; n++) {
    let expectation = 0;
    for (let a = 0; a <= n; a++) {
      for (let b = 0; a + b <= n; b++) {
        const x = [a, b, n - a - b];
        const logPmf = logFactorial(n) + x.reduce((acc, xi, i) => acc - logFactorial(xi) + xi * Math.log(theta0[i]), 0);
        const t = createMultinomialTest(theta0, { concentration: 2.5 });
        t.update(x);
        expectation += Math.exp(logPmf) * t.evidence();
      }
    }
    assert.ok(Math.abs(expectation - 1) < 1e-12, `n=${n}: ${expectation}`);
  }
  fc.assert(
    fc.property(
      fc.array(fc.nat(500), { minLength: 3, maxLength: 3 }),
      fc.double({ min: 0.1, max: 5000, noNaN: true }),
      (x, concentration) => {
        const t = createMultinomialTest(theta0, { concentration });
        t.update(x);
        let next = 0;
        for (let i = 0; i < 3; i++) {
          const u = restoreMultinomialTest(t.snapshot());
          u.update(x.map((_, j) => (j === i ? 1 : 0)));
          next += theta0[i] * Math.exp(u.logEvidence() - t.logEvidence());
        }
        assert.ok(Math.abs(next - 1) < 1e-9, `${x} c=${concentration}: ${next}`);
      },
    ),
    { seed: 17, numRuns: 200 },
  );
});

test('SRM example: intended 50/50, observed 52/48 over 20,000 users is flagged; p-value never increases', (t) => {
  const fixed = createMultinomialTest([0.5, 0.5]);
  fixed.update([10_400, 9_600]);
  assert.ok(fixed.evidence() > 1e5, String(fixed.evidence()));

  const rng = createRandom(52);
  const srm = createMultinomialTest([0.5, 0.5]);
  let previous = 1;
  let flaggedAt: number | undefined;
  for (let batch = 1; batch <= 100; batch++) {
    const canary = rng.binomial(200, 0.52);
    srm.update([canary, 200 - canary]);
    assert.ok(srm.pValue() <= previous);
    previous = srm.pValue();
    if (flaggedAt === undefined && srm.pValue() <= ALPHA) flaggedAt = srm.n;
  }
  t.diagnostic(
    `52/48 split: p-value ≤ ${ALPHA} after ${flaggedAt} users; final evidence ${srm.evidence().toExponential(2)}, p ${srm.pValue().toExponential(2)}`,
  );
  assert.ok(flaggedAt !== undefined && srm.pValue() < 1e-3);
});

test(
  'A/A: the evidence rarely reaches 1/alpha when the split is the declared one (read after every batch)',
  inGroup('calibration'),
  (t) => {
    const runs = 1000;
    for (const theta0 of [
      [0.5, 0.5],
      [0.05, 0.95],
    ]) {
      const rng = createRandom(4242);
      let alarms = 0;
      for (let run = 0; run < runs; run++) {
        const srm = createMultinomialTest(theta0);
        for (let batch = 0; batch < 100; batch++) {
          const canary = rng.binomial(200, theta0[0]);
          srm.update([canary, 200 - canary]);
        }
        if (srm.pValue() <= ALPHA) alarms++;
      }
      t.diagnostic(
        `A/A SRM ${JSON.stringify(theta0)}: ever ≥ 1/alpha in ${alarms / runs} of ${runs} runs of 20,000 users (allowed ≤ ${(ALPHA + margin(ALPHA, runs)).toFixed(4)})`,
      );
      assert.ok(alarms / runs <= ALPHA + margin(ALPHA, runs));
    }
  },
);

test('snapshot: JSON round trip restores an identical test', () => {
  const a = createMultinomialTest([0.25, 0.25, 0.5], { concentration: 50 });
  a.update([3, 9, 11]);
  a.update([30, 2, 1]);
  const b = restoreMultinomialTest(JSON.parse(JSON.stringify(a.snapshot())));
  a.update([4, 4, 4]);
  b.update([4, 4, 4]);
  assert.equal(b.logEvidence(), a.logEvidence());
  assert.equal(b.pValue(), a.pValue());
  assert.deepEqual(b.snapshot(), a.snapshot());
  assert.ok(Math.abs(createMultinomialTest([0.5, 0.5]).evidence() - 1) < 1e-12);
});

test('invalid input throws StatsInputError', () => {
  assert.throws(() => createMultinomialTest([1]), StatsInputError);
  assert.throws(() => createMultinomialTest([0.5, 0.6]), StatsInputError);
  assert.throws(() => createMultinomialTest([0, 1]), StatsInputError);
  assert.throws(() => createMultinomialTest([0.5, 0.5], { concentration: 0 }), StatsInputError);
  assert.throws(() => createMultinomialTest([0.5, 0.5], { priorMean: [1 / 3, 1 / 3, 1 / 3] }), StatsInputError);
  assert.throws(() => createMultinomialTest([0.5, 0.5], { alpha: [1, 1] } as never), StatsInputError);
  const t = createMultinomialTest([0.5, 0.5]);
  assert.throws(() => t.update([1]), StatsInputError);
  assert.throws(() => t.update([1, -1]), StatsInputError);
  assert.throws(() => t.update([1, Number.NaN]), StatsInputError);
  assert.equal(t.n, 0);
  assert.throws(() => restoreMultinomialTest({ ...t.snapshot(), counts: [1] }), StatsInputError);
  assert.throws(() => restoreMultinomialTest({ ...t.snapshot(), version: 3 } as never), StatsInputError);
  assert.throws(() => restoreMultinomialTest({ ...t.snapshot(), maxLogEvidence: -1 }), StatsInputError);
});
