/**
 * The built dashboards: typed by the SDK (`dashboard.Dashboard`, checked by tsc), and their
 * structure asserted here — panels, targets, datasource uids, variables, annotations — plus the
 * files `writeDashboards` leaves for Grafana's provisioning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { loadDashboardsConfig, parseDashboardsConfig } from '../config.ts';
import type { DashboardsConfig } from '../config.ts';
import { writeDashboards } from '../write.ts';
import { buildDashboards } from './index.ts';
import { ANNOTATION_TAG, ODOO, RELEASE_HEALTH } from './metricNames.ts';
import { metricNamesInExpr } from './promqlNames.ts';

const EXAMPLE = new URL('../../examples/dashboards/dashboards.yaml', import.meta.url).pathname;

type AnyPanel = dashboard.Panel | dashboard.RowPanel;
const isRow = (p: AnyPanel): p is dashboard.RowPanel => p.type === 'row';

function panelsOf(d: dashboard.Dashboard): dashboard.Panel[] {
  return (d.panels ?? []).filter((p): p is dashboard.Panel => !isRow(p));
}
function targetsOf(p: dashboard.Panel): prometheus.Dataquery[] {
  return (p.targets ?? []) as prometheus.Dataquery[];
}
function byUid(config: DashboardsConfig, suffix: string): dashboard.Dashboard {
  const d = buildDashboards(config).find((x) => x.dashboard.uid === `${config.uidPrefix}-${suffix}`);
  assert.ok(d, `dashboard ${suffix}`);
  return d.dashboard;
}

test('three dashboards with distinct uids, every query panel on the datasource variable (the configured one by default)', async () => {
  const config = await loadDashboardsConfig(EXAMPLE);
  const built = buildDashboards(config);
  assert.deepEqual(
    built.map((b) => b.dashboard.uid),
    ['rh-release-health', 'rh-business', 'rh-platform'],
  );
  for (const { dashboard: d } of built) {
    const dsVariable = (d.templating?.list ?? [])[0];
    assert.deepEqual(
      [dsVariable?.name, dsVariable?.type, dsVariable?.query, dsVariable?.current?.value],
      ['datasource', 'datasource', 'prometheus', 'prometheus'],
      `${d.title}: datasource variable first`,
    );
    const panels = panelsOf(d);
    assert.ok(panels.length >= 5, `${d.title}: ${panels.length} panels`);
    const ids = (d.panels ?? []).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${d.title}: panel ids unique`);
    for (const p of panels) {
      assert.ok(
        (p.gridPos?.w ?? 0) > 0 && (p.gridPos?.x ?? 0) + (p.gridPos?.w ?? 0) <= 24,
        `${p.title}: fits the 24-column grid`,
      );
      if (p.type === 'text') continue;
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, `${p.title}: panel datasource`);
      const targets = targetsOf(p);
      assert.ok(targets.length > 0, `${p.title}: has targets`);
      assert.equal(new Set(targets.map((t) => t.refId)).size, targets.length, `${p.title}: refIds unique`);
      for (const t of targets) {
        assert.equal(t.datasource?.uid, '${datasource}', `${p.title}: target datasource`);
        assert.ok(
          t.expr.length > 0 && metricNamesInExpr(t.expr).length > 0,
          `${p.title}: target reads a series: ${t.expr}`,
        );
      }
    }
    // the JSON Grafana reads is the built object, nothing lost on the way
    assert.deepEqual(JSON.parse(JSON.stringify(d)).panels.length, d.panels?.length);
  }
});

test('release health: variables, annotations, one effect panel per spec metric with its band', async () => {
  const config = await loadDashboardsConfig(EXAMPLE);
  const d = byUid(config, 'release-health');
  const vars = d.templating?.list ?? [];
  assert.deepEqual(
    vars.map((v) => v.name),
    ['datasource', 'service', 'environment', 'tenant_tier', 'release_id'],
  );
  assert.equal(vars.find((v) => v.name === 'tenant_tier')?.query, 'tier-1,tier-2,tier-3');
  assert.match(
    String(vars.find((v) => v.name === 'service')?.query),
    /^label_values\(release_health_score, service\)$/,
  );

  const annotations = d.annotations?.list ?? [];
  assert.equal(annotations.length, 1);
  assert.deepEqual(annotations[0].datasource, { type: 'datasource', uid: 'grafana' });
  assert.deepEqual((annotations[0].target as unknown as { tags: string[]; type: string }).tags, [ANNOTATION_TAG]);
  assert.equal((annotations[0].target as unknown as { type: string }).type, 'tags');

  const repeated = (d.panels ?? []).find((p) => isRow(p) && p.repeat === 'release_id');
  assert.ok(repeated, 'a row repeated per release');

  const panels = panelsOf(d);
  for (const spec of config.metrics) {
    const p = panels.find((x) => x.title === `Effect: ${spec.name}`);
    assert.ok(p, `effect panel for ${spec.name}`);
    const exprs = targetsOf(p).map((t) => t.expr);
    assert.equal(exprs.length, 3);
    for (const [i, bound] of ['relative', 'low', 'high'].entries()) {
      assert.ok(exprs[i].startsWith(`${RELEASE_HEALTH.effect}{metric="${spec.name}"`), exprs[i]);
      assert.ok(exprs[i].includes(`bound="${bound}"`), exprs[i]);
      assert.ok(exprs[i].includes('release_id="$release_id"'), exprs[i]);
    }
    // the tolerance line sits at +tolerance for harm "increase"
    const steps = p.fieldConfig?.defaults.thresholds?.steps ?? [];
    if (spec.harm === 'increase')
      assert.deepEqual(
        steps.map((s) => s.value),
        [null, spec.tolerance],
      );
  }
  const score = panels.find((p) => p.title === 'Score');
  assert.deepEqual(
    score?.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value),
    [null, 75, 95],
    'standard class marginal/pass',
  );
  const decision = panels.find((p) => p.title === 'Decision');
  assert.equal(decision?.type, 'state-timeline');
  assert.ok(targetsOf(decision!)[0].expr.includes(RELEASE_HEALTH.verdict));
  const evidence = panels.find((p) => p.title === 'Evidence');
  assert.ok(targetsOf(evidence!)[0].expr.startsWith(RELEASE_HEALTH.evidence));
  const classes = panels.find((p) => p.title === 'Release classes');
  for (const c of config.releaseClasses)
    assert.ok(String((classes?.options as { content: string }).content).includes(`| ${c} |`), c);
});

test('business signals: canary vs baseline overlaid on every odoo-exporter signal', async () => {
  const config = await loadDashboardsConfig(EXAMPLE);
  const d = byUid(config, 'business');
  const exprs = panelsOf(d).flatMap((p) => targetsOf(p).map((t) => t.expr));
  const names = new Set(exprs.flatMap(metricNamesInExpr));
  for (const n of Object.values(ODOO)) assert.ok(names.has(n), `queries ${n}`);
  for (const p of panelsOf(d).filter((x) => x.title !== 'Judged business metrics: relative effect')) {
    const legends = targetsOf(p).map((t) => t.legendFormat ?? '');
    assert.ok(
      legends.some((l) => l.endsWith('canary')) && legends.some((l) => l.endsWith('baseline')),
      `${p.title}: ${legends.join(', ')}`,
    );
    const canary = targetsOf(p).find((t) => t.legendFormat?.endsWith('canary'));
    assert.ok(canary?.expr.includes('db=~"shop_berlin|shop_hamburg"'), canary?.expr);
  }
});

test('the config drives the dashboards: sections, jobs, cohorts, uids and unknown keys', async () => {
  const base = parseYaml(await readFile(EXAMPLE, 'utf8')) as Record<string, unknown>;
  const config = parseDashboardsConfig({
    ...base,
    uidPrefix: 'stg',
    releaseClasses: ['schema-change'],
    business: { cohort: { label: 'db', canary: ['a.b'], baseline: ['c'] } },
    platform: { redis: { enabled: false }, postgres: { job: 'pg-main' } },
  });
  const platform = byUid(config, 'platform');
  const titles = panelsOf(platform).map((p) => p.title ?? '');
  assert.ok(!titles.some((t) => t.startsWith('Redis')), 'redis section off');
  const pgExprs = panelsOf(platform)
    .filter((p) => p.title?.startsWith('PostgreSQL'))
    .flatMap((p) => targetsOf(p).map((t) => t.expr));
  assert.ok(
    pgExprs.every((e) => e.includes('job="pg-main"')),
    pgExprs.join('\n'),
  );
  const business = byUid(config, 'business');
  const first = targetsOf(panelsOf(business)[0]);
  assert.ok(first[0].expr.includes('db=~"a\\\\.b"'), first[0].expr);
  assert.ok(first[1].expr.includes('db=~"c"'), first[1].expr);
  const score = panelsOf(byUid(config, 'release-health')).find((p) => p.title === 'Score');
  assert.deepEqual(
    score?.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value),
    [null, 85, 98],
    'schema-change thresholds',
  );

  assert.throws(() => parseDashboardsConfig({ ...base, panles: [] }), /panles|Unrecognized/);
  assert.throws(() => parseDashboardsConfig({ ...base, releaseClasses: ['yolo'] }), /unknown release class/);
  // a larger config (serve.yaml) carries it under `dashboards:`
  assert.equal(parseDashboardsConfig({ dashboards: base, gate: { port: 1 } }).uidPrefix, 'rh');
});

test('writeDashboards writes the JSON and provisioning files Grafana reads', async () => {
  const config = await loadDashboardsConfig(EXAMPLE);
  const out = await mkdtemp(join(tmpdir(), 'rh-dashboards-'));
  try {
    const written = await writeDashboards(config, out);
    assert.deepEqual((await readdir(join(out, 'dashboards'))).sort(), [
      'business-signals.json',
      'platform.json',
      'release-health.json',
    ]);
    assert.equal(written.dashboards.length, 3);
    const rh = JSON.parse(
      await readFile(join(out, 'dashboards', 'release-health.json'), 'utf8'),
    ) as dashboard.Dashboard;
    assert.equal(rh.uid, 'rh-release-health');
    const ds = parseYaml(await readFile(join(out, 'provisioning', 'datasources', 'release-health.yaml'), 'utf8'));
    assert.deepEqual(ds.datasources[0], {
      name: 'Prometheus',
      uid: 'prometheus',
      type: 'prometheus',
      access: 'proxy',
      url: 'http://prometheus:9090',
      isDefault: true,
      editable: false,
    });
    const provider = parseYaml(await readFile(join(out, 'provisioning', 'dashboards', 'release-health.yaml'), 'utf8'));
    assert.equal(provider.apiVersion, 1);
    assert.equal(provider.providers[0].options.path, join(out, 'dashboards'));
    assert.equal(provider.providers[0].folder, 'Release health');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
