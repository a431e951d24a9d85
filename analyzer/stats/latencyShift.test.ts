import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLatencyShiftTest, restoreLatencyShiftTest, type LatencyShiftTest } from './latencyShift.ts';
import { StatsInputError } from './errors.ts';
import { quantileConfidenceSequence } from './quantileConfidenceSequence.ts';
import { createShiftFamily } from './shiftConfidenceSequence.ts';
import { createRandom, type Random } from './testing/random.ts';
import type { Alternative } from './anytime.ts';
import { inGroup } from '../../test/groups.ts';

const ALPHA = 0.05;
const ALTERNATIVES: Alternative[] = ['two-sided', 'greater', 'less'];
const TRAEFIK = [0.1, 0.3, 1.2, 5, Infinity];
/** margin for a simulated frequency: three binomial standard errors */
const margin = (p: number, runs: number): number => 3 * Math.sqrt((p * (1 - p)) / runs);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Workload {
  sigma: number;
  /** fraction of requests 10× slower (a slow dependency), 0 for none */
  heavy: number;
  /** multiplier of every latency in batch b, both cohorts (diurnal load) */
  drift: (batch: number) => number;
  /** canary latencies are `shift` × baseline's (every quantile ratio equals shift) */
  shift: number;
}

function latency(rng: Random, w: Workload, batch: number, canary: boolean): number {
  let v = 0.2 * w.drift(batch) * Math.exp(w.sigma * rng.normal());
  if (w.heavy > 0 && rng.uniform() < w.heavy) v *= 10;
  return canary ? v * w.shift : v;
}

function feedBatch(test: LatencyShiftTest, rng: Random, w: Workload, batch: number, nb: number, nc: number): void {
  for (let i = 0; i < nb; i++) test.observe('baseline', latency(rng, w, batch, false));
  for (let i = 0; i < nc; i++) test.observe('canary', latency(rng, w, batch, true));
  test.endBatch();
}

test(
  'A/A: evidence read after every batch ever reaches 1/alpha in at most alpha of runs',
  inGroup('calibration'),
  (t) => {
    const runs = 500;
    const batches = 60;
    const rng = createRandom(2024);
    const alarms: Record<Alternative, number> = { 'two-sided': 0, greater: 0, less: 0 };
    const kinds = { plain: 0, heavy: 0, drift: 0 };
    let maxEvidence = 0;
    for (let run = 0; run < runs; run++) {
      const heavy = run % 3 === 1;
      const drifting = run % 2 === 1; // a ×2.2 diurnal swing applied to both cohorts
      if (heavy) kinds.heavy++;
      if (drifting) kinds.drift++;
      if (!heavy && !drifting) kinds.plain++;
      const w: Workload = {
        sigma: 0.5 + 0.5 * rng.uniform(),
        heavy: heavy ? 0.05 : 0,
        drift: drifting ? (b) => Math.exp(0.8 * Math.sin((2 * Math.PI * b) / batches)) : () => 1,
        shift: 1,
      };
      const test = createLatencyShiftTest({ effectInterval: 'quantile' }); // evidence only: skip the shift family's cost
      const crossed = new Set<Alternative>();
      for (let b = 0; b < batches; b++) {
        const size = (): number => 50 + Math.floor(451 * rng.uniform());
        feedBatch(test, rng, w, b, size(), size());
        for (const alt of ALTERNATIVES) {
          const e = test.evidence(alt);
          maxEvidence = Math.max(maxEvidence, e);
          if (e >= 1 / ALPHA) crossed.add(alt);
        }
      }
      for (const alt of crossed) alarms[alt]++;
    }
    const allowed = ALPHA + margin(ALPHA, runs);
    const rates = Object.fromEntries(ALTERNATIVES.map((a) => [a, alarms[a] / runs]));
    t.diagnostic(
      `A/A ${runs} runs × ${batches} batches, 50–500 obs/cohort/batch, sigma 0.5–1 (${kinds.heavy} heavy-tailed, ${kinds.drift} with shared diurnal drift, ${kinds.plain} plain): ` +
        `ever ≥ 1/alpha in ${JSON.stringify(rates)} (allowed ≤ ${allowed.toFixed(4)}); largest e-value seen in any run ${maxEvidence.toFixed(2)} (Ville: P(ever ≥ x) ≤ 1/x per run and alternative)`,
    );
    for (const alt of ALTERNATIVES) assert.ok(alarms[alt] / runs <= allowed, `${alt}: ${alarms[alt] / runs}`);
  },
);

test(
  'effect: the relative-quantile confidence sequence covers the true ratio at every batch',
  inGroup('calibration'),
  (t) => {
    const runs = 100;
    for (const quantile of [0.5, 0.95]) {
      const rng = createRandom(quantile === 0.5 ? 31 : 32);
      let covered = 0;
      let widthSum = 0;
      for (let run = 0; run < runs; run++) {
        const w: Workload = { sigma: 0.8, heavy: run % 2 === 0 ? 0.05 : 0, drift: () => 1, shift: 1.25 };
        const test = createLatencyShiftTest({ quantile, effectInterval: 'quantile' });
        let ok = true;
        for (let b = 0; b < 30; b++) {
          feedBatch(test, rng, w, b, 200, 200);
          const e = test.effect(ALPHA);
          if (!(e.low <= 0.25 && 0.25 <= e.high)) ok = false;
          if (b === 29) widthSum += e.high - e.low;
        }
        if (ok) covered++;
      }
      const required = 1 - ALPHA - margin(ALPHA, runs);
      t.diagnostic(
        `effect CS for the p${quantile * 100} ratio (true +25%): covered at all 30 batches in ${covered}/${runs} runs (required ≥ ${required.toFixed(3)}); mean width after 6000 obs/cohort ${(widthSum / runs).toFixed(3)}`,
      );
      assert.ok(covered / runs >= required);
    }
  },
);

test(
  'effect: the shift-inverted confidence sequence covers the true shift at every batch and is much narrower',
  inGroup('calibration'),
  (t) => {
    // True multiplicative shift 1.10 (every quantile +10%); alpha 0.05; coverage must hold at all 30 looks.
    const runs = 100;
    const rng = createRandom(33);
    let covered = 0;
    let widthSum = 0;
    for (let run = 0; run < runs; run++) {
      const w: Workload = {
        sigma: 0.6,
        heavy: run % 2 === 0 ? 0.03 : 0,
        drift: (b) => 1 + 0.3 * Math.sin(b / 5),
        shift: 1.1,
      };
      const test = createLatencyShiftTest();
      let ok = true;
      for (let b = 0; b < 30; b++) {
        feedBatch(test, rng, w, b, 150, 150);
        const e = test.effect(ALPHA);
        if (!(e.low <= 0.1 && 0.1 <= e.high)) ok = false;
        if (b === 29) widthSum += e.high - e.low;
      }
      if (ok) covered++;
    }
    const required = 1 - 2 * ALPHA - margin(2 * ALPHA, runs); // each end one-sided at ALPHA;
    const width = widthSum / runs;
    t.diagnostic(
      `shift CS (true +10%): covered at all 30 batches in ${covered}/${runs} runs (required ≥ ${required.toFixed(3)}); mean width after 4500 obs/cohort ${width.toFixed(3)}`,
    );
    assert.ok(covered / runs >= required);
    assert.ok(width < 0.2, `shift CS width ${width}`);
  },
);

/** Batches until evidence('greater') first reaches 100 (alpha = 0.01), per run. */
function batchesToDetect(seed: number, runs: number, w: Workload, perBatch: number, edges?: number[]): number[] {
  const rng = createRandom(seed);
  const out: number[] = [];
  for (let run = 0; run < runs; run++) {
    const test = createLatencyShiftTest(edges ? { edges } : { effectInterval: 'quantile' });
    let hit = Infinity;
    for (let b = 1; b <= 120 && hit === Infinity; b++) {
      const [nb, nc] = [perBatch, perBatch];
      feedBatch(test, rng, w, b, nb, nc);
      if (test.evidence('greater') >= 100) hit = b;
    }
    out.push(hit);
  }
  return out;
}

test('power: regressions are caught within a few batches (evidence ≥ 100, alpha = 0.01)', (t) => {
  const flat = (sigma: number, shift: number): Workload => ({ sigma, heavy: 0, drift: () => 1, shift });
  const rows: [string, number[], number][] = [
    ['+10%, sigma 0.5, 200 obs/cohort/batch, log buckets', batchesToDetect(41, 100, flat(0.5, 1.1), 200), 8],
    ['+10%, sigma 1.0, 200 obs/cohort/batch, log buckets', batchesToDetect(42, 60, flat(1, 1.1), 200), 25],
    ['+25%, sigma 0.8, 200 obs/cohort/batch, log buckets', batchesToDetect(43, 100, flat(0.8, 1.25), 200), 4],
    [
      '+25%, sigma 0.8, 200 obs/cohort/batch, Traefik 0.1/0.3/1.2/5/+Inf',
      batchesToDetect(43, 100, { ...flat(0.8, 1.25) }, 200, TRAEFIK),
      6,
    ],
    [
      '+10%, sigma 0.8, 200 obs/cohort/batch, Traefik 0.1/0.3/1.2/5/+Inf',
      batchesToDetect(44, 60, flat(0.8, 1.1), 200, TRAEFIK),
      40,
    ],
    ['×1.5, sigma 0.5, 200 obs/cohort/batch, log buckets', batchesToDetect(45, 100, flat(0.5, 1.5), 200), 1],
    [
      '+25%, sigma 0.8, 5% 10× tail, 200 obs/cohort/batch, log buckets',
      batchesToDetect(46, 100, { sigma: 0.8, heavy: 0.05, drift: () => 1, shift: 1.25 }, 200),
      4,
    ],
  ];
  for (const [name, times, bound] of rows) {
    const sorted = [...times].sort((a, b) => a - b);
    const p90 = sorted[Math.floor(0.9 * sorted.length)];
    t.diagnostic(`${name}: median ${median(times)} batches, 90th percentile ${p90} (${times.length} runs)`);
    assert.ok(median(times) <= bound, `${name}: median ${median(times)} > ${bound}`);
  }
});

test('observeBuckets with Prometheus-style edges: differenced cumulative counters equal raw observations', () => {
  const rng = createRandom(51);
  const fromRaw = createLatencyShiftTest({ edges: TRAEFIK });
  const fromHistogram = createLatencyShiftTest({ edges: TRAEFIK });
  const cumulative = { baseline: [0, 0, 0, 0, 0], canary: [0, 0, 0, 0, 0] }; // Prometheus le counters
  const w: Workload = { sigma: 0.8, heavy: 0, drift: () => 1, shift: 1.3 };
  for (let b = 0; b < 20; b++) {
    for (const cohort of ['baseline', 'canary'] as const) {
      const before = [...cumulative[cohort]];
      for (let i = 0; i < 150; i++) {
        const v = latency(rng, w, b, cohort === 'canary');
        fromRaw.observe(cohort, v);
        TRAEFIK.forEach((le, k) => v <= le && cumulative[cohort][k]++);
      }
      // the collector differences the scraped cumulative buckets, then de-cumulates across le
      const delta = cumulative[cohort].map((c, k) => c - before[k]);
      fromHistogram.observeBuckets(
        cohort,
        delta.map((d, k) => (k === 0 ? d : d - delta[k - 1])),
      );
    }
    fromRaw.endBatch();
    fromHistogram.endBatch();
    assert.equal(fromHistogram.evidence('greater'), fromRaw.evidence('greater'));
  }
  assert.ok(
    fromHistogram.evidence('greater') >= 1 / ALPHA,
    `+30% after 20 batches: ${fromHistogram.evidence('greater')}`,
  );
  assert.deepEqual(fromHistogram.effect(ALPHA), fromRaw.effect(ALPHA));
  assert.deepEqual(fromHistogram.n, { baseline: 3000, canary: 3000 });
});

test('snapshot → JSON → restore continues identically; the state stays small after 1e6 observations', (t) => {
  const rng = createRandom(61);
  const w: Workload = { sigma: 1, heavy: 0.05, drift: (b) => 1 + b / 50, shift: 1.05 };
  const original = createLatencyShiftTest({ quantile: 0.95 });
  for (let b = 0; b < 25; b++) feedBatch(original, rng, w, b, 300, 100);
  original.observe('baseline', 0.3); // an open batch travels with the snapshot
  original.observe('canary', 0.4);
  const restored = restoreLatencyShiftTest(JSON.parse(JSON.stringify(original.snapshot())));
  assert.deepEqual(restored.snapshot(), original.snapshot());
  for (const alt of ALTERNATIVES) assert.equal(restored.evidence(alt), original.evidence(alt));
  const seedA = createRandom(62);
  const seedB = createRandom(62);
  for (let b = 25; b < 35; b++) {
    feedBatch(original, seedA, w, b, 300, 100);
    feedBatch(restored, seedB, w, b, 300, 100);
  }
  for (const alt of ALTERNATIVES) assert.equal(restored.evidence(alt), original.evidence(alt));
  assert.deepEqual(restored.effect(ALPHA), original.effect(ALPHA));
  assert.deepEqual(restored.n, original.n);
  const traefik = createLatencyShiftTest({ edges: TRAEFIK });
  feedBatch(traefik, rng, w, 0, 100, 100);
  assert.deepEqual(
    restoreLatencyShiftTest(JSON.parse(JSON.stringify(traefik.snapshot()))).snapshot(),
    traefik.snapshot(),
  );

  const big = createLatencyShiftTest();
  const wide: Workload = { sigma: 1.5, heavy: 0.05, drift: (b) => Math.exp(Math.sin(b / 5)), shift: 1.1 };
  for (let b = 0; b < 100; b++) feedBatch(big, rng, wide, b, 5000, 5000);
  big.observe('canary', 12); // plus an open batch
  const size = JSON.stringify(big.snapshot()).length;
  t.diagnostic(
    `JSON state after ${big.n.baseline + big.n.canary} observations (sigma 1.5, drifting, heavy tail): ${size} characters`,
  );
  assert.equal(big.n.baseline + big.n.canary, 1_000_000);
  assert.ok(size < 16_384, `${size} characters`);
});

test('one by one or in one observeBuckets call within a batch: identical results', () => {
  const rng = createRandom(71);
  const one = createLatencyShiftTest();
  const bulk = createLatencyShiftTest();
  const w: Workload = { sigma: 0.7, heavy: 0.02, drift: () => 1, shift: 1.1 };
  for (let b = 0; b < 8; b++) {
    for (const cohort of ['baseline', 'canary'] as const) {
      const counts = new Array<number>(bulk.buckets.count).fill(0);
      for (let i = 0; i < 250; i++) {
        const v = latency(rng, w, b, cohort === 'canary');
        one.observe(cohort, v);
        counts[bulk.buckets.bucketIndex(v)]++;
      }
      bulk.observeBuckets(cohort, counts);
    }
    one.endBatch();
    bulk.endBatch();
  }
  assert.deepEqual(bulk.snapshot(), one.snapshot());
  for (const alt of ALTERNATIVES) assert.equal(bulk.evidence(alt), one.evidence(alt));
  assert.deepEqual(bulk.effect(ALPHA), one.effect(ALPHA));
});

test('contract details: closed batches only, no data no evidence, SLO quantile, bad input throws', () => {
  const test = createLatencyShiftTest();
  assert.equal(test.evidence('two-sided'), 1);
  assert.throws(() => test.effect(ALPHA), StatsInputError);
  assert.throws(() => test.quantile('canary', 0.95, ALPHA), StatsInputError);
  test.observe('baseline', 0.2);
  test.observe('canary', 0.25);
  assert.deepEqual(test.n, { baseline: 0, canary: 0 }, 'the open batch is not counted yet');
  test.endBatch();
  assert.deepEqual(test.n, { baseline: 1, canary: 1 });
  // one pair: the canary above the baseline has null probability 1/2, so 1 < e ≤ 2
  const e1 = test.evidence('greater');
  assert.ok(e1 > 1 && e1 <= 2, `${e1}`);
  // an empty batch changes nothing: its start weight only moves from the starts still to come to
  // the started part of the mixture (equal in exact arithmetic; the sums may round an ulp apart)
  test.endBatch();
  const e2 = test.evidence('greater');
  assert.ok(Math.abs(e2 - e1) <= 4 * Number.EPSILON * e1, `${e2} vs ${e1}`);
  const q = test.quantile('canary', 0.95, ALPHA);
  assert.ok(q.low <= 0.25 && 0.25 <= q.high);
  assert.throws(() => test.observe('baseline', -1), StatsInputError);
  assert.throws(() => test.observe('baseline', NaN), StatsInputError);
  assert.throws(() => test.observe('other' as never, 1), StatsInputError);
  assert.throws(() => test.observeBuckets('canary', [1, 2, 3]), StatsInputError);
  assert.throws(() => test.observeBuckets('canary', new Array<number>(707).fill(0.5)), StatsInputError);
  assert.throws(() => test.evidence('bigger' as never), StatsInputError);
  assert.throws(() => test.effect(0), StatsInputError);
  assert.throws(() => createLatencyShiftTest({ quantile: 1 }), StatsInputError);
  assert.throws(() => createLatencyShiftTest({ edges: [0.1, 0.3] }), StatsInputError);
  assert.throws(() => createLatencyShiftTest({ quantlie: 0.9 } as never), StatsInputError);
  const good = test.snapshot();
  const broken = [
    { ...good, version: 2 },
    { ...good, layout: { kind: 'weird' } },
    { ...good, logE: { greater: [1], less: [] } },
    { ...good, counts: { baseline: [1.5], canary: [] } },
    { ...good, counts: { baseline: [-800, 1], canary: [] } },
  ];
  for (const s of broken) assert.throws(() => restoreLatencyShiftTest(s as never), StatsInputError);
});

test('band storage: quantiles read on the occupied band equal those of the full layout', () => {
  const rng = createRandom(21);
  const test = createLatencyShiftTest({ anchor: 1.1 });
  const full = new Float64Array(test.buckets.count);
  for (let i = 0; i < 3000; i++) {
    const v = 0.2 * Math.exp(0.7 * rng.normal());
    test.observe('baseline', v);
    full[test.buckets.bucketIndex(v)]++;
  }
  test.observe('canary', 0.2);
  test.endBatch();
  const cdf = new Float64Array(full.length);
  for (let k = 0, acc = 0; k < full.length; k++) cdf[k] = acc += full[k];
  for (const p of [0.05, 0.25, 0.5, 0.75, 0.95, 0.999]) {
    const whole = quantileConfidenceSequence(cdf, test.buckets.edges, { p, alpha: 0.01 });
    assert.deepEqual(test.quantile('baseline', p, 0.01), whole, `p = ${p}`);
    assert.equal(test.quantileEstimate('baseline', p), whole.estimate, `estimate, p = ${p}`);
  }
  // bands that start at the layout's first bucket (a value of 0) or hold a single bucket
  for (const values of [[0, 0.2, 0.2, 0.5, 3], [0.2], [0, 0], [1e-9, 7200, 0.3]]) {
    const one = createLatencyShiftTest({ anchor: 1.1 });
    const counts = new Float64Array(one.buckets.count);
    for (const v of values) {
      one.observe('canary', v);
      counts[one.buckets.bucketIndex(v)]++;
    }
    one.observe('baseline', 1);
    one.endBatch();
    const cumulative = new Float64Array(counts.length);
    for (let k = 0, acc = 0; k < counts.length; k++) cumulative[k] = acc += counts[k];
    for (const p of [0.01, 0.25, 0.5, 0.95, 0.999]) {
      const want = quantileConfidenceSequence(cumulative, one.buckets.edges, { p, alpha: 0.01 }).estimate;
      assert.ok(Object.is(one.quantileEstimate('canary', p), want), `${values}: p = ${p}`);
    }
  }
});

test('the shift family inside the test holds the same rows as one fed the same batches on its own', () => {
  for (const [harm, sides] of [
    [undefined, 'both'],
    ['either', 'both'],
    ['increase', 'up'],
    ['decrease', 'down'],
  ] as const) {
    const rng = createRandom(77);
    const test = createLatencyShiftTest({ anchor: 1.2, ...(harm ? { harm } : {}) });
    const layout = test.buckets;
    const anchorSteps = test.snapshot().shift!.anchorSteps;
    const ratio = layout.spec.kind === 'log' ? layout.spec.ratio : NaN;
    const family = createShiftFamily(ratio, undefined, anchorSteps, sides);
    feedBoth(test, family, rng);
    // and a restored test goes on betting the same rows exactly
    const restored = restoreLatencyShiftTest(JSON.parse(JSON.stringify(test.snapshot())));
    assert.deepEqual(restored.snapshot(), test.snapshot());
    assert.equal(restored.snapshot().shift!.exactAnchors, sides === 'both' ? undefined : sides);
  }
  assert.throws(() => createLatencyShiftTest({ anchor: 1.2, harm: 'sideways' as 'either' }), StatsInputError);
});

function feedBoth(test: LatencyShiftTest, family: ReturnType<typeof createShiftFamily>, rng: Random): void {
  const layout = test.buckets;
  for (let t = 0; t < 8; t++) {
    const b = new Float64Array(layout.count);
    const c = new Float64Array(layout.count);
    for (let i = 0; i < 40; i++) {
      const vb = 0.2 * Math.exp(0.3 * rng.normal());
      const vc = 0.2 * 1.1 * Math.exp(0.3 * rng.normal());
      test.observe('baseline', vb);
      test.observe('canary', vc);
      b[layout.bucketIndex(vb)]++;
      c[layout.bucketIndex(vc)]++;
    }
    test.endBatch();
    family.update(b, c, t);
    assert.deepEqual(test.snapshot().shift, family.snapshot(), `batch ${t}`);
  }
}
