/**
 * The seeded release-scenario generator: a canary release of a retail shop, minute by minute,
 * as the samples the collector would deliver, plus the spec that describes them and the truth
 * (which regression was injected, where, from when) that tests and benchmarks score against.
 *
 * Per minute and cohort it emits
 * - one raw sample per checkout request and per stock reservation (duration in seconds,
 *   lognormal with an optional heavy tail), timestamped uniformly inside the minute;
 * - one sample each of `http_requests_total`, `http_errors_total`, `orders_confirmed_total`
 *   holding the minute's count, stamped at the minute's last millisecond so that the minute's
 *   aggregate never precedes its own raw requests and a look at the minute boundary includes it.
 */
import { COHORTS, type Cohort, type AnalysisSpec, type Sample } from '../../analyzer/types.ts';
import { createRng, type Rng } from '../../analyzer/stats/seededRandom.ts';
import { resolveOptions, type HeavyTail, type LatencyShape, type ScenarioOptions } from './options.ts';
import { makeProfile, type MinuteLoad } from './profile.ts';
import { METRIC, REGRESSIONS, type RegressionKind, type RegressionTarget } from './regressions.ts';
import { scenarioSpec } from './spec.ts';

const MINUTE = 60_000;

export interface ScenarioTruth {
  kind: RegressionKind | 'none';
  /** the spec metric the regression hurts; `null` in A/A */
  metric: string | null;
  /** epoch ms from which the canary carries the regression; `null` in A/A */
  onsetMs: number | null;
  /** the injected multiplicative factor (1 in A/A) */
  factor: number;
}

export interface Scenario {
  spec: AnalysisSpec;
  /** in time order (ties keep generation order) */
  samples: Sample[];
  truth: ScenarioTruth;
  /** the load profile both cohorts shared, one entry per minute */
  profile: MinuteLoad[];
}

interface CohortStreams {
  requests: Rng;
  errors: Rng;
  orders: Rng;
  checkout: Rng;
  stock: Rng;
}

/**
 * Generates one scenario; the same options give the same scenario, sample for sample.
 * @example generateScenario({ seed: 1, regression: 'checkout-latency-x1.10', onsetMinutes: 10 })
 */
export function generateScenario(options: ScenarioOptions): Scenario {
  const o = resolveOptions(options);
  const share = o.canaryShare ?? createRng(o.seed, 'canary-share').uniform(0.1, 0.5);
  const profile = makeProfile(createRng(o.seed, 'profile'), o.durationMinutes, o.diurnal, o.spikes);
  const effect = o.regression === 'none' ? null : REGRESSIONS[o.regression];
  const onsetMs = o.startedAt + o.onsetMinutes * MINUTE;
  // one stream per series: see analyzer/stats/seededRandom.ts on common random numbers
  const streams = Object.fromEntries(
    COHORTS.map((c) => [
      c,
      {
        requests: createRng(o.seed, `${c}/requests`),
        errors: createRng(o.seed, `${c}/errors`),
        orders: createRng(o.seed, `${c}/orders`),
        checkout: createRng(o.seed, `${c}/checkout`),
        stock: createRng(o.seed, `${c}/stock`),
      },
    ]),
  ) as Record<Cohort, CohortStreams>;

  const samples: Sample[] = [];
  profile.forEach((load, m) => {
    const start = o.startedAt + m * MINUTE;
    const raw: Sample[] = [];
    const counts: Sample[] = [];
    for (const cohort of COHORTS) {
      const s = streams[cohort];
      const cohortShare = cohort === 'canary' ? share : 1 - share;
      const hit = (target: RegressionTarget): number =>
        effect && effect.target === target && cohort === 'canary' && m >= o.onsetMinutes ? effect.factor : 1;

      const checkouts = s.checkout.poisson(o.checkoutPerMinute * load.traffic * cohortShare);
      emitDurations(raw, s.checkout, checkouts, {
        metric: METRIC.checkoutLatency,
        cohort,
        start,
        shape: o.checkoutLatency,
        tail: o.heavyTail,
        scale: load.latency * hit('checkout-latency'),
      });
      const reservations = s.stock.poisson(o.stockPerMinute * load.traffic * cohortShare);
      emitDurations(raw, s.stock, reservations, {
        metric: METRIC.stockLatency,
        cohort,
        start,
        shape: o.stockLatency,
        tail: o.heavyTail,
        scale: load.latency * hit('stock-latency'),
      });

      const requests = s.requests.poisson(o.httpRequestsPerMinute * load.traffic * cohortShare);
      const errors = s.errors.binomial(requests, o.errorRatio * hit('error-ratio'));
      const orders = s.orders.binomial(requests, o.conversion * hit('conversion'));
      const ts = start + MINUTE - 1;
      counts.push(
        { ts, metric: METRIC.httpRequests, cohort, value: requests },
        { ts, metric: METRIC.httpErrors, cohort, value: errors },
        { ts, metric: METRIC.orders, cohort, value: orders },
      );
    }
    raw.sort((a, b) => a.ts - b.ts); // Array.prototype.sort is stable, so ties stay deterministic
    for (const x of raw) samples.push(x);
    for (const x of counts) samples.push(x);
  });

  return {
    spec: scenarioSpec(o, share),
    samples,
    truth: effect
      ? { kind: o.regression, metric: effect.metric, onsetMs, factor: effect.factor }
      : { kind: 'none', metric: null, onsetMs: null, factor: 1 },
    profile,
  };
}

interface DurationSeries {
  metric: string;
  cohort: Cohort;
  start: number;
  shape: LatencyShape;
  tail: HeavyTail | null;
  /** load and regression multiplier for this minute */
  scale: number;
}

function emitDurations(out: Sample[], rng: Rng, count: number, d: DurationSeries): void {
  for (let i = 0; i < count; i++) {
    const ts = d.start + Math.floor(rng.next() * MINUTE);
    let value = d.shape.median * Math.exp(d.shape.sigma * rng.normal()) * d.scale;
    if (d.tail && rng.next() < d.tail.probability) value *= rng.uniform(d.tail.minFactor, d.tail.maxFactor);
    out.push({ ts, metric: d.metric, cohort: d.cohort, value });
  }
}
