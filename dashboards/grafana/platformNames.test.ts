/**
 * Every series a Platform panel queries exists in the exporters' REAL output, so no panel stays
 * empty because of a misspelt name:
 *  - postgres_exporter 0.11 and redis_exporter 1.45: scraped live from the services started by
 *    `bash scripts/services/start.sh` (`requireService`: skipped with a message locally, a failure
 *    under CI=true);
 *  - Traefik v3: the recorded exposition under collector/textparse/testdata (no Traefik runs here).
 * Names only some deployments export (`CONDITIONAL_SERIES`: replication lag needs standbys) must be
 * named by the exporter binary itself: its builtin map holds the namespace and the column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { parseExposition } from '../../collector/index.ts';
import { httpGet, requireService } from '../../test/integration/helpers.ts';
import { loadDashboardsConfig } from '../config.ts';
import { buildDashboards } from './index.ts';
import { CONDITIONAL_SERIES } from './metricNames.ts';
import { metricNamesInExpr } from './promqlNames.ts';

const EXAMPLE = new URL('../../examples/dashboards/dashboards.yaml', import.meta.url).pathname;
const TRAEFIK_RECORDED = new URL('../../collector/textparse/testdata/traefik_v3.prom', import.meta.url).pathname;
const EXPORTER_BINARIES: Record<string, string> = {
  postgres_exporter: '/usr/bin/prometheus-postgres-exporter',
  redis_exporter: '/usr/bin/prometheus-redis-exporter',
};

/** Names of every sample (not family: histograms expose `_bucket`, `_sum`, `_count`). */
function sampleNames(body: string, contentType = 'text/plain; version=0.0.4'): Set<string> {
  const parsed = parseExposition(body, { contentType, duplicates: 'record' });
  return new Set(parsed.families.flatMap((f) => f.samples.map((s) => s.name)));
}

async function platformNames(): Promise<Map<string, string[]>> {
  const config = await loadDashboardsConfig(EXAMPLE);
  const platform = buildDashboards(config).find((b) => b.file === 'platform');
  assert.ok(platform);
  const byName = new Map<string, string[]>();
  for (const p of (platform.dashboard.panels ?? []) as dashboard.Panel[]) {
    for (const t of (p.targets ?? []) as prometheus.Dataquery[]) {
      for (const n of metricNamesInExpr(t.expr)) byName.set(n, [...(byName.get(n) ?? []), p.title ?? '?']);
    }
  }
  return byName;
}

function checkAgainst(exposed: Set<string>, prefix: string, wanted: Map<string, string[]>, atLeast = 2): void {
  const ours = [...wanted.keys()].filter((n) => n.startsWith(prefix));
  assert.ok(ours.length >= atLeast, `platform panels query ${prefix}* series: ${ours.join(', ')}`);
  for (const name of ours) {
    if (exposed.has(name)) continue;
    const conditional = CONDITIONAL_SERIES[name];
    assert.ok(conditional, `"${name}" (panels: ${wanted.get(name)!.join(', ')}) is not in the exposition`);
    const binary = EXPORTER_BINARIES[conditional.exporter];
    if (!existsSync(binary)) continue; // the live scrape proved the rest; nothing to read the map from
    const text = readFileSync(binary).toString('latin1');
    for (const part of conditional.parts)
      assert.ok(text.includes(part), `${binary} names "${part}" (for ${name}: ${conditional.why})`);
  }
}

test('Platform: every postgres_exporter series exists in the live exposition', async (t) => {
  const url = await requireService(t, 'postgres_exporter');
  if (!url) return;
  const res = await httpGet(url);
  checkAgainst(
    sampleNames(await res.text(), res.headers.get('content-type') ?? undefined),
    'pg_',
    await platformNames(),
    5,
  );
});

test('Platform: every redis_exporter series exists in the live exposition', async (t) => {
  const url = await requireService(t, 'redis_exporter');
  if (!url) return;
  const res = await httpGet(url);
  checkAgainst(
    sampleNames(await res.text(), res.headers.get('content-type') ?? undefined),
    'redis_',
    await platformNames(),
    5,
  );
});

test('Platform: every Traefik series exists in the recorded Traefik v3 exposition', async () => {
  const wanted = await platformNames();
  checkAgainst(sampleNames(readFileSync(TRAEFIK_RECORDED, 'utf8')), 'traefik_', wanted);
  // nothing outside the three exporters
  const other = [...wanted.keys()].filter((n) => !/^(pg|redis|traefik)_/.test(n));
  assert.deepEqual(other, []);
});

test('the tokenizer is not fooled: a misspelt name is caught', () => {
  const exposed = new Set(['pg_locks_count', 'pg_stat_activity_count', 'pg_stat_database_xact_commit', 'pg_up']);
  const wanted = new Map([...exposed].map((n) => [n, ['x']] as [string, string[]]));
  wanted.set('pg_lock_count', ['Locks']);
  assert.throws(
    () => checkAgainst(exposed, 'pg_', wanted),
    /"pg_lock_count" \(panels: Locks\) is not in the exposition/,
  );
});
