/**
 * The Release health dashboard against the gate's REAL /metrics: the gate's metrics
 * layer reads an active release and its verdict from a PGlite store, and every release_health_*
 * series a panel queries must be there with every label the panel filters or groups on,
 * `tenant_tier` included (empty for a release without a tier, which `=~".*"`, "All", matches).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { defaultGovernance } from '../../analyzer/index.ts';
import { parseExposition } from '../../collector/index.ts';
import { createGateMetrics } from '../../gate/index.ts';
import { createPgliteStore } from '../../store/index.ts';
import { loadDashboardsConfig } from '../config.ts';
import { seededHistory } from '../scorecard/testing/history.ts';
import { buildDashboards } from './index.ts';
import { RELEASE_HEALTH_LABELS } from './metricNames.ts';
import { metricNamesInExpr } from './promqlNames.ts';

const EXAMPLE = new URL('../../examples/dashboards/dashboards.yaml', import.meta.url).pathname;

/** Labels a query filters on (`l="…"`, `l=~"…"`, …) or groups by (`by (a, b)`). */
function labelsUsed(expr: string): string[] {
  const out = new Set<string>();
  for (const m of expr.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)\s*"/g)) out.add(m[1]);
  for (const m of expr.matchAll(/\bby\s*\(([^)]*)\)/g))
    for (const l of m[1].split(',')) if (l.trim()) out.add(l.trim());
  return [...out];
}

test('every release_health_* series a panel queries is in the gate /metrics, with its labels', async () => {
  const store = await createPgliteStore();
  let text: string;
  try {
    const h = seededHistory();
    const a = h.releases[0];
    const { onsetAt, ...record } = a;
    void onsetAt;
    await store.createRelease(
      { ...record, status: 'active' },
      { at: a.registeredAt, actor: 'ci', action: 'release.register', releaseId: a.release.id },
    );
    for (const v of h.verdicts[a.release.id]) await store.appendVerdict(v);
    const metrics = createGateMetrics({
      store,
      governance: defaultGovernance(),
      clock: () => a.release.startedAt + 30 * 60_000,
    });
    text = await metrics.collect();
    await metrics.close();
  } finally {
    await store.close();
  }
  const labelsOf = new Map<string, Set<string>>();
  for (const f of parseExposition(text, { duplicates: 'record' }).families) {
    for (const s of f.samples)
      labelsOf.set(s.name, new Set([...(labelsOf.get(s.name) ?? []), ...Object.keys(s.labels)]));
  }

  const config = await loadDashboardsConfig(EXAMPLE);
  const checked = new Set<string>();
  for (const { dashboard: d } of buildDashboards(config)) {
    const queries: [string, string][] = ((d.panels ?? []) as dashboard.Panel[]).flatMap((p) =>
      ((p.targets ?? []) as prometheus.Dataquery[]).map((t) => [p.title ?? '?', t.expr] as [string, string]),
    );
    for (const v of d.templating?.list ?? [])
      if (v.type === 'query' && typeof v.query === 'string') queries.push([`variable ${v.name}`, v.query]);
    for (const [title, expr] of queries) {
      for (const name of metricNamesInExpr(expr.replace(/^label_values\((.*),\s*\w+\)$/, '$1'))) {
        if (!name.startsWith('release_health_')) continue;
        const labels = labelsOf.get(name);
        assert.ok(labels, `${title}: "${name}" is not in the gate's /metrics`);
        for (const l of labelsUsed(expr)) {
          assert.ok(labels.has(l), `${title}: ${name} has no label "${l}" (has ${[...labels].join(', ')})`);
        }
        checked.add(name);
      }
    }
  }
  assert.deepEqual([...checked].sort(), [
    'release_health_metric_detectable',
    'release_health_metric_effect',
    'release_health_metric_evidence',
    'release_health_score',
    'release_health_verdict',
  ]);
  // every variable filters a label its series carry: choosing a tier must not empty the panels
  for (const name of checked)
    assert.ok(labelsOf.get(name)!.has(RELEASE_HEALTH_LABELS.tenantTier), `${name} carries tenant_tier`);
});
