/**
 * "Platform": PostgreSQL, Redis and Traefik under the release, on the real metric names of
 * postgres_exporter 0.11, redis_exporter 1.45 and Traefik v3 (`metricNames.ts`; checked against
 * their expositions by `platformNames.test.ts`). Sections and jobs come from the config; SLO lines
 * come from the config's metric specs (ingress latency / ratio metrics with an `slo.max`).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { MetricSpec } from '../../analyzer/index.ts';
import { datasourceVariable, jobMatcher, series, stringLiteral, thresholds, timeseriesPanel } from './common.ts';
import type { DashboardContext, PanelBuilder } from './common.ts';
import { POSTGRES as PG, REDIS, TRAEFIK } from './metricNames.ts';

const RATE = '[$__rate_interval]';

function postgres(ctx: DashboardContext): PanelBuilder[] {
  const job = jobMatcher(ctx.config.platform.postgres.job);
  // datname="" is the exporter's row for shared objects: no transactions of its own
  const db = [job, 'datname!=""'];
  return [
    timeseriesPanel(ctx, {
      title: 'PostgreSQL connections by state',
      description:
        'Backends per state (pg_stat_activity through postgres_exporter): idle in transaction piling up holds locks.',
      unit: 'short',
      queries: [{ expr: `sum by (state) (${series(PG.activityCount, [job])})`, legend: '{{state}}' }],
    }),
    timeseriesPanel(ctx, {
      title: 'PostgreSQL locks by mode',
      description:
        'Locks held per mode (pg_locks through postgres_exporter): exclusive locks rising with a release point at a migration or a hot row.',
      unit: 'short',
      queries: [{ expr: `sum by (mode) (${series(PG.locksCount, [job])})`, legend: '{{mode}}' }],
    }),
    timeseriesPanel(ctx, {
      title: 'PostgreSQL transactions per database',
      description: 'Commits and rollbacks per second per database (pg_stat_database through postgres_exporter).',
      unit: 'ops',
      queries: [
        { expr: `sum by (datname) (rate(${series(PG.xactCommit, db)}${RATE}))`, legend: '{{datname}} commit' },
        { expr: `sum by (datname) (rate(${series(PG.xactRollback, db)}${RATE}))`, legend: '{{datname}} rollback' },
        { expr: `sum by (datname) (rate(${series(PG.deadlocks, db)}${RATE}))`, legend: '{{datname}} deadlock' },
      ],
    }),
    timeseriesPanel(ctx, {
      title: 'PostgreSQL replication lag',
      description:
        'WAL bytes each standby has yet to replay (pg_stat_replication on the primary); empty without standbys.',
      unit: 'bytes',
      queries: [
        {
          expr: `max by (application_name) (${series(PG.replicationLagBytes, [job])})`,
          legend: '{{application_name}}',
        },
      ],
    }),
  ];
}

function redis(ctx: DashboardContext): PanelBuilder[] {
  const job = jobMatcher(ctx.config.platform.redis.job);
  return [
    timeseriesPanel(ctx, {
      title: 'Redis latency per command (mean)',
      description: 'Seconds spent per call of each command, the ten slowest.',
      unit: 's',
      queries: [
        {
          expr: `topk(10, sum by (cmd) (rate(${series(REDIS.commandsDurationSeconds, [job])}${RATE})) / sum by (cmd) (rate(${series(REDIS.commandsTotal, [job])}${RATE})))`,
          legend: '{{cmd}}',
        },
      ],
    }),
    timeseriesPanel(ctx, {
      title: 'Redis memory',
      description: 'Memory used by Redis against its maxmemory (redis_exporter): at the limit, keys are evicted.',
      unit: 'bytes',
      queries: [
        { expr: series(REDIS.memoryUsedBytes, [job]), legend: '{{instance}} used' },
        // maxmemory 0 means "no limit": drop it rather than draw a line at zero
        { expr: `${series(REDIS.memoryMaxBytes, [job])} > 0`, legend: '{{instance}} max' },
      ],
    }),
    timeseriesPanel(ctx, {
      title: 'Redis evictions',
      description: 'Keys evicted per second (redis_exporter): sessions and caches lost under memory pressure.',
      unit: 'ops',
      queries: [{ expr: `rate(${series(REDIS.evictedKeys, [job])}${RATE})`, legend: '{{instance}}' }],
    }),
    timeseriesPanel(ctx, {
      title: 'Redis clients',
      description: 'Connected clients (redis_exporter): a release that leaks connections shows here first.',
      unit: 'short',
      queries: [{ expr: series(REDIS.connectedClients, [job]), legend: '{{instance}}' }],
    }),
  ];
}

/** The smallest `slo.max` among the config's ingress metrics of a kind, if any. */
function ingressSlo(metrics: readonly MetricSpec[], kind: MetricSpec['kind']): number | undefined {
  const maxes = metrics
    .filter((m) => m.group === 'ingress' && m.kind === kind && m.slo?.max !== undefined)
    .map((m) => m.slo!.max!);
  return maxes.length ? Math.min(...maxes) : undefined;
}

function withSlo(panel: ReturnType<typeof timeseriesPanel>, slo: number | undefined): PanelBuilder {
  if (slo === undefined) return panel;
  return panel
    .thresholds(
      thresholds([
        ['green', null],
        ['red', slo],
      ]),
    )
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
}

function traefik(ctx: DashboardContext): PanelBuilder[] {
  const cfg = ctx.config.platform.traefik;
  const job = jobMatcher(cfg.job);
  const svc = 'service=~"$traefik_service"';
  const req = (extra: string[] = []): string => `rate(${series(TRAEFIK.serviceRequests, [job, svc, ...extra])}${RATE})`;
  const bucket = (matchers: string[]): string =>
    `rate(${series(TRAEFIK.serviceDurationBucket, [job, ...matchers])}${RATE})`;
  const cohorts: [string, string][] = [
    ['canary', cfg.canary],
    ['baseline', cfg.baseline],
  ];
  return [
    timeseriesPanel(ctx, {
      title: 'Traefik requests per service',
      description:
        'Requests per second per Traefik service (Traefik v3 metrics): the stable and canary weights at work.',
      unit: 'reqps',
      queries: [{ expr: `sum by (service) (${req()})`, legend: '{{service}}' }],
    }),
    withSlo(
      timeseriesPanel(ctx, {
        title: 'Traefik error ratio per service',
        description: 'Share of responses with a 5xx code.',
        unit: 'percentunit',
        queries: [
          { expr: `sum by (service) (${req(['code=~"5.."'])}) / sum by (service) (${req()})`, legend: '{{service}}' },
        ],
      }),
      ingressSlo(ctx.config.metrics, 'ratio'),
    ),
    withSlo(
      timeseriesPanel(ctx, {
        title: 'Traefik latency p95 per service',
        description: '95th percentile of request duration per Traefik service, from its histogram.',
        unit: 's',
        queries: [{ expr: `histogram_quantile(0.95, sum by (service, le) (${bucket([svc])}))`, legend: '{{service}}' }],
      }),
      ingressSlo(ctx.config.metrics, 'latency'),
    ),
    withSlo(
      timeseriesPanel(ctx, {
        title: 'Traefik latency: canary vs baseline',
        description: `p50 and p95 of ${cfg.canary} (canary) and ${cfg.baseline} (baseline).`,
        unit: 's',
        queries: [0.5, 0.95].flatMap((q) =>
          cohorts.map(([name, service]) => ({
            expr: `histogram_quantile(${q}, sum by (le) (${bucket([`service="${stringLiteral(service)}"`])}))`,
            legend: `p${q * 100} ${name}`,
          })),
        ),
      }),
      ingressSlo(ctx.config.metrics, 'latency'),
    ),
  ];
}

export function buildPlatform(ctx: DashboardContext): dashboard.Dashboard {
  const p = ctx.config.platform;
  const b = new dashboard.DashboardBuilder('Platform')
    .uid(`${ctx.config.uidPrefix}-platform`)
    .tags(['release-health', 'platform'])
    .description('PostgreSQL, Redis and Traefik under the release (postgres_exporter, redis_exporter, Traefik v3).')
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    // provisioned from generated JSON: edits in the UI would be lost at the next deploy
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable(ctx.config));
  if (p.traefik.enabled) {
    b.withVariable(
      new dashboard.QueryVariableBuilder('traefik_service')
        .label('Traefik service')
        .datasource(ctx.datasource)
        .query(`label_values(${series(TRAEFIK.serviceRequests, [jobMatcher(p.traefik.job)])}, service)`)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    );
  }
  const sections: [boolean, string, () => PanelBuilder[]][] = [
    [p.traefik.enabled, 'Traefik', () => traefik(ctx)],
    [p.postgres.enabled, 'PostgreSQL', () => postgres(ctx)],
    [p.redis.enabled, 'Redis', () => redis(ctx)],
  ];
  for (const [enabled, title, panels] of sections) {
    if (!enabled) continue;
    b.withRow(new dashboard.RowBuilder(title));
    for (const panel of panels()) b.withPanel(panel);
  }
  return b.build();
}
