/**
 * Before/after scenarios: a single-tenant upgrade with no concurrent canary. History (the same
 * weekday and hour of earlier weeks, plus the hour just before) carries the shop's seasonality —
 * a steep morning ramp and a weekly flash sale at the same minute every week — and the release
 * window repeats it, with or without a regression. Used to show that seasonal alignment keeps the
 * judge quiet where a naive "previous hour" baseline would not.
 */
import type { AnalysisSpec, Sample } from '../../analyzer/types.ts';
import { createRng } from '../../analyzer/stats/seededRandom.ts';

const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;

export interface BeforeAfterOptions {
  seed: number;
  /** weeks of history before the release (default 2) */
  weeks?: number;
  regression?: 'none' | 'checkout-latency-x1.25' | 'orders-x0.80';
  baseline?: 'previous-window' | 'previous-weeks';
  /** epoch ms of the release (default Monday 2025-03-10 08:00 UTC, the start of the morning ramp) */
  startedAt?: number;
  checkoutPerMinute?: number;
  ordersPerMinute?: number;
}

export interface BeforeAfterScenario {
  spec: AnalysisSpec;
  samples: Sample[];
}

/** Load at minute `m` of the hour: a ramp from 1× to 2.2× and a 5-minute flash sale (×3) at minutes 20–24. */
function load(m: number): { traffic: number; latency: number } {
  const ramp = 1 + 1.2 * (m / 60);
  const sale = m >= 20 && m < 25;
  return { traffic: ramp * (sale ? 3 : 1), latency: (0.85 + 0.15 * ramp) * (sale ? 1.3 : 1) };
}

export function generateBeforeAfter(options: BeforeAfterOptions): BeforeAfterScenario {
  const { seed, weeks = 2, regression = 'none', baseline = 'previous-weeks' } = options;
  const startedAt = options.startedAt ?? Date.UTC(2025, 2, 10, 8, 0);
  const checkoutPerMinute = options.checkoutPerMinute ?? 150;
  const ordersPerMinute = options.ordersPerMinute ?? 40;
  const rng = createRng(seed, 'before-after');
  const samples: Sample[] = [];
  const hour = (origin: number, canary: boolean, profile: (m: number) => { traffic: number; latency: number }) => {
    for (let m = 0; m < 60; m++) {
      const { traffic, latency } = profile(m);
      const slower = canary && regression === 'checkout-latency-x1.25' ? 1.25 : 1;
      const fewer = canary && regression === 'orders-x0.80' ? 0.8 : 1;
      const cohort = canary ? 'canary' : 'baseline';
      const requests = rng.poisson(checkoutPerMinute * traffic);
      for (let i = 0; i < requests; i++) {
        const value = 0.35 * latency * slower * Math.exp(0.6 * rng.normal());
        samples.push({
          ts: origin + m * MINUTE + Math.floor(((i + 0.5) / requests) * MINUTE),
          metric: 'checkout_latency_seconds',
          cohort,
          value,
        });
      }
      samples.push({
        ts: origin + (m + 1) * MINUTE - 1,
        metric: 'orders_confirmed_total',
        cohort,
        value: rng.poisson(ordersPerMinute * traffic * fewer),
      });
    }
  };
  for (let k = weeks; k >= 1; k--) hour(startedAt - k * WEEK, false, load);
  // the hour before the release: earlier in the morning, before the ramp and without the sale
  hour(startedAt - 60 * MINUTE, false, () => ({ traffic: 0.8, latency: 0.85 }));
  hour(startedAt, true, load);
  samples.sort((a, b) => a.ts - b.ts);
  const spec: AnalysisSpec = {
    release: {
      id: `before-after-${seed}-${regression}`,
      service: 'odoo-tenant-acme',
      version: '17.0.42',
      baselineVersion: '16.0.88',
      environment: 'production',
      tenant: 'acme',
      strategy: 'before-after',
      class: 'schema-change',
      startedAt,
    },
    metrics: [
      {
        name: 'checkout_latency_seconds',
        group: 'business',
        kind: 'latency',
        harm: 'increase',
        tolerance: 0.1,
        critical: true,
      },
      {
        name: 'orders_confirmed_total',
        group: 'business',
        kind: 'count',
        harm: 'decrease',
        tolerance: 0.1,
        critical: true,
      },
    ],
    policy: { observeMs: 60 * MINUTE, alpha: 0.01 },
    beforeAfter: baseline === 'previous-weeks' ? { baseline, weeks } : { baseline },
  };
  return { spec, samples };
}
