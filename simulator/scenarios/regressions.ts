/**
 * The regressions a scenario can inject into the canary, and the metric each one hurts.
 * A closed list: a typo in a kind must fail loudly, not silently produce an A/A run.
 */

/** Sample and spec metric names the generator produces. */
export const METRIC = {
  checkoutLatency: 'checkout_latency_seconds',
  stockLatency: 'stock_reservation_latency_seconds',
  httpErrors: 'http_errors_total',
  httpRequests: 'http_requests_total',
  errorRatio: 'error_ratio',
  orders: 'orders_confirmed_total',
} as const;

export const REGRESSION_KINDS = [
  'checkout-latency-x1.10',
  'checkout-latency-x1.25',
  'error-ratio-x3',
  'conversion-x0.80',
  'stock-latency-x1.5',
] as const;

export type RegressionKind = (typeof REGRESSION_KINDS)[number];

/** What the generator multiplies, in the canary only, from the onset on. */
export type RegressionTarget = 'checkout-latency' | 'stock-latency' | 'error-ratio' | 'conversion';

export interface RegressionEffect {
  target: RegressionTarget;
  /** multiplicative factor on every affected canary value (latency) or probability (errors, orders) */
  factor: number;
  /** the spec metric that should catch it */
  metric: string;
}

export const REGRESSIONS: Record<RegressionKind, RegressionEffect> = {
  'checkout-latency-x1.10': { target: 'checkout-latency', factor: 1.1, metric: METRIC.checkoutLatency },
  'checkout-latency-x1.25': { target: 'checkout-latency', factor: 1.25, metric: METRIC.checkoutLatency },
  'error-ratio-x3': { target: 'error-ratio', factor: 3, metric: METRIC.errorRatio },
  'conversion-x0.80': { target: 'conversion', factor: 0.8, metric: METRIC.orders },
  'stock-latency-x1.5': { target: 'stock-latency', factor: 1.5, metric: METRIC.stockLatency },
};

export function isRegressionKind(value: string): value is RegressionKind {
  return (REGRESSION_KINDS as readonly string[]).includes(value);
}
