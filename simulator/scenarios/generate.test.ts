// Properties of the scenario generator. Sampling tolerances are stated next to each check as
// multiples of the estimate's standard error at the sizes used (≈5 s.e., so flakes are ~never).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisSpecSchema } from '../../analyzer/validation.ts';
import type { Cohort, Sample } from '../../analyzer/types.ts';
import { generateScenario } from './generate.ts';
import { ScenarioOptionsError } from './options.ts';
import { METRIC, REGRESSION_KINDS } from './regressions.ts';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const values = (samples: Sample[], metric: string, cohort: Cohort, from = -Infinity): number[] =>
  samples.filter((s) => s.metric === metric && s.cohort === cohort && s.ts >= from).map((s) => s.value);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

test('the same options give the same scenario; another seed gives another', () => {
  const a = generateScenario({ seed: 11, regression: 'error-ratio-x3', durationMinutes: 5 });
  const b = generateScenario({ seed: 11, regression: 'error-ratio-x3', durationMinutes: 5 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(
    generateScenario({ seed: 12, durationMinutes: 5 }).samples,
    generateScenario({ seed: 11, durationMinutes: 5 }).samples,
  );
});

test('samples are in time order, inside the window, with one count per minute per cohort', () => {
  const { samples, spec } = generateScenario({ seed: 3 });
  const start = spec.release.startedAt;
  for (let i = 1; i < samples.length; i++)
    assert.ok(samples[i - 1].ts <= samples[i].ts, `sample ${i} goes back in time`);
  assert.ok(samples[0].ts >= start && samples[samples.length - 1].ts < start + 60 * 60_000);
  for (const metric of [METRIC.httpRequests, METRIC.httpErrors, METRIC.orders]) {
    for (const cohort of ['baseline', 'canary'] as const) assert.equal(values(samples, metric, cohort).length, 60);
  }
});

test('the spec is a valid analysis spec naming every metric the samples carry', () => {
  const { spec, samples } = generateScenario({ seed: 4, canaryShare: 0.25 });
  assert.ok(analysisSpecSchema.safeParse(spec).success);
  assert.equal(spec.release.canaryWeight, 0.25);
  assert.deepEqual(spec.policy, { alpha: 0.01, observeMs: 3_600_000 });
  const named = new Set(
    spec.metrics.flatMap((m) => [m.name, m.numerator, m.denominator, m.exposure].filter((x) => x !== undefined)),
  );
  for (const s of samples) assert.ok(named.has(s.metric), `${s.metric} is not in the spec`);
});

test('a regression changes only the canary series it targets, from the onset on (common random numbers)', () => {
  for (const kind of REGRESSION_KINDS) {
    const aa = generateScenario({ seed: 5, durationMinutes: 20 });
    const hit = generateScenario({ seed: 5, durationMinutes: 20, regression: kind, onsetMinutes: 10 });
    assert.equal(hit.truth.onsetMs, hit.spec.release.startedAt + 10 * 60_000);
    const targeted: readonly string[] = kind.startsWith('checkout')
      ? [METRIC.checkoutLatency]
      : kind.startsWith('stock')
        ? [METRIC.stockLatency]
        : kind.startsWith('error')
          ? [METRIC.httpErrors]
          : [METRIC.orders];
    const key = (s: Sample): string => `${s.metric}/${s.cohort}/${s.ts}`;
    const untouched = (s: Sample): boolean =>
      s.cohort === 'baseline' || s.ts < (hit.truth.onsetMs ?? 0) || !targeted.includes(s.metric);
    assert.deepEqual(hit.samples.filter(untouched).map(key), aa.samples.filter(untouched).map(key), kind);
    assert.deepEqual(
      hit.samples.filter(untouched).map((s) => s.value),
      aa.samples.filter(untouched).map((s) => s.value),
      kind,
    );
    assert.notDeepEqual(
      hit.samples.filter((s) => !untouched(s)),
      aa.samples.filter((s) => !untouched(s)),
      kind,
    );
  }
  assert.deepEqual(generateScenario({ seed: 5 }).truth, { kind: 'none', metric: null, onsetMs: null, factor: 1 });
});

// A long, busy, even split: 240 min × 600 checkouts/min / 2 = 72,000 durations per cohort, so the
// log-median ratio has s.e. ≈ 1.25·0.65·√(2/72,000) ≈ 0.004; ±0.03 on the ratio is > 5 s.e.
const long = {
  durationMinutes: 240,
  checkoutPerMinute: 600,
  stockPerMinute: 100,
  httpRequestsPerMinute: 4000,
  canaryShare: 0.5,
} as const;

test('A/A: canary and baseline agree on every metric', () => {
  const { samples } = generateScenario({ seed: 21, ...long });
  const ratio = (m: string): number => median(values(samples, m, 'canary')) / median(values(samples, m, 'baseline'));
  const rate = (num: string, den: string, c: Cohort): number =>
    sum(values(samples, num, c)) / sum(values(samples, den, c));
  assert.ok(Math.abs(ratio(METRIC.checkoutLatency) - 1) < 0.03, `checkout ${ratio(METRIC.checkoutLatency)}`);
  assert.ok(Math.abs(ratio(METRIC.stockLatency) - 1) < 0.06, `stock ${ratio(METRIC.stockLatency)}`);
  const err =
    rate(METRIC.httpErrors, METRIC.httpRequests, 'canary') / rate(METRIC.httpErrors, METRIC.httpRequests, 'baseline');
  assert.ok(Math.abs(err - 1) < 0.15, `error ratio ${err}`); // 3,600 errors per cohort: s.e. of log ratio ≈ 0.024
  const conv =
    rate(METRIC.orders, METRIC.httpRequests, 'canary') / rate(METRIC.orders, METRIC.httpRequests, 'baseline');
  assert.ok(Math.abs(conv - 1) < 0.06, `conversion ${conv}`); // 14,400 orders per cohort: s.e. ≈ 0.012
});

test('each injected regression shows up with its size in the canary after the onset', () => {
  const expectations: Array<[(typeof REGRESSION_KINDS)[number], number, number]> = [
    ['checkout-latency-x1.10', 1.1, 0.03],
    ['checkout-latency-x1.25', 1.25, 0.035],
    ['stock-latency-x1.5', 1.5, 0.09], // 12,000 durations per cohort: s.e. of the log-median ratio ≈ 0.0115
    ['error-ratio-x3', 3, 0.4], // s.e. of the log ratio ≈ √(1/10,800 + 1/3,600) ≈ 0.019
    ['conversion-x0.80', 0.8, 0.05],
  ];
  for (const [kind, factor, tolerance] of expectations) {
    const { samples, truth } = generateScenario({ seed: 22, regression: kind, ...long, onsetMinutes: 10 });
    const from = truth.onsetMs ?? 0;
    let observed: number;
    if (kind.includes('latency')) {
      const m = kind.startsWith('stock') ? METRIC.stockLatency : METRIC.checkoutLatency;
      observed = median(values(samples, m, 'canary', from)) / median(values(samples, m, 'baseline', from));
    } else {
      const num = kind.startsWith('error') ? METRIC.httpErrors : METRIC.orders;
      const rate = (c: Cohort): number =>
        sum(values(samples, num, c, from)) / sum(values(samples, METRIC.httpRequests, c, from));
      observed = rate('canary') / rate('baseline');
    }
    assert.ok(Math.abs(observed - factor) < tolerance, `${kind}: observed ${observed}, injected ${factor}`);
  }
});

test('both cohorts follow the same diurnal ramp and promotion spikes', () => {
  const options = {
    seed: 31,
    canaryShare: 0.3,
    httpRequestsPerMinute: 20_000,
    checkoutPerMinute: 2000,
    heavyTail: null,
    diurnal: { trafficDrift: 0.3, latencyDrift: 0.1, direction: 1 },
    spikes: { count: 1, minutes: 3, traffic: 3, latency: 1.3 },
  } as const;
  const { samples, profile, spec } = generateScenario(options);
  assert.equal(profile.filter((p) => p.spike).length, 3);
  const start = spec.release.startedAt;
  for (const cohort of ['baseline', 'canary'] as const) {
    const share = cohort === 'canary' ? 0.3 : 0.7;
    const requests = values(samples, METRIC.httpRequests, cohort);
    profile.forEach((load, m) => {
      // Poisson with mean ≥ 6,000: ±6% is > 4.6 s.e. for the smallest cohort-minute
      const expected = 20_000 * share * load.traffic;
      assert.ok(Math.abs(requests[m] / expected - 1) < 0.06, `${cohort} minute ${m}: ${requests[m]} vs ${expected}`);
    });
    const minuteMedian = (m: number): number =>
      median(
        samples
          .filter(
            (s) =>
              s.metric === METRIC.checkoutLatency && s.cohort === cohort && Math.floor((s.ts - start) / 60_000) === m,
          )
          .map((s) => s.value),
      );
    const spikeMinute = profile.findIndex((p) => p.spike);
    const quiet = profile.findIndex(
      (p, m) => !p.spike && Math.abs(m - spikeMinute) > 3 && Math.abs(m - spikeMinute) < 10,
    );
    const expected = profile[spikeMinute].latency / profile[quiet].latency;
    // ≥ 600 durations a minute: the log-median ratio has s.e. ≤ 1.25·0.6·√(2/600) ≈ 0.043
    assert.ok(
      Math.abs(Math.log(minuteMedian(spikeMinute) / minuteMedian(quiet)) - Math.log(expected)) < 0.22,
      `${cohort} spike latency`,
    );
  }
});

test('bad options are rejected, naming the field', () => {
  assert.throws(() => generateScenario({ seed: 1, regression: 'latency+10%' as never }), ScenarioOptionsError);
  assert.throws(() => generateScenario({ seed: 1, canaryShare: 1 }), /canaryShare/);
  assert.throws(() => generateScenario({ seed: 1, onsetMinutes: 60 }), /onsetMinutes/);
  assert.throws(() => generateScenario({ seed: 1, startedAt: 1_000 }), /startedAt/);
  assert.throws(
    () => generateScenario({ seed: 1, regresion: 'error-ratio-x3' } as never),
    /unknown option "regresion"/,
  );
});
