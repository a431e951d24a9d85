import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import binomialPmf from '@stdlib/stats-base-dists-binomial-pmf';
import hypergeometricPmf from '@stdlib/stats-base-dists-hypergeometric-pmf';
import { createRateRatioTest, restoreRateRatioTest, type RateRatioTest } from './rateRatio.ts';
import { StatsInputError } from './errors.ts';
import { createRandom, type Random } from './testing/random.ts';
import type { Alternative } from './anytime.ts';
import { inGroup } from '../../test/groups.ts';

const ALPHA = 0.05;
const ALTERNATIVES: Alternative[] = ['two-sided', 'greater', 'less'];
/** shares shift 5% → 25% → 50% a third of the way through, as a canary rollout does */
const shareAt = (batch: number): number => (batch < 20 ? 0.05 : batch < 40 ? 0.25 : 0.5);
/** margin for a simulated frequency: three binomial standard errors */
const margin = (p: number, runs: number): number => 3 * Math.sqrt((p * (1 - p)) / runs);

interface Scenario {
  runs: number;
  batches: number;
  rho: number;
  /** events per batch per unit of traffic (the base rate; may move with time) */
  rate: (batch: number) => number;
}

/** Feed Poisson counts batch by batch; `visit` reads the test after every batch. */
function simulate(rng: Random, scenario: Scenario, visit: (t: RateRatioTest, batch: number) => void): void {
  const t = createRateRatioTest();
  for (let i = 0; i < scenario.batches; i++) {
    const s = shareAt(i);
    const r = scenario.rate(i);
    t.update(rng.poisson(r * s * scenario.rho), rng.poisson(r * (1 - s)), s);
    visit(t, i);
  }
}

function falseAlarmRates(seed: number, scenario: Scenario): Record<Alternative, number> {
  const rng = createRandom(seed);
  const alarms: Record<Alternative, number> = { 'two-sided': 0, greater: 0, less: 0 };
  for (let run = 0; run < scenario.runs; run++) {
    const crossed = new Set<Alternative>();
    simulate(rng, scenario, (t) => {
      for (const alt of ALTERNATIVES) if (t.evidence(alt) >= 1 / ALPHA) crossed.add(alt);
    });
    for (const alt of crossed) alarms[alt]++;
  }
  return {
    'two-sided': alarms['two-sided'] / scenario.runs,
    greater: alarms.greater / scenario.runs,
    less: alarms.less / scenario.runs,
  };
}

test(
  'A/A: the evidence ever reaches 1/alpha in at most alpha of runs, read after every batch',
  inGroup('calibration'),
  (t) => {
    const runs = 1500;
    const scenarios: [string, Scenario][] = [
      ['steady 200 events/batch', { runs, batches: 60, rho: 1, rate: () => 200 }],
      // low counts and a base rate that swings with time: the conditioning on the batch total removes it
      ['2..20 events/batch, time-varying', { runs, batches: 60, rho: 1, rate: (i) => 11 + 9 * Math.sin(i / 4) }],
    ];
    for (const [name, scenario] of scenarios) {
      const rates = falseAlarmRates(20240601, scenario);
      t.diagnostic(
        `A/A ${name}: ever ≥ 1/alpha in ${JSON.stringify(rates)} of ${runs} runs (alpha ${ALPHA}, allowed ≤ ${(ALPHA + margin(ALPHA, runs)).toFixed(4)})`,
      );
      for (const alt of ALTERNATIVES)
        assert.ok(rates[alt] <= ALPHA + margin(ALPHA, runs), `${name} ${alt}: ${rates[alt]}`);
    }
  },
);

test(
  'coverage: the confidence sequence holds the true rate ratio 1.3 at every batch in ≥ 1 − alpha of runs',
  inGroup('calibration'),
  (t) => {
    const runs = 1500;
    const rho = 1.3;
    for (const [name, rate] of [
      ['200 events/batch', () => 200],
      ['5 events/batch', () => 5],
    ] as const) {
      const rng = createRandom(777);
      let covered = 0;
      let widthSum = 0;
      for (let run = 0; run < runs; run++) {
        let always = true;
        simulate(rng, { runs, batches: 60, rho, rate }, (test, batch) => {
          const { low, high } = test.effect(ALPHA);
          // each end is a one-sided bound at ALPHA, so the interval as a whole is a (1 − 2·ALPHA) sequence
          if (!(low <= rho - 1 && rho - 1 <= high)) always = false;
          if (batch === 59) widthSum += high - low;
        });
        if (always) covered++;
      }
      const coverage = covered / runs;
      t.diagnostic(
        `coverage ${name}: ${coverage.toFixed(4)} of ${runs} runs covered rho=${rho} at all 60 batches (required ≥ ${(1 - 2 * ALPHA - margin(2 * ALPHA, runs)).toFixed(4)}); mean final width ${(widthSum / runs).toFixed(3)}`,
      );
      assert.ok(coverage >= 1 - 2 * ALPHA - margin(2 * ALPHA, runs), `${name}: ${coverage}`);
    }
  },
);

test('power: a 50% higher canary rate is detected, one-sided in the right direction only', () => {
  const rng = createRandom(99);
  let last: RateRatioTest | undefined;
  simulate(rng, { runs: 1, batches: 60, rho: 1.5, rate: () => 200 }, (test) => (last = test));
  assert.ok(last!.evidence('greater') > 1 / ALPHA, `greater: ${last!.evidence('greater')}`);
  assert.ok(last!.evidence('two-sided') > 1 / ALPHA);
  assert.ok(last!.evidence('less') < 1);
  const { estimate, low, high } = last!.effect(ALPHA);
  assert.ok(low > 0.2 && high < 0.9 && Math.abs(estimate - 0.5) < 0.1, JSON.stringify(last!.effect(ALPHA)));
});

test('exact: one batch of conditional binomial data has expected evidence equal to the evidence before it', () => {
  // E[E_{t+1} | past] = E_t is the martingale property behind Ville's inequality; summed over every outcome
  const before = createRateRatioTest({ priorSd: 0.7 });
  before.update(3, 9, 0.3);
  for (const [total, share] of [
    [1, 0.05],
    [7, 0.25],
    [25, 0.5],
    [40, 0.9],
  ]) {
    for (const alt of ALTERNATIVES) {
      let expected = 0;
      for (let x = 0; x <= total; x++) {
        const after = restoreRateRatioTest(before.snapshot());
        after.update(x, total - x, share);
        expected += binomialPmf(x, total, share) * after.evidence(alt);
      }
      assert.ok(
        Math.abs(expected / before.evidence(alt) - 1) < 1e-12,
        `${alt} N=${total} s=${share}: ${expected} vs ${before.evidence(alt)}`,
      );
    }
  }
});

test('ratio metrics: under hypergeometric (binomial-sampling) nulls the expected evidence is ≤ 1 (Hoeffding 1963, Thm 4)', () => {
  // canary served nc requests, baseline nb; N bad requests fall uniformly among all of them
  for (const [nc, nb, bad] of [
    [5, 15, 6],
    [30, 30, 20],
    [10, 200, 60],
    [400, 100, 120],
  ]) {
    const share = nc / (nc + nb);
    for (const alt of ALTERNATIVES) {
      let expected = 0;
      for (let x = Math.max(0, bad - nb); x <= Math.min(bad, nc); x++) {
        const t = createRateRatioTest();
        t.update(x, bad - x, share);
        expected += hypergeometricPmf(x, nc + nb, nc, bad) * t.evidence(alt);
      }
      assert.ok(expected <= 1 + 1e-12, `${alt} nc=${nc} nb=${nb} bad=${bad}: ${expected}`);
    }
  }
});

test('invariants: constant-share batches aggregate exactly; batch order does not matter; varying shares do not aggregate', () => {
  const rng = createRandom(5);
  const batches = Array.from({ length: 40 }, () => [rng.poisson(30), rng.poisson(70)]);
  const many = createRateRatioTest();
  for (const [c, b] of batches) many.update(c, b, 0.3);
  const one = createRateRatioTest();
  one.update(
    batches.reduce((a, [c]) => a + c, 0),
    batches.reduce((a, [, b]) => a + b, 0),
    0.3,
  );
  const shuffled = createRateRatioTest();
  for (const [c, b] of [...batches].reverse()) shuffled.update(c, b, 0.3);
  for (const alt of ALTERNATIVES) {
    // with a fixed share the batch log-LR is linear in (xc, N): sums are sufficient
    assert.ok(Math.abs(one.logEvidence(alt) - many.logEvidence(alt)) < 1e-9, alt);
    assert.ok(Math.abs(shuffled.logEvidence(alt) - many.logEvidence(alt)) < 1e-9, alt);
  }
  assert.deepEqual(one.n, many.n);
  // shares 0.1 then 0.5: pooling the counts with the average share is a different (wrong) model
  const varying = createRateRatioTest();
  varying.update(10, 90, 0.1);
  varying.update(50, 50, 0.5);
  const pooled = createRateRatioTest();
  pooled.update(60, 140, 0.3);
  assert.ok(Math.abs(varying.logEvidence('two-sided') - pooled.logEvidence('two-sided')) > 0.05);
});

test('snapshot: a JSON round trip restores an identical test, and state stays bounded after 1e5 huge batches', (t) => {
  const rng = createRandom(11);
  const a = createRateRatioTest({ priorSd: 0.8 });
  for (let i = 0; i < 30; i++) a.update(rng.poisson(40), rng.poisson(60), 0.4);
  const b = restoreRateRatioTest(JSON.parse(JSON.stringify(a.snapshot())));
  for (let i = 0; i < 30; i++) {
    const [c, d, s] = [rng.poisson(20), rng.poisson(80), 0.2];
    a.update(c, d, s);
    b.update(c, d, s);
  }
  for (const alt of ALTERNATIVES) assert.equal(b.evidence(alt), a.evidence(alt));
  assert.deepEqual(b.effect(0.01), a.effect(0.01));
  assert.deepEqual(b.snapshot(), a.snapshot());

  const big = createRateRatioTest();
  const started = performance.now();
  for (let i = 0; i < 1e5; i++) big.update(250_000_000 + (i % 1000), 750_000_000, 0.25);
  const micros = ((performance.now() - started) * 1000) / 1e5;
  const size = JSON.stringify(big.snapshot()).length;
  t.diagnostic(
    `1e5 updates of ~1e9 events: ${micros.toFixed(2)} µs/update, snapshot ${size} bytes, effect ${JSON.stringify(big.effect(ALPHA))}`,
  );
  assert.ok(size < 16 * 1024, `snapshot is ${size} bytes`);
  for (const alt of ALTERNATIVES) assert.ok(Number.isFinite(big.logEvidence(alt)), alt);
  const { estimate, low, high } = big.effect(ALPHA);
  assert.ok(
    low < 0.001 && high > 0.001 && high - low < 0.011 && Math.abs(estimate) < 0.005,
    JSON.stringify(big.effect(ALPHA)),
  );
  assert.equal(big.n.canary, 1e5 * 250_000_000 + (1e2 * (999 * 1000)) / 2);
});

test('edges: no data, empty batches, all events on one side', () => {
  const t = createRateRatioTest();
  for (const alt of ALTERNATIVES) assert.ok(Math.abs(t.evidence(alt) - 1) < 1e-12);
  assert.deepEqual(t.effect(ALPHA), { estimate: 0, low: -1, high: Infinity });
  t.update(0, 0, 0.5);
  assert.equal(t.snapshot().batches, 1);
  assert.ok(Math.abs(t.evidence('two-sided') - 1) < 1e-12);
  t.update(0, 50, 0.5);
  assert.equal(t.effect(ALPHA).low, -1);
  assert.ok(t.effect(ALPHA).high < 0);
  assert.ok(t.evidence('less') > 1 / ALPHA && t.evidence('greater') < 1);
  const u = createRateRatioTest();
  u.update(50, 0, 0.5);
  assert.equal(u.effect(ALPHA).high, Infinity);
  assert.ok(u.effect(ALPHA).low > 0);
});

test('duality: one-sided evidence ≥ 1/alpha exactly when that end of the interval excludes "no change"; estimate inside; nested in alpha', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(300), fc.nat(300), fc.double({ min: 0.01, max: 0.99, noNaN: true })), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.double({ min: 0.001, max: 0.5, noNaN: true }),
      (batches, alpha) => {
        const t = createRateRatioTest();
        for (const [c, b, s] of batches) t.update(c, b, s);
        const wide = t.effect(alpha / 2);
        const cs = t.effect(alpha);
        assert.ok(cs.low <= cs.estimate && cs.estimate <= cs.high);
        assert.ok(wide.low <= cs.low && cs.high <= wide.high);
        // each end is the one-sided bound at alpha: the 'greater' mixture is the test of ρ = 1 from below
        assert.equal(t.evidence('greater') >= 1 / alpha, cs.low >= 0, JSON.stringify({ cs, g: t.evidence('greater') }));
        assert.equal(t.evidence('less') >= 1 / alpha, cs.high <= 0, JSON.stringify({ cs, l: t.evidence('less') }));
        const [g, l, two] = [t.evidence('greater'), t.evidence('less'), t.evidence('two-sided')];
        // the two-sided mixture is a weighted average of the halves and of the ρ = 1 point (value 1)
        assert.ok(two <= Math.max(g, l, 1) * (1 + 1e-12) && two >= Math.min(g, l, 1) * (1 - 1e-12));
      },
    ),
    { seed: 42, numRuns: 300 },
  );
});

test('invalid input throws StatsInputError', () => {
  const t = createRateRatioTest();
  assert.throws(() => t.update(-1, 3, 0.5), StatsInputError);
  assert.throws(() => t.update(1, Number.NaN, 0.5), StatsInputError);
  assert.throws(() => t.update(1, Infinity, 0.5), StatsInputError);
  assert.throws(() => t.update(1, 3, 0), StatsInputError);
  assert.throws(() => t.update(1, 3, 1), StatsInputError);
  assert.throws(() => t.update(1, 3, Number.NaN), StatsInputError);
  assert.throws(() => t.effect(0), StatsInputError);
  assert.throws(() => t.effect(1), StatsInputError);
  assert.throws(() => t.evidence('bigger' as Alternative), StatsInputError);
  assert.throws(() => createRateRatioTest({ priorSd: 0 }), StatsInputError);
  assert.throws(() => createRateRatioTest({ priorSD: 1 } as never), StatsInputError);
  const good = t.snapshot();
  assert.throws(() => restoreRateRatioTest({ ...good, version: 2 } as never), StatsInputError);
  assert.throws(() => restoreRateRatioTest({ ...good, logLikelihood: good.logLikelihood.slice(1) }), StatsInputError);
  assert.throws(
    () => restoreRateRatioTest({ ...good, logLikelihood: good.logLikelihood.map(() => Number.NaN) }),
    StatsInputError,
  );
  assert.throws(() => restoreRateRatioTest(null as never), StatsInputError);
  assert.equal(t.snapshot().batches, 0, 'a rejected update leaves the state alone');
});
