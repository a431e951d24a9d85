/**
 * The Business signals dashboard against the odoo-exporter's REAL exposition: its
 * metrics layer (OpenTelemetry + Prometheus exporter, no server) records one scrape of one tenant
 * carrying every signal it defines, and every series a panel queries must be in what it serves,
 * with the labels the panel filters and groups on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { parseExposition } from '../../collector/index.ts';
import { COUNTERS, createOdooMetrics, GAUGES, HISTOGRAMS } from '../../odoo-exporter/index.ts';
import type { SignalBatch } from '../../odoo-exporter/index.ts';
import { loadDashboardsConfig } from '../config.ts';
import { buildDashboards } from './index.ts';
import { ODOO_LABELS, RELEASE_HEALTH } from './metricNames.ts';
import { metricNamesInExpr } from './promqlNames.ts';

const EXAMPLE = new URL('../../examples/dashboards/dashboards.yaml', import.meta.url).pathname;

/** Labels each signal carries besides `db` (as the exporter's SQL sources set them). */
function labelsFor(name: string): Record<string, string> {
  if (name === GAUGES.queueJobs) return { channel: 'root.integration', state: 'pending' };
  if (name === GAUGES.oldestPendingJob || name === COUNTERS.queueFailures) return { channel: 'root.integration' };
  if (name === GAUGES.payments) return { state: 'pending' };
  if (name === COUNTERS.payments) return { state: 'done' };
  return {};
}

test('every odoo_* series a Business panel queries is in the odoo-exporter exposition', async () => {
  const batch: SignalBatch = {
    counters: Object.values(COUNTERS).map((name) => ({ name, labels: labelsFor(name), value: 3 })),
    gauges: Object.values(GAUGES).map((name) => ({ name, labels: labelsFor(name), value: 2 })),
    histograms: Object.values(HISTOGRAMS).map((name) => ({ name, labels: labelsFor(name), values: [4, 40] })),
  };
  const metrics = await createOdooMetrics({ serve: false });
  let text: string;
  try {
    metrics.record('shop_berlin', [{ source: 'all', seconds: 0.01, batch }], 0.01, Date.UTC(2026, 2, 1));
    text = await metrics.collect();
  } finally {
    await metrics.close();
  }
  const parsed = parseExposition(text, { duplicates: 'record' });
  const labelsOf = new Map<string, Set<string>>();
  for (const f of parsed.families) {
    for (const s of f.samples)
      labelsOf.set(s.name, new Set([...(labelsOf.get(s.name) ?? []), ...Object.keys(s.labels)]));
  }

  const config = await loadDashboardsConfig(EXAMPLE);
  const business = buildDashboards(config).find((b) => b.file === 'business-signals')!.dashboard;
  const checked = new Set<string>();
  for (const p of (business.panels ?? []) as dashboard.Panel[]) {
    for (const t of (p.targets ?? []) as prometheus.Dataquery[]) {
      for (const name of metricNamesInExpr(t.expr)) {
        if (name === RELEASE_HEALTH.effect) continue; // the gate's gauge, not the exporter's
        const labels = labelsOf.get(name);
        assert.ok(labels, `${p.title}: "${name}" is not in the odoo-exporter exposition`);
        assert.ok(labels.has(ODOO_LABELS.tenant), `${name} carries the tenant label "${ODOO_LABELS.tenant}"`);
        // a label the query filters or groups on must be on the series (one metric per target here)
        for (const l of [ODOO_LABELS.state, ODOO_LABELS.channel]) {
          if (new RegExp(`\\b${l}\\s*(=|!=|=~|!~)|by \\(${l}\\)`).test(t.expr))
            assert.ok(labels.has(l), `${p.title}: ${name} has label "${l}"`);
        }
        checked.add(name);
      }
    }
  }
  assert.ok(checked.size >= 10, `checked ${[...checked].join(', ')}`);
});
