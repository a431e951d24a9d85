/**
 * `release-health serve` end to end, over real HTTP: a release registered through the gate, its
 * samples through the bus and the pipeline, the verdict read the way Argo Rollouts reads it, the
 * Traefik weight file rewritten by the rollback action, and a restart that loses nothing. Then the
 * same service on the real PostgreSQL store scraping the real postgres_exporter and redis_exporter
 * (started by scripts/services/start.sh), as a deployment would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Verdict } from '../../analyzer/index.ts';
import { generateScenario } from '../../simulator/index.ts';
import { parseServeConfig } from '../../service/config.ts';
import { startService } from '../../service/service.ts';
import { requireService, scratchSchema, serviceEnv } from '../integration/helpers.ts';

const MINUTE = 60_000;
const OPERATOR = 'op-token-0123456789abcdef';
const READER = 'reader-token-0123456789abcdef';
const env = { RH_TOKENS: `ci:operator:${OPERATOR},argo:reader:${READER}` };
const silent = { level: process.env.RH_TEST_LOG ?? 'silent' };

function config(text: string) {
  return parseServeConfig(text, 'test-serve.yaml');
}

async function api(url: string, path: string, init: RequestInit & { token?: string } = {}) {
  const res = await fetch(url + path, {
    ...init,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${init.token ?? READER}`,
      ...(init.headers ?? {}),
    },
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
}

test('serve (embedded): register → samples → rollback verdict over HTTP, Traefik weight to 0, restart loses nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rh-serve-'));
  const traefikFile = join(dir, 'odoo.yaml');
  writeFileSync(
    traefikFile,
    'http:\n  services:\n    checkout:\n      weighted:\n        services:\n          - { name: checkout-primary, weight: 90 }\n          - { name: checkout-canary, weight: 10 }\n',
  );
  const cfg = config(`
listen: { port: 0 }
store: { url: "pglite://${join(dir, 'store')}" }
engine: { interval: 1m, grace: 0s }
actions:
  retry: { attempts: 2, baseDelay: 10ms, maxDelay: 20ms }
  traefik: { file: "${traefikFile}", service: checkout }
`);
  const pinoSilent = (await import('pino')).default(silent);
  let now = 0;
  const clock = () => now;
  const scenario = generateScenario({ seed: 12, durationMinutes: 40, regression: 'error-ratio-x3', onsetMinutes: 5 });
  const { release, ...spec } = scenario.spec;
  const service = await startService(cfg, { env, logger: pinoSilent, clock, tickEveryMs: 0, scrape: false });
  now = release.startedAt;
  try {
    // a reader may not register; an operator may
    assert.equal(
      (await api(service.url, '/api/v1/releases', { method: 'POST', body: JSON.stringify({ release, spec }) })).status,
      403,
    );
    const created = await api(service.url, '/api/v1/releases', {
      method: 'POST',
      token: OPERATOR,
      body: JSON.stringify({ release, spec }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const before = await api(service.url, `/api/v1/releases/${release.id}/verdict`);
    assert.equal(before.status, 200);
    assert.equal(
      before.body.decision,
      'continue',
      'warming up: continue, never promote, never inconclusive for being new',
    );
    // the engine's own look at registration lands off the request: stored, at the registration time
    for (let i = 0; i < 200 && (await service.store.listVerdicts(release.id)).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const [registrationLook] = await service.store.listVerdicts(release.id);
    assert.equal(registrationLook?.at, release.startedAt, 'the look at registration is stored');
    assert.match(registrationLook.reasons[0], /^warming up at registration: /);
    const judged = await api(service.url, `/api/v1/releases/${release.id}/verdict`);
    assert.deepEqual([judged.body.decision, judged.body.at], ['continue', release.startedAt]);

    // the collector's role, minute by minute: one batch per minute of samples
    const byMinute = new Map<number, typeof scenario.samples>();
    for (const s of scenario.samples) {
      const m = Math.floor((s.ts - release.startedAt) / MINUTE);
      byMinute.set(m, [...(byMinute.get(m) ?? []), s]);
    }
    let decision = '';
    for (const [m, samples] of [...byMinute].sort((a, b) => a[0] - b[0])) {
      await service.bus.publishSamples({
        releaseId: release.id,
        batchId: `m${m}`,
        producer: 'test',
        sequence: m,
        samples,
      });
      now = release.startedAt + (m + 1) * MINUTE;
      while (service.pipeline.stats().batches < m + 1) await new Promise((r) => setTimeout(r, 5));
      if (m === 2) {
        // the in-memory bus dies with the process, so serve acknowledges batches on delivery
        // instead of holding them (and the bus's copies) until a checkpoint
        const pending = (await service.bus.lag()).find((l) => l.topic === 'samples')?.pendingBatches;
        assert.equal(pending, 0, 'no delivered batch is left unacknowledged on the in-memory bus');
      }
      await service.pipeline.tick(now);
      decision = String((await api(service.url, `/api/v1/releases/${release.id}/verdict`)).body.decision);
      if (decision === 'rollback') break;
    }
    assert.equal(decision, 'rollback');
    const verdict = (await api(service.url, `/api/v1/releases/${release.id}/verdict`)).body as unknown as Verdict;
    assert.ok(
      verdict.metrics.some((mv) => mv.classification === 'high' && mv.metric === 'error_ratio'),
      'the failing metric is in the verdict',
    );
    // the rollback action rewrote Traefik's weights (retried and recorded)
    for (let i = 0; i < 100; i++) {
      const weights = (
        parseYaml(readFileSync(traefikFile, 'utf8')) as {
          http: { services: Record<string, { weighted: { services: { name: string; weight: number }[] } }> };
        }
      ).http.services.checkout.weighted.services;
      if (weights.find((w) => w.name === 'checkout-canary')?.weight === 0) break;
      if (i === 99)
        assert.fail(
          `canary weight not set to 0: ${JSON.stringify(weights)}; service ${release.service}; actions ${JSON.stringify(await service.store.listActions({ releaseId: release.id }))}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
    const actions = await service.store.listActions({ releaseId: release.id });
    assert.ok(actions.some((a) => a.kind === 'traefik' && a.decision === 'rollback' && a.state === 'succeeded'));
  } finally {
    await service.close();
  }

  // restart on the same store: the release, its verdict history and actions are all there
  const again = await startService(cfg, { env, logger: pinoSilent, clock, tickEveryMs: 0, scrape: false });
  try {
    const shown = await api(again.url, `/api/v1/releases/${release.id}`);
    assert.equal(shown.status, 200);
    const timeline = (await again.store.listVerdicts(release.id)).map((v) => v.decision);
    assert.equal(timeline.at(-1), 'rollback');
    assert.equal(
      new Set((await again.store.listVerdicts(release.id)).map((v) => v.at)).size,
      timeline.length,
      'no duplicated verdict',
    );
    assert.equal((await api(again.url, `/api/v1/releases/${release.id}/verdict`)).body.decision, 'rollback');
  } finally {
    await again.close();
  }
});

test('serve (real services): PostgreSQL store, scraping the real postgres_exporter and redis_exporter per release', async (t) => {
  const pgUrl = await requireService(t, 'postgres');
  if (!pgUrl || !(await requireService(t, 'postgres_exporter')) || !(await requireService(t, 'redis_exporter'))) return;
  const { admin, storeUrl } = await scratchSchema(t, pgUrl, 'rh_serve');
  const cfg = config(`
listen: { port: 0 }
engine: { interval: 1m }
collector:
  targets:
    - name: postgres
      url: ${serviceEnv('RH_PG_EXPORTER_URL')}
      intervalMs: 200
      timeoutMs: 200
      metrics:
        - { name: pg_stat_database_xact_commit, as: db_commits_total, kind: counter, cohorts: { by: tenant, label: datname, canary: ["{{release.tenant}}"] } }
    - name: redis
      url: ${serviceEnv('RH_REDIS_EXPORTER_URL')}
      intervalMs: 200
      timeoutMs: 200
      metrics:
        - { name: redis_connected_clients, as: redis_clients, kind: gauge, cohorts: { by: time, releaseStartedAt: "{{release.startedAt}}" } }
`);
  const pinoSilent = (await import('pino')).default(silent);
  const service = await startService(cfg, {
    env: { ...env, RH_STORE_URL: storeUrl },
    logger: pinoSilent,
    tickEveryMs: 0,
  });
  try {
    assert.equal(service.store.kind, 'postgres');
    const release = {
      id: 'odoo-live-1',
      service: 'odoo',
      version: '17.0.6',
      environment: 'staging',
      tenant: 'odoo',
      strategy: 'canary',
      class: 'standard',
      startedAt: Date.now() - 1000,
    };
    const spec = {
      metrics: [
        { name: 'db_commits_total', group: 'database', kind: 'count', harm: 'decrease', tolerance: 0.2 },
        { name: 'redis_clients', group: 'cache', kind: 'gauge', harm: 'increase', tolerance: 0.5 },
      ],
    };
    const created = await api(service.url, '/api/v1/releases', {
      method: 'POST',
      token: OPERATOR,
      body: JSON.stringify({ release, spec }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // generate commits in the tenant database while the collector scrapes
    for (let i = 0; i < 20 && service.pipeline.stats().samples < 4; i++) {
      await admin.query('SELECT 1');
      await new Promise((r) => setTimeout(r, 150));
    }
    assert.ok(
      service.pipeline.stats().samples >= 4,
      `samples reached the pipeline: ${JSON.stringify(service.pipeline.stats())}`,
    );
    const ready = await fetch(`${service.url}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await (
      await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${READER}` } })
    ).text();
    assert.match(metrics, /release_health_verdict\{[^}]*release_id="odoo-live-1"/);
  } finally {
    await service.close();
  }
});
