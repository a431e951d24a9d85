/**
 * "Release health": what an SRE watches while a release rolls out. One repeated row per release
 * (variable `release_id`): the decision over time, the score against the class thresholds, each
 * spec metric's relative effect inside its confidence band next to its tolerance, and the
 * evidence against 1/alpha. Annotations come from Grafana's annotation store, where the gate
 * posts release start, traffic shifts and verdict changes with tag `release-health`.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as text from '@grafana/grafana-foundation-sdk/text';
import { resolvePolicy } from '../../analyzer/index.ts';
import type { MetricSpec, ReleaseClassPolicy } from '../../analyzer/index.ts';
import {
  datasourceVariable,
  GRAFANA_ANNOTATIONS,
  regexLiteral,
  series,
  stateTimelinePanel,
  statPanel,
  stringLiteral,
  thresholds,
  timeseriesPanel,
} from './common.ts';
import type { DashboardContext, PanelBuilder, VariableBuilder } from './common.ts';
import { ANNOTATION_TAG, EFFECT_BOUNDS, RELEASE_HEALTH as RH, RELEASE_HEALTH_LABELS as L } from './metricNames.ts';

const DECISION_COLORS: Record<string, string> = {
  continue: 'blue',
  promote: 'green',
  'reduce-traffic': 'orange',
  rollback: 'red',
  inconclusive: 'purple',
};

/** Matchers every release-health query carries (the dashboard's variables). */
const FILTERS = [`${L.service}=~"$service"`, `${L.environment}=~"$environment"`, `${L.tenantTier}=~"$tenant_tier"`];
const THIS_RELEASE = [`${L.releaseId}="$release_id"`, ...FILTERS];

export function releaseHealthVariables(ctx: DashboardContext): VariableBuilder[] {
  const ds = ctx.datasource;
  const tiers = ctx.config.tenantTiers;
  return [
    new dashboard.QueryVariableBuilder('service')
      .label('Service')
      .datasource(ds)
      .query(`label_values(${RH.score}, ${L.service})`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .multi(true)
      .includeAll(true)
      .allValue('.*'),
    new dashboard.QueryVariableBuilder('environment')
      .label('Environment')
      .datasource(ds)
      .query(`label_values(${RH.score}{${L.service}=~"$service"}, ${L.environment})`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .multi(true)
      .includeAll(true)
      .allValue('.*'),
    // The gate's gauges carry tenant_tier (empty, i.e. absent, for releases without one; `=~".*"`
    // (All) matches those too). The values: the config's tiers when it lists them, else the ones
    // the gauges carry.
    tiers.length > 0
      ? new dashboard.CustomVariableBuilder('tenant_tier')
          .label('Tenant tier')
          .values(tiers.join(','))
          .multi(true)
          .includeAll(true)
          .allValue('.*')
      : new dashboard.QueryVariableBuilder('tenant_tier')
          .label('Tenant tier')
          .datasource(ds)
          .query(
            `label_values(${RH.score}{${L.service}=~"$service", ${L.environment}=~"$environment"}, ${L.tenantTier})`,
          )
          .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
          .multi(true)
          .includeAll(true)
          .allValue('.*'),
    new dashboard.QueryVariableBuilder('release_id')
      .label('Release')
      .datasource(ds)
      .query(`label_values(${series(RH.score, FILTERS)}, ${L.releaseId})`)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .multi(true)
      .includeAll(true),
  ];
}

/** The policy whose score thresholds the score panels draw: the first configured class. */
function scoreClass(ctx: DashboardContext): [string, ReleaseClassPolicy] {
  const name = ctx.config.releaseClasses[0];
  return [name, resolvePolicy(name)];
}

function overview(ctx: DashboardContext): PanelBuilder[] {
  const active = statPanel(ctx, {
    title: 'Releases by current decision',
    unit: 'short',
    description: 'Releases whose latest verdict is each decision (gate gauge release_health_verdict).',
    queries: [{ expr: `count by (${L.decision}) (${series(RH.verdict, FILTERS)} == 1)`, legend: `{{${L.decision}}}` }],
    width: 12,
    height: 5,
  });
  for (const [decision, color] of Object.entries(DECISION_COLORS)) {
    active.overrideByName(decision, [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }]);
  }
  const rows = ctx.config.releaseClasses.map((name) => {
    const p = resolvePolicy(name);
    return `| ${name} | ${p.observeMs / 60_000} min | ${p.alpha} | ${p.passScore} | ${p.marginalScore} | ${p.toleranceScale} |`;
  });
  const policy = new text.PanelBuilder()
    .title('Release classes')
    .span(12)
    .height(5)
    .mode(text.TextMode.Markdown)
    .content(
      ['| class | window | alpha | pass | marginal | tolerance × |', '|---|---|---|---|---|---|', ...rows].join('\n'),
    );
  return [active, policy];
}

function decisionPanel(ctx: DashboardContext): PanelBuilder {
  const p = stateTimelinePanel(ctx, {
    title: 'Decision',
    unit: 'none',
    description: 'The decision in force over time: one lane per decision, lit while it is current.',
    queries: [{ expr: `max by (${L.decision}) (${series(RH.verdict, THIS_RELEASE)})`, legend: `{{${L.decision}}}` }],
    width: 12,
    height: 7,
  });
  p.mappings([
    {
      type: dashboard.MappingType.ValueToText,
      options: { '0': { text: ' ', color: 'transparent' }, '1': { text: 'current' } },
    },
  ]);
  for (const [decision, color] of Object.entries(DECISION_COLORS)) {
    p.overrideByName(decision, [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }]);
  }
  return p;
}

function scorePanel(ctx: DashboardContext): PanelBuilder {
  const [name, policy] = scoreClass(ctx);
  return timeseriesPanel(ctx, {
    title: 'Score',
    description: `Release score (0-100). Lines: pass ${policy.passScore} and marginal ${policy.marginalScore} of the ${name} class.`,
    unit: 'none',
    queries: [{ expr: series(RH.score, THIS_RELEASE), legend: 'score' }],
    min: 0,
    max: 100,
    width: 12,
    height: 7,
  })
    .thresholds(
      thresholds([
        ['red', null],
        ['orange', policy.marginalScore],
        ['green', policy.passScore],
      ]),
    )
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
}

/** Tolerance lines: where the effect starts to matter, on the harmful side(s). */
function toleranceSteps(spec: MetricSpec): [string, number | null][] {
  const t = spec.tolerance;
  if (spec.harm === 'increase')
    return [
      ['green', null],
      ['red', t],
    ];
  if (spec.harm === 'decrease')
    return [
      ['red', null],
      ['green', -t],
    ];
  return [
    ['red', null],
    ['green', -t],
    ['red', t],
  ];
}

function effectPanel(ctx: DashboardContext, spec: MetricSpec): PanelBuilder {
  const m = [`${L.metric}="${stringLiteral(spec.name)}"`, ...THIS_RELEASE];
  const bound = (b: string): string => series(RH.effect, [...m, `${L.bound}="${b}"`]);
  return (
    timeseriesPanel(ctx, {
      title: `Effect: ${spec.name}`,
      description:
        `Relative change canary vs baseline with its confidence band (${spec.kind}, harm: ${spec.harm}). ` +
        `Dashed: tolerance ±${spec.tolerance * 100}% (before the class's tolerance scale).${spec.critical ? ' Critical metric.' : ''}`,
      unit: 'percentunit',
      queries: [
        { expr: bound(EFFECT_BOUNDS.point), legend: 'effect' },
        { expr: bound(EFFECT_BOUNDS.low), legend: 'low' },
        { expr: bound(EFFECT_BOUNDS.high), legend: 'high' },
      ],
      width: 8,
      height: 7,
    })
      .thresholds(thresholds(toleranceSteps(spec)))
      .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
      // the band: `high` filled down to `low`, both drawn thin
      .overrideByName('high', [
        { id: 'custom.fillBelowTo', value: 'low' },
        { id: 'custom.lineWidth', value: 0 },
        { id: 'color', value: { mode: 'fixed', fixedColor: 'blue' } },
      ])
      .overrideByName('low', [
        { id: 'custom.lineWidth', value: 0 },
        { id: 'custom.fillOpacity', value: 0 },
        { id: 'color', value: { mode: 'fixed', fixedColor: 'blue' } },
      ])
      .overrideByName('effect', [
        { id: 'color', value: { mode: 'fixed', fixedColor: 'dark-blue' } },
        { id: 'custom.fillOpacity', value: 0 },
      ])
  );
}

function evidencePanel(ctx: DashboardContext): PanelBuilder {
  const [name, policy] = scoreClass(ctx);
  const names = ctx.config.metrics.map((m) => m.name);
  return timeseriesPanel(ctx, {
    title: 'Evidence',
    description: `e-value (sequential) or 1/p (fixed) per metric, log scale. A regression needs evidence past 1/alpha (${1 / policy.alpha} for ${name}, before the split across metrics) and an effect outside tolerance. A metric without data has no point (NaN), never a value that reads as "no change".`,
    unit: 'none',
    queries: [
      {
        expr: series(RH.evidence, [`${L.metric}=~"${names.map(regexLiteral).join('|')}"`, ...THIS_RELEASE]),
        legend: `{{${L.metric}}}`,
      },
    ],
    width: 24,
    height: 7,
  })
    .scaleDistribution(new common.ScaleDistributionConfigBuilder().type(common.ScaleDistribution.Log).log(10))
    .thresholds(
      thresholds([
        ['transparent', null],
        ['red', 1 / policy.alpha],
      ]),
    )
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
}

/**
 * What the release can still tell: per metric, the smallest harmful effect the data so far would
 * catch, beside the tolerance. A line that stays above its tolerance is a metric whose harm can
 * only be "not detected", never ruled out, at this traffic.
 */
function detectablePanel(ctx: DashboardContext): PanelBuilder {
  const names = ctx.config.metrics.map((m) => m.name);
  const tolerances = ctx.config.metrics.map((m) => `${m.name} ${Math.round(m.tolerance * 1000) / 10}%`).join(', ');
  return timeseriesPanel(ctx, {
    title: 'Detectable effect',
    description: `Per metric, the smallest harmful relative change the data so far would catch with even odds; it shrinks as traffic accumulates. Below the tolerance (${tolerances}, before the class's scale) harm can be ruled out; above it a clean release is promoted as "not detected". NaN (no point) without data.`,
    unit: 'percentunit',
    queries: [
      {
        expr: series(RH.detectable, [`${L.metric}=~"${names.map(regexLiteral).join('|')}"`, ...THIS_RELEASE]),
        legend: `{{${L.metric}}}`,
      },
    ],
    width: 24,
    height: 7,
  });
}

/**
 * Grafana's built-in annotation query by tags. `AnnotationQueryBuilder.target` takes a dataquery
 * builder while the SDK's `AnnotationTargetBuilder` builds the tag query Grafana expects, so this
 * adapter marks the latter as a dataquery variant (the marker method is dropped by JSON).
 */
class TagsTarget implements cog.Builder<cog.Dataquery> {
  constructor(private readonly tags: string[]) {}
  build(): cog.Dataquery {
    const t = new dashboard.AnnotationTargetBuilder().type('tags').tags(this.tags).matchAny(false).limit(500).build();
    return { ...t, _implementsDataqueryVariant: () => {} };
  }
}

export function buildReleaseHealth(ctx: DashboardContext): dashboard.Dashboard {
  const b = new dashboard.DashboardBuilder('Release health')
    .uid(`${ctx.config.uidPrefix}-release-health`)
    .tags(['release-health'])
    .description('Decision, score, effects and evidence of each active release, from the gate’s verdict gauges.')
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    // provisioned from generated JSON: edits in the UI would be lost at the next deploy
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Release events')
        .datasource(GRAFANA_ANNOTATIONS)
        .enable(true)
        .iconColor('purple')
        .target(new TagsTarget([ANNOTATION_TAG])),
    );
  b.withVariable(datasourceVariable(ctx.config));
  for (const v of releaseHealthVariables(ctx)) b.withVariable(v);
  b.withRow(new dashboard.RowBuilder('Overview'));
  for (const p of overview(ctx)) b.withPanel(p);
  b.withRow(new dashboard.RowBuilder('Release $release_id').repeat('release_id'));
  b.withPanel(decisionPanel(ctx)).withPanel(scorePanel(ctx));
  for (const spec of ctx.config.metrics) b.withPanel(effectPanel(ctx, spec));
  b.withPanel(evidencePanel(ctx));
  b.withPanel(detectablePanel(ctx));
  return b.build();
}
