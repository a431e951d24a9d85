/**
 * The story `npm start` plays, as data: the retail estate (tenants, traffic), the two releases a
 * rollout controller registers, and the service configuration — the same config format an SRE
 * writes for `release-health serve` (only the targets' URLs are virtual: the demo feeds the
 * collector the exposition it would have scraped).
 *
 *  1. `odoo-web-17.0.6` — a Traefik canary (10% of checkout traffic) with nothing wrong.
 *  2. `odoo-17.0.7-wave1` — the first tier of a multi-tenant wave (shop_berlin, shop_hamburg).
 *     The release itself is bad: from its first minute its stock reservations take 4× as long and
 *     a fifth of paid orders fail to confirm (WAVE_REGRESSION). Its spec asks for the interval rule
 *     (`failWhen: interval`), so a rollback says the whole interval lies beyond the tolerance.
 * What the judge then decides, and when, is not written here: the demo reports what happened.
 */
import type { MetricSpec } from '../../analyzer/index.ts';

/**
 * The demo's Traefik runs with fine buckets (×1.1 apart from 50 ms to 10 s, 56 edges): a histogram
 * cannot show a shift finer than its bucket spacing, so proving "within 15%" — and promoting — needs
 * edges closer than 15% around the median. Traefik's defaults (0.1, 0.3, 1.2, 5) could only ever
 * support a rollback (README, "Traefik's default buckets").
 */
export const DEMO_TRAEFIK_BUCKETS: readonly number[] = Object.freeze(
  Array.from({ length: 56 }, (_, i) => Number((0.05 * 1.1 ** i).toPrecision(3))).filter((b) => b <= 10),
);

/**
 * The demo's odoo-exporter runs with stock-reservation buckets ×1.1 apart from 1 s to ~10 min (then
 * the default coarse edges for long waits): with the default 1-5-15-30-60 s edges a 4× slowdown
 * around a 20 s median falls into four buckets, and the interval of the shift spans "no change".
 */
export const DEMO_RESERVATION_BUCKETS: readonly number[] = Object.freeze([
  ...Array.from({ length: 68 }, (_, i) => Number((1.1 ** i).toPrecision(3))),
  1800,
  3600,
  7200,
  21600,
  86400,
]);

export const MINUTE = 60_000;
/**
 * Tuesday before Black Friday, 12:00 UTC: the lunch peak on the virtual clock. The busy hour is the
 * point: a median is only bounded to within a tolerance by enough observations, and at 09:00 the
 * shops confirm a sixth as many orders (about 8 stock reservations a minute on the wave's two
 * tenants, too few for the reservation interval to clear +25% within the window).
 */
export const STORY_START = Date.UTC(2026, 10, 24, 12, 0, 0);
/** long enough for both releases' whole observation window and a few minutes after it */
export const STORY_MINUTES = 2 + 30 + 5;

export const TENANTS = [
  { name: 'shop_berlin', tier: 'tier-1', scale: 1.2 },
  { name: 'shop_hamburg', tier: 'tier-1', scale: 1 },
  { name: 'shop_munich', tier: 'tier-2', scale: 1.1 },
  { name: 'shop_koeln', tier: 'tier-3', scale: 0.9 },
] as const;

/**
 * The Odoo modules the demo's tenants run: the web shop's order flow (sale, payment) and the stock
 * moves it reserves — all the two releases are judged on. Mail, queue jobs, invoicing and the
 * point of sale would only add writes nobody reads here (the exporter reports them absent, not
 * failing), and the lunch peak's volume costs CPU enough as it is.
 */
export const DEMO_ODOO_MODULES = ['sale', 'payment', 'stock'] as const;

export const WAVE_TIERS = ['tier-1', 'tier-2', 'tier-3'] as const;
export const WAVE_TENANTS = TENANTS.filter((t) => t.tier === 'tier-1').map((t) => t.name);

export const GOOD_RELEASE = {
  id: 'odoo-web-17.0.6',
  service: 'odoo-web',
  version: '17.0.6',
  baselineVersion: '17.0.5',
  environment: 'production',
  strategy: 'canary',
  class: 'standard',
  canaryWeight: 0.1,
  startedAt: STORY_START + 2 * MINUTE,
} as const;

export const WAVE_RELEASE = {
  id: 'odoo-17.0.7-wave1',
  service: 'odoo',
  version: '17.0.7',
  baselineVersion: '17.0.6',
  environment: 'production',
  tenant: WAVE_TENANTS.join(','),
  tenantTier: 'tier-1',
  strategy: 'canary',
  class: 'standard',
  startedAt: STORY_START + 2 * MINUTE,
} as const;

/**
 * the wave's regression ships with it: it starts with the release (a regression that begins later is
 * judged just as well, but the minutes before it would pool into the effect and pull the measured
 * slowdown below the one injected)
 */
export const WAVE_REGRESSION_AT = WAVE_RELEASE.startedAt;
/** what the simulator is told to break on the wave's tenants (the story reports what the judge made of it) */
export const WAVE_REGRESSION = { reservationSlowdown: 4, confirmFailureRate: 0.2 } as const;

export const WINDOW = { observeMs: 30 * MINUTE, minObserveMs: 15 * MINUTE };

export const GOOD_SPEC = {
  metrics: [
    {
      name: 'checkout_latency_seconds',
      group: 'ingress',
      kind: 'latency',
      harm: 'increase',
      tolerance: 0.15,
      critical: true,
      histogram: true,
      buckets: [...DEMO_TRAEFIK_BUCKETS],
    },
    {
      name: 'error_ratio',
      group: 'ingress',
      kind: 'ratio',
      harm: 'increase',
      tolerance: 0.5,
      critical: true,
      numerator: 'http_errors_total',
      denominator: 'http_requests_total',
    },
  ] satisfies MetricSpec[],
  policy: WINDOW,
};

export const WAVE_SPEC = {
  metrics: [
    {
      name: 'stock_reservation_latency_seconds',
      group: 'business',
      kind: 'latency',
      harm: 'increase',
      tolerance: 0.25,
      critical: true,
      histogram: true,
      buckets: [...DEMO_RESERVATION_BUCKETS],
      // fail only once the whole interval is beyond +25%, not on evidence and the point estimate:
      // the demo's headline rollback then rests on the interval it prints
      failWhen: 'interval',
    },
    {
      name: 'orders_confirmed_total',
      group: 'business',
      kind: 'count',
      harm: 'decrease',
      tolerance: 0.1,
      critical: true,
      exposure: 'orders_created_total',
      failWhen: 'interval',
    },
  ] satisfies MetricSpec[],
  policy: WINDOW,
};

/** `release-health serve` config of the demo (YAML text, as a user would write it). */
export function serveConfigText(opts: { port: number; traefikFile: string; store: string }): string {
  return `
listen: { host: 127.0.0.1, port: ${opts.port} }
store: { url: "${opts.store}" }
bus: { kind: memory }
auth: { allowAnonymousRead: true }
engine: { interval: 1m, grace: 0s }
actions:
  retry: { attempts: 3, baseDelay: 50ms, maxDelay: 200ms }
  traefik: { file: "${opts.traefikFile}" }
collector:
  targets:
    - name: traefik
      url: http://traefik.virtual:8082/metrics
      intervalMs: 60000
      timeoutMs: 10000
      match: { service: [odoo-web] }
      metrics:
        - name: traefik_service_requests_total
          as: http_requests_total
          kind: counter
          cohorts: &by-service { by: label, label: service, baseline: ["{{release.service}}-primary@file"], canary: ["{{release.service}}-canary@file"] }
        - name: traefik_service_requests_total
          as: http_errors_total
          kind: counter
          select: { code: [{ regex: "5.." }] }
          cohorts: *by-service
        - name: traefik_service_request_duration_seconds
          as: checkout_latency_seconds
          kind: histogram
          cohorts: *by-service
    - name: odoo
      url: http://odoo-exporter.virtual:9469/metrics
      intervalMs: 60000
      timeoutMs: 10000
      match: { service: [odoo] }
      metrics:
        - name: odoo_sale_orders_confirmed_total
          as: orders_confirmed_total
          kind: counter
          cohorts: &by-tenant { by: tenant, label: db, canary: ["{{release.tenant}}"] }
        - name: odoo_sale_orders_created_total
          as: orders_created_total
          kind: counter
          cohorts: *by-tenant
        - name: odoo_stock_reservation_latency_seconds
          as: stock_reservation_latency_seconds
          kind: histogram
          cohorts: *by-tenant
logging: { level: warn }
`;
}
