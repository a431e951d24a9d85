/**
 * "Business signals": what infrastructure metrics miss (orders stop confirming, reservations
 * crawl, jobs pile up), from the odoo-exporter, canary and baseline overlaid. Cohorts are tenant
 * waves: the config names the label (default `tenant`) and the canary tenants; the baseline is
 * the named baseline tenants or every other one. Throughput is per tenant so that cohorts of
 * different sizes overlay on one scale.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { anyOf, datasourceVariable, noneOf, regexLiteral, series, stringLiteral, timeseriesPanel } from './common.ts';
import type { DashboardContext, PanelBuilder, Query } from './common.ts';
import {
  ODOO,
  ODOO_LABELS as L,
  PAYMENT_STATES,
  QUEUE_WAITING_STATES,
  RELEASE_HEALTH,
  RELEASE_HEALTH_LABELS,
} from './metricNames.ts';

export type CohortName = 'canary' | 'baseline';
export const COHORT_NAMES: readonly CohortName[] = ['canary', 'baseline'];

/** The label matcher that selects one cohort's series. */
export function cohortMatcher(ctx: DashboardContext, cohort: CohortName): string {
  const { label, canary, baseline } = ctx.config.business.cohort;
  if (cohort === 'canary') return anyOf(label, canary);
  return baseline ? anyOf(label, baseline) : noneOf(label, canary);
}

/** One query per cohort, legend suffixed with the cohort's name. */
function perCohort(ctx: DashboardContext, make: (cohort: string) => string, legend = ''): Query[] {
  return COHORT_NAMES.map((c) => ({ expr: make(cohortMatcher(ctx, c)), legend: legend ? `${legend} ${c}` : c }));
}

const RATE = '[$__rate_interval]';

/** Per-tenant rate per minute: total rate divided by the number of tenants in the cohort. */
function perTenantPerMinute(ctx: DashboardContext, name: string, cohort: string): string {
  const label = ctx.config.business.cohort.label;
  return `sum(rate(${series(name, [cohort])}${RATE})) * 60 / count(count by (${label}) (${series(name, [cohort])}))`;
}

function throughput(ctx: DashboardContext): PanelBuilder[] {
  return [
    timeseriesPanel(ctx, {
      title: 'Sale orders created per tenant',
      description: 'sale.order rows created per minute, averaged over the cohort’s tenants.',
      unit: 'opm',
      queries: perCohort(ctx, (c) => perTenantPerMinute(ctx, ODOO.ordersCreated, c)),
    }),
    timeseriesPanel(ctx, {
      title: 'Sale orders confirmed per tenant',
      description: 'sale.order confirmations per minute (state → sale), averaged over the cohort’s tenants.',
      unit: 'opm',
      queries: perCohort(ctx, (c) => perTenantPerMinute(ctx, ODOO.ordersConfirmed, c)),
    }),
  ];
}

function checkout(ctx: DashboardContext): PanelBuilder[] {
  const done = `${L.state}="${PAYMENT_STATES.done}"`;
  const finished = `${L.state}=~"${PAYMENT_STATES.finished.join('|')}"`;
  const open = `${L.state}=~"${PAYMENT_STATES.open.join('|')}"`;
  const quantiles = [0.5, 0.95, 0.99];
  return [
    timeseriesPanel(ctx, {
      title: 'Checkout success',
      description: 'Payment transactions reaching done over those finishing (done, error, cancel).',
      unit: 'percentunit',
      min: 0,
      max: 1,
      queries: perCohort(
        ctx,
        (c) =>
          `sum(rate(${series(ODOO.paymentTransactionsTotal, [c, done])}${RATE})) / sum(rate(${series(ODOO.paymentTransactionsTotal, [c, finished])}${RATE}))`,
      ),
    }),
    timeseriesPanel(ctx, {
      title: 'Payments in flight per tenant',
      unit: 'short',
      description:
        'Payment transactions now pending or authorized, averaged over the cohort’s tenants: a stuck provider piles them up.',
      queries: perCohort(
        ctx,
        (c) =>
          `sum(${series(ODOO.paymentTransactions, [c, open])}) / count(count by (${ctx.config.business.cohort.label}) (${series(ODOO.paymentTransactions, [c])}))`,
      ),
    }),
    timeseriesPanel(ctx, {
      title: 'Stock reservation latency',
      description: 'Time from a stock move becoming reservable to its first move line, percentiles of the histogram.',
      unit: 's',
      queries: quantiles.flatMap((q) =>
        perCohort(
          ctx,
          (c) =>
            `histogram_quantile(${q}, sum by (le) (rate(${series(ODOO.stockReservationLatencyBucket, [c])}${RATE})))`,
          `p${q * 100}`,
        ),
      ),
    }),
  ];
}

function queues(ctx: DashboardContext): PanelBuilder[] {
  const waiting = `${L.state}=~"${QUEUE_WAITING_STATES.join('|')}"`;
  const integration = anyOf(L.channel, ctx.config.business.integrationChannels);
  return [
    timeseriesPanel(ctx, {
      title: 'Queue depth per channel',
      unit: 'short',
      description: 'queue_job jobs waiting to run (pending, enqueued, waiting for dependencies) per channel.',
      queries: perCohort(
        ctx,
        (c) => `sum by (${L.channel}) (${series(ODOO.queueJobs, [c, waiting])})`,
        `{{${L.channel}}}`,
      ),
    }),
    timeseriesPanel(ctx, {
      title: 'Oldest pending job age per channel',
      description:
        'Age of the oldest queue_job job still waiting, per channel: a channel that stopped draining grows without bound.',
      unit: 's',
      queries: perCohort(
        ctx,
        (c) => `max by (${L.channel}) (${series(ODOO.queueOldestPendingAge, [c])})`,
        `{{${L.channel}}}`,
      ),
    }),
    timeseriesPanel(ctx, {
      title: 'Job failures per channel',
      description: 'queue_job jobs newly failed per minute.',
      unit: 'opm',
      queries: perCohort(
        ctx,
        (c) => `sum by (${L.channel}) (rate(${series(ODOO.queueJobFailures, [c])}${RATE})) * 60`,
        `{{${L.channel}}}`,
      ),
    }),
    timeseriesPanel(ctx, {
      title: 'Integration backlog',
      unit: 'short',
      description: `Waiting jobs of the integration channels (${ctx.config.business.integrationChannels.join(', ')}) and queued outgoing mail.`,
      queries: [
        ...perCohort(ctx, (c) => `sum(${series(ODOO.queueJobs, [c, integration, waiting])})`, 'jobs'),
        ...perCohort(ctx, (c) => `sum(${series(ODOO.mailQueued, [c])})`, 'mail'),
      ],
    }),
    timeseriesPanel(ctx, {
      title: 'Overdue scheduled actions',
      unit: 'short',
      description: 'Active ir.cron whose next call is in the past.',
      queries: perCohort(ctx, (c) => `sum(${series(ODOO.cronOverdue, [c])})`),
    }),
  ];
}

/** The judged business metrics of the config: their effect per release, next to the raw signals. */
function judged(ctx: DashboardContext): PanelBuilder[] {
  const names = ctx.config.metrics.filter((m) => m.group === 'business').map((m) => m.name);
  if (names.length === 0) return [];
  const l = RELEASE_HEALTH_LABELS;
  return [
    timeseriesPanel(ctx, {
      title: 'Judged business metrics: relative effect',
      description: `Point estimate of each business metric judged by release-health (${names.join(', ')}).`,
      unit: 'percentunit',
      width: 24,
      queries: [
        {
          expr: series(RELEASE_HEALTH.effect, [
            `${l.metric}=~"${names.map(regexLiteral).join('|')}"`,
            `${l.bound}="relative"`,
            `${l.releaseId}=~"$release_id"`,
          ]),
          legend: `{{${l.releaseId}}} {{${l.metric}}}`,
        },
      ],
    }),
  ];
}

export function buildBusinessSignals(ctx: DashboardContext): dashboard.Dashboard {
  const { label, canary } = ctx.config.business.cohort;
  const b = new dashboard.DashboardBuilder('Business signals')
    .uid(`${ctx.config.uidPrefix}-business`)
    .tags(['release-health', 'odoo'])
    .description(`Odoo business signals, canary (${label} in ${canary.map(stringLiteral).join(', ')}) vs baseline.`)
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    // provisioned from generated JSON: edits in the UI would be lost at the next deploy
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable(ctx.config))
    .withVariable(
      new dashboard.QueryVariableBuilder('release_id')
        .label('Release')
        .datasource(ctx.datasource)
        .query(`label_values(${RELEASE_HEALTH.score}, ${RELEASE_HEALTH_LABELS.releaseId})`)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    );
  const sections: [string, PanelBuilder[]][] = [
    ['Orders', throughput(ctx)],
    ['Checkout and stock', checkout(ctx)],
    ['Jobs, crons and integrations', queues(ctx)],
    ['Judged by release-health', judged(ctx)],
  ];
  for (const [title, panels] of sections) {
    if (panels.length === 0) continue;
    b.withRow(new dashboard.RowBuilder(title));
    for (const p of panels) b.withPanel(p);
  }
  return b.build();
}
