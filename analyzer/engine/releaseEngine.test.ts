import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateScenario, createRng } from '../../simulator/index.ts';
import type { AnalysisSpec, Sample } from '../types.ts';
import { ReleaseEngine } from './releaseEngine.ts';
import { replaySamples } from './replay.ts';
import { inGroup } from '../../test/groups.ts';

const MINUTE = 60_000;
const options = { mode: 'sequential', intervalMs: MINUTE } as const;

test('within an interval the order of samples does not matter: shuffled minutes give the same verdicts', () => {
  const scenario = generateScenario({
    seed: 5,
    regression: 'checkout-latency-x1.25',
    onsetMinutes: 10,
    checkoutPerMinute: 150,
  });
  const start = scenario.spec.release.startedAt;
  const rng = createRng(99, 'shuffle');
  const byMinute = new Map<number, Sample[]>();
  for (const s of scenario.samples) {
    const m = Math.floor((s.ts - start) / MINUTE);
    byMinute.set(m, [...(byMinute.get(m) ?? []), s]);
  }
  const shuffled: Sample[] = [];
  for (const [, minute] of [...byMinute].sort((a, b) => a[0] - b[0])) {
    for (let i = minute.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [minute[i], minute[j]] = [minute[j], minute[i]];
    }
    shuffled.push(...minute);
  }
  const a = replaySamples(scenario.spec, scenario.samples, options);
  const b = replaySamples(scenario.spec, shuffled, options);
  assert.deepEqual(b.timeline, a.timeline);
  assert.deepEqual(b.verdict, a.verdict);
  assert.equal(a.verdict.decision, 'rollback');
});

test('a checkpoint taken mid-release, through JSON, continues with exactly the verdicts of an uninterrupted engine', () => {
  const scenario = generateScenario({
    seed: 8,
    regression: 'error-ratio-x3',
    onsetMinutes: 20,
    checkoutPerMinute: 100,
  });
  const start = scenario.spec.release.startedAt;
  const run = (checkpointAt: number | undefined) => {
    let engine = new ReleaseEngine(scenario.spec, options);
    const verdicts: string[] = [];
    let restored = false;
    for (const s of scenario.samples) {
      if (checkpointAt !== undefined && !restored && s.ts >= checkpointAt) {
        const json = JSON.stringify(engine.snapshot());
        engine = ReleaseEngine.restore(scenario.spec, options, JSON.parse(json));
        restored = true;
      }
      for (const v of engine.advanceTo(s.ts)) verdicts.push(JSON.stringify(v));
      engine.ingest(s);
    }
    verdicts.push(JSON.stringify(engine.flush()));
    return verdicts;
  };
  const uninterrupted = run(undefined);
  // mid-interval checkpoint (open batch state must survive) and one on a boundary
  assert.deepEqual(run(start + 17 * MINUTE + 31_000), uninterrupted);
  assert.deepEqual(run(start + 12 * MINUTE), uninterrupted);
  assert.ok(uninterrupted.some((v) => v.includes('"decision":"rollback"')));
});

test('engine state stays bounded: 16 KB per (metric, cohort) however many samples arrived', () => {
  const sizes: number[] = [];
  for (const checkoutPerMinute of [50, 2000]) {
    const scenario = generateScenario({ seed: 3, checkoutPerMinute, durationMinutes: 30 });
    const engine = new ReleaseEngine(scenario.spec, options);
    for (const s of scenario.samples) {
      engine.advanceTo(s.ts);
      engine.ingest(s);
    }
    const perJudge = engine.snapshot().judges.map((j) => Buffer.byteLength(JSON.stringify(j)));
    for (const bytes of perJudge) assert.ok(bytes / 2 <= 16 * 1024, `${bytes} bytes for one metric`);
    sizes.push(Math.max(...perJudge));
  }
  // 40× the samples, barely more state (the histograms fill more buckets, nothing grows per sample)
  assert.ok(sizes[1] < 1.6 * sizes[0], JSON.stringify(sizes));
});

/** Traefik's default buckets as Prometheus exposes them (non-cumulative increments per minute here). */
const TRAEFIK = [0.1, 0.3, 1.2, 5];

function histogramSpec(): AnalysisSpec {
  return {
    release: {
      id: 'hist',
      service: 'odoo',
      version: '2',
      environment: 'prod',
      strategy: 'canary',
      class: 'standard',
      startedAt: 0,
      canaryWeight: 0.5,
    },
    metrics: [
      {
        name: 'traefik_service_request_duration_seconds',
        group: 'ingress',
        kind: 'latency',
        harm: 'increase',
        tolerance: 0.1,
        critical: true,
        histogram: true,
        buckets: TRAEFIK,
      },
    ],
    policy: { observeMs: 30 * MINUTE },
  };
}

function histogramSamples(seed: number, factor: number): Sample[] {
  const rng = createRng(seed, 'histogram');
  const out: Sample[] = [];
  for (let m = 0; m < 30; m++) {
    for (const cohort of ['baseline', 'canary'] as const) {
      const counts = [0, 0, 0, 0, 0];
      for (let i = 0; i < 300; i++) {
        const v = 0.3 * (cohort === 'canary' ? factor : 1) * Math.exp(0.7 * rng.normal());
        const k = TRAEFIK.findIndex((edge) => v <= edge);
        counts[k === -1 ? 4 : k]++;
      }
      counts.forEach((value, k) =>
        out.push({
          ts: m * MINUTE + 59_000,
          metric: 'traefik_service_request_duration_seconds',
          cohort,
          value,
          labels: { le: k === 4 ? '+Inf' : String(TRAEFIK[k]) },
        }),
      );
    }
  }
  return out;
}

test("histogram input on Traefik's coarse default buckets: +50% is rolled back, A/A is not", () => {
  const regression = replaySamples(histogramSpec(), histogramSamples(1, 1.5), options);
  assert.equal(regression.verdict.decision, 'rollback', regression.verdict.reasons.join('; '));
  for (let seed = 2; seed <= 6; seed++) {
    const aa = replaySamples(histogramSpec(), histogramSamples(seed, 1), options);
    assert.ok(!aa.timeline.some((e) => e.decision === 'rollback'), `seed ${seed}`);
  }
});

test('histogram samples with an unknown le are counted as invalid, not guessed into a bucket', () => {
  const samples = histogramSamples(1, 1).map((s) => (s.labels?.le === '0.3' ? { ...s, labels: { le: '0.25' } } : s));
  const { verdict } = replaySamples(histogramSpec(), samples, options);
  assert.match(verdict.metrics[0].reason, /invalid input/);
});

test('bad values are never used: NaN (remove), negative and infinite latencies are counted and skipped', () => {
  const scenario = generateScenario({ seed: 2, checkoutPerMinute: 60, durationMinutes: 20 });
  const spoiled = scenario.samples.map((s, i) =>
    s.metric === 'checkout_latency_seconds' && i % 50 === 0
      ? { ...s, value: [Number.NaN, -1, Number.POSITIVE_INFINITY][i % 3] }
      : s,
  );
  const { verdict } = replaySamples(
    { ...scenario.spec, policy: { ...scenario.spec.policy, observeMs: 20 * MINUTE } },
    spoiled,
    options,
  );
  const checkout = verdict.metrics.find((m) => m.metric === 'checkout_latency_seconds');
  assert.ok(checkout && checkout.classification !== 'error');
  assert.match(checkout.reason, /invalid input\(s\) ignored/);
});

test('late samples (older than a look already taken) and unknown metrics are counted, never judged', () => {
  const scenario = generateScenario({ seed: 4, checkoutPerMinute: 30, durationMinutes: 10 });
  const start = scenario.spec.release.startedAt;
  const samples = [...scenario.samples];
  samples.splice(samples.length - 5, 0, {
    ts: start + 1000,
    metric: 'checkout_latency_seconds',
    cohort: 'canary',
    value: 99,
  });
  samples.push({ ts: start + 9 * MINUTE, metric: 'no_such_metric', cohort: 'canary', value: 1 });
  const { counts } = replaySamples(
    { ...scenario.spec, policy: { ...scenario.spec.policy, observeMs: 10 * MINUTE } },
    samples,
    options,
  );
  assert.equal(counts.late, 1);
  assert.equal(counts.unknownMetric, 1);
});

test(
  'A/A releases from the simulator are not rolled back (30 seeds, verdict read every minute)',
  inGroup('calibration'),
  () => {
    let alarms = 0;
    for (let seed = 1000; seed < 1030; seed++) {
      const scenario = generateScenario({ seed, checkoutPerMinute: 150, stockPerMinute: 20 });
      const { timeline } = replaySamples(scenario.spec, scenario.samples, options);
      if (timeline.some((e) => e.decision === 'rollback' || e.decision === 'reduce-traffic')) alarms++;
    }
    // alpha = 0.01 per release: 0.3 alarms expected; 2 or more would be a 4% event for a correct judge
    assert.ok(alarms <= 1, `${alarms} false alarms in 30 A/A releases`);
  },
);

test('a ratio whose numerator exceeds its denominator puts that metric in error, not the engine', () => {
  const spec: AnalysisSpec = {
    release: {
      id: 'r',
      service: 's',
      version: '2',
      environment: 'e',
      strategy: 'canary',
      class: 'standard',
      startedAt: 0,
    },
    metrics: [
      {
        name: 'errors',
        group: 'g',
        kind: 'ratio',
        harm: 'increase',
        tolerance: 0.1,
        numerator: 'bad',
        denominator: 'all',
        slo: { max: 0.01 },
      },
    ],
    policy: { observeMs: 5 * MINUTE },
  };
  const samples: Sample[] = [];
  for (let m = 0; m < 5; m++) {
    for (const cohort of ['baseline', 'canary'] as const) {
      samples.push(
        { ts: m * MINUTE + 1, metric: 'bad', cohort, value: 50 },
        { ts: m * MINUTE + 2, metric: 'all', cohort, value: 20 },
      );
    }
  }
  const { verdict } = replaySamples(spec, samples, options);
  assert.equal(verdict.metrics[0].classification, 'error');
  assert.equal(verdict.decision, 'inconclusive');
});

test('classes from governance reach the judge: a user-defined class resolves, an unknown one is refused', () => {
  const scenario = generateScenario({ seed: 3, regression: 'none', checkoutPerMinute: 100 });
  // no policy of its own in the spec, so the class's values show
  const spec: AnalysisSpec = {
    ...scenario.spec,
    policy: {},
    release: { ...scenario.spec.release, class: 'tax-hotfix' },
  };
  assert.throws(() => new ReleaseEngine(spec, options), /unknown release class "tax-hotfix"/);
  const base = {
    alpha: 0.02,
    observeMs: 15 * MINUTE,
    minObserveMs: 5 * MINUTE,
    passScore: 90,
    marginalScore: 70,
    minSamples: 10,
    confidence: 0.95,
    toleranceScale: 1.5,
    requireRuledOut: false,
  };
  // a governance definition carries more than the analysis fields; the engine takes only those
  const engine = new ReleaseEngine(spec, {
    ...options,
    classes: { 'tax-hotfix': { ...base, failureAction: 'rollback' } as typeof base },
  });
  assert.equal(engine.policy.observeMs, 15 * MINUTE);
  assert.equal(engine.policy.toleranceScale, 1.5);
  assert.equal((engine.policy as unknown as Record<string, unknown>).failureAction, undefined);
});

test('data that stops coming withholds a promotion (continue, then inconclusive at the end), and fresh data lifts it', () => {
  // one gauge, identical deterministic distributions in both cohorts: a release that promotes
  const spec: AnalysisSpec = {
    release: {
      id: 'fresh',
      service: 's',
      version: '2',
      environment: 'e',
      strategy: 'canary',
      class: 'standard',
      startedAt: 0,
    },
    metrics: [{ name: 'latency', group: 'g', kind: 'gauge', harm: 'increase', tolerance: 0.2 }],
    policy: { observeMs: 30 * MINUTE, minObserveMs: 5 * MINUTE },
  };
  const minute = (m: number, cohorts: readonly ('baseline' | 'canary')[]): Sample[] =>
    cohorts.flatMap((cohort) =>
      Array.from({ length: 60 }, (_, i) => ({
        ts: m * MINUTE + i * 1000,
        metric: 'latency',
        cohort,
        value: 0.1 + ((i * 37) % 60) / 600,
      })),
    );
  const run = (quiet: ReadonlySet<number>, minutes: number) => {
    const engine = new ReleaseEngine(spec, options);
    const looks: { minute: number; decision: string; reasons: string[] }[] = [];
    for (let m = 0; m < minutes && !engine.final; m++) {
      for (const s of minute(m, quiet.has(m) ? ['baseline'] : ['baseline', 'canary'])) engine.ingest(s);
      for (const v of engine.advanceTo((m + 1) * MINUTE))
        looks.push({ minute: m, decision: v.decision, reasons: v.reasons });
    }
    return looks;
  };
  const healthy = run(new Set(), 30);
  const promoteAt = healthy.findIndex((l) => l.decision === 'promote');
  assert.ok(promoteAt >= 4, `the healthy release promotes (at look ${promoteAt})`);

  // the canary's source goes quiet in the minute that closed with the promotion, and the next
  const gap = run(new Set([promoteAt, promoteAt + 1]), 30);
  assert.equal(gap[promoteAt].decision, 'continue');
  assert.equal(gap[promoteAt + 1].decision, 'continue');
  assert.ok(
    gap[promoteAt].reasons.some((r) => /^latency: no canary data in the last 1 min/.test(r)),
    gap[promoteAt].reasons.join(' | '),
  );
  assert.equal(gap[promoteAt + 2].decision, 'promote', 'fresh data lifts the hold');

  // quiet at the window's end: inconclusive, never promote
  const endSpec = { ...spec, policy: { ...spec.policy, minObserveMs: 30 * MINUTE } };
  const engine = new ReleaseEngine(endSpec, options);
  let last;
  for (let m = 0; m < 30; m++) {
    for (const s of minute(m, m === 29 ? ['baseline'] : ['baseline', 'canary'])) engine.ingest(s);
    last = engine.advanceTo((m + 1) * MINUTE).at(-1) ?? last;
  }
  assert.equal(last?.decision, 'inconclusive');
  assert.ok(last?.reasons.includes('observation window ended with missing data'));

  // the freshness survives a checkpoint: a restored engine holds the promotion the same way
  const restored = new ReleaseEngine(spec, options);
  for (let m = 0; m <= promoteAt; m++) {
    for (const s of minute(m, m === promoteAt ? ['baseline'] : ['baseline', 'canary'])) restored.ingest(s);
    if (m < promoteAt) restored.advanceTo((m + 1) * MINUTE);
  }
  const again = ReleaseEngine.restore(spec, options, JSON.parse(JSON.stringify(restored.snapshot())));
  assert.equal(again.advanceTo((promoteAt + 1) * MINUTE)[0].decision, 'continue');
});
