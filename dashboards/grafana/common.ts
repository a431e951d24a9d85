/**
 * Shared pieces of the three dashboards (one file per section, shared pieces here):
 * the datasource reference, label matchers, and timeseries / stat / state-timeline factories that
 * give every panel the same look and a datasource on the panel and on each target.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DashboardsConfig } from '../config.ts';

export type PanelBuilder = cog.Builder<dashboard.Panel>;
export type VariableBuilder = cog.Builder<dashboard.VariableModel>;

export interface DashboardContext {
  config: DashboardsConfig;
  datasource: common.DataSourceRef;
}

/** The datasource variable every panel and query names, so one dashboard serves every Prometheus. */
export const DATASOURCE_VARIABLE = 'datasource';

export function contextOf(config: DashboardsConfig): DashboardContext {
  return { config, datasource: { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` } };
}

/** The `datasource` variable: any Prometheus datasource, the configured one by default. */
export function datasourceVariable(config: DashboardsConfig): VariableBuilder {
  return new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label('Data source')
    .description('The Prometheus that scrapes release-health and the services it judges.')
    .type('prometheus')
    .current({ text: config.datasource.name, value: config.datasource.uid });
}

/** Grafana's own annotation store (the gate posts there with tag `release-health`). */
export const GRAFANA_ANNOTATIONS: common.DataSourceRef = { type: 'datasource', uid: 'grafana' };

/** Escapes a literal for a PromQL regex matcher inside a double-quoted string. */
export function regexLiteral(value: string): string {
  return value
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"');
}

/** Escapes a literal for an exact PromQL matcher (`label="…"`). */
export function stringLiteral(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `label=~"a|b"` matching any of the literal values. */
export function anyOf(label: string, values: readonly string[]): string {
  return `${label}=~"${values.map(regexLiteral).join('|')}"`;
}

/** `label!~"a|b"`. */
export function noneOf(label: string, values: readonly string[]): string {
  return `${label}!~"${values.map(regexLiteral).join('|')}"`;
}

/** A selector `name{m1, m2}` (no braces when there are no matchers). */
export function series(name: string, matchers: readonly (string | undefined)[] = []): string {
  const kept = matchers.filter((m): m is string => m !== undefined && m !== '');
  return kept.length ? `${name}{${kept.join(', ')}}` : name;
}

/** A `job="…"` matcher when the config names a job. */
export function jobMatcher(job: string | undefined): string | undefined {
  return job === undefined ? undefined : `job="${stringLiteral(job)}"`;
}

export interface Query {
  expr: string;
  legend?: string;
  /** instant query (stat panels) */
  instant?: boolean;
}

export function target(ctx: DashboardContext, q: Query, refId: string): prometheus.DataqueryBuilder {
  const b = new prometheus.DataqueryBuilder().datasource(ctx.datasource).expr(q.expr).refId(refId);
  if (q.legend !== undefined) b.legendFormat(q.legend);
  if (q.instant) b.instant();
  else b.range();
  return b;
}

function refIds(queries: readonly Query[]): string[] {
  return queries.map((_, i) => String.fromCharCode(65 + i));
}

export interface PanelOptions {
  title: string;
  /** required: Grafana's dashboard-linter (panel-title-description) wants one on every panel */
  description: string;
  /** required: a Grafana unit id (panel-units); `short` or `none` for plain numbers */
  unit: string;
  queries: readonly Query[];
  /** grid width (of 24) and height */
  width?: number;
  height?: number;
  min?: number;
  max?: number;
}

export function timeseriesPanel(ctx: DashboardContext, o: PanelOptions): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(o.title)
    .datasource(ctx.datasource)
    .span(o.width ?? 12)
    .height(o.height ?? 8)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    );
  const ids = refIds(o.queries);
  o.queries.forEach((q, i) => p.withTarget(target(ctx, q, ids[i])));
  if (o.description) p.description(o.description);
  if (o.unit) p.unit(o.unit);
  if (o.min !== undefined) p.min(o.min);
  if (o.max !== undefined) p.max(o.max);
  return p;
}

export function statPanel(ctx: DashboardContext, o: PanelOptions): stat.PanelBuilder {
  const p = new stat.PanelBuilder()
    .title(o.title)
    .datasource(ctx.datasource)
    .span(o.width ?? 6)
    .height(o.height ?? 4);
  const ids = refIds(o.queries);
  o.queries.forEach((q, i) => p.withTarget(target(ctx, { ...q, instant: true }, ids[i])));
  if (o.description) p.description(o.description);
  if (o.unit) p.unit(o.unit);
  return p;
}

export function stateTimelinePanel(ctx: DashboardContext, o: PanelOptions): statetimeline.PanelBuilder {
  const p = new statetimeline.PanelBuilder()
    .title(o.title)
    .datasource(ctx.datasource)
    .span(o.width ?? 24)
    .height(o.height ?? 6);
  const ids = refIds(o.queries);
  o.queries.forEach((q, i) => p.withTarget(target(ctx, q, ids[i])));
  if (o.description) p.description(o.description);
  return p;
}

/** Threshold steps: `[color, from]` pairs, the first from minus infinity. */
export function thresholds(steps: readonly [string, number | null][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([color, value]) => ({ color, value })));
}
