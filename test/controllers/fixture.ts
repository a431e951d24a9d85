/**
 * The live gate the Go controller tests (test/controllers/argo, test/controllers/flagger) talk to:
 * a real `serve` (PGlite store, memory bus, the real pipeline and engine) plus a private
 * Prometheus (the Debian binary) scraping its /metrics every second with a reader token, so
 * Flagger's Prometheus provider reads the gauges the way a cluster's Prometheus would.
 *
 * Every verdict is the engine's own: each release gets simulator samples (shifted so the
 * release started in the past) through the bus, and the pipeline is ticked up to now. Nothing
 * is written into the store by hand. Scenarios (release id → what the engine decides):
 *   ctl-promote       checkout latency only, no regression, 31 min      → promote (sequential, at 30 min)
 *   ctl-continue      the same, 5 min of data                             → continue
 *   ctl-reduce        error ratio ×3, non-critical, its group light       → reduce-traffic
 *   ctl-rollback      error ratio ×3, critical metrics                    → rollback
 *   ctl-inconclusive  no regression, 60 min, a policy requiring harm ruled out, not reached → inconclusive
 *   ctl-nodata        registered 61 min ago, never a sample               → inconclusive (window ended with missing data)
 *   ctl-nodata-young  registered 5 min ago, never a sample                → continue (metrics without data)
 *   ctl-new           registered now: the engine's look at registration    → continue, "warming up"
 *   ctl-close         like ctl-continue; the Flagger test closes it with post-rollout
 *   ctl-sup-old/new   same service+environment+tenant: the new one supersedes the old (rollback) one
 *   ctl-sup-promote-old/new  the same with an old release that reached promote (never promoted)
 *   ctl-tenant-a/b    same service+environment, tenants a (rollback, older) and b (continue, newer): both active
 * Each release's service is its id (the Flagger canary name), environment `ctl` (its namespace),
 * except the supersede and tenant pairs (services `ctl-sup`, `ctl-sup-promote`, `ctl-tenant`).
 * `decisions` holds what the gate answers (a superseded release: inconclusive), `judged` the
 * engine's last stored decision.
 *
 * Usage: node --import tsx test/controllers/fixture.ts OUT.json — writes OUT.json once everything
 * is ready (gate and Prometheus URLs, tokens, release ids) and runs until SIGTERM/SIGINT.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalysisSpec, Sample } from '../../analyzer/index.ts';
import { parseServeConfig } from '../../service/config.ts';
import { startService } from '../../service/service.ts';
import { generateScenario } from '../../simulator/index.ts';
import { findPrometheusBin } from '../reliability/promInstance.ts';
import { freePort } from '../reliability/pgInstance.ts';

const MINUTE = 60_000;
const OPERATOR = `op-${'a1b2c3d4'.repeat(4)}`;
const READER = `rd-${'e5f6a7b8'.repeat(4)}`;
const out = process.argv[2];
if (!out) throw new Error('usage: fixture.ts OUT.json');

type Regression = 'none' | 'error-ratio-x3';
interface Plan {
  id: string;
  service: string;
  tenant?: string;
  regression: Regression;
  minutes: number;
  keep?: readonly string[];
  critical?: boolean;
  /** stop feeding at the first look with this decision */
  until?: string;
  /** no samples at all; started this many minutes ago */
  silentFor?: number;
  /** spec override */
  groupWeights?: Record<string, number>;
  /** release class (default standard); `strict` is defined in the fixture's governance */
  releaseClass?: string;
}

const LATENCY_ONLY = ['checkout_latency_seconds'];
const plans: Plan[] = [
  { id: 'ctl-promote', service: 'ctl-promote', regression: 'none', minutes: 31, keep: LATENCY_ONLY, until: 'promote' },
  { id: 'ctl-continue', service: 'ctl-continue', regression: 'none', minutes: 5, keep: LATENCY_ONLY },
  // harm established in a light group: the score stays above marginal, so traffic is reduced first
  {
    id: 'ctl-reduce',
    service: 'ctl-reduce',
    regression: 'error-ratio-x3',
    minutes: 10,
    critical: false,
    groupWeights: { ingress: 1, business: 10 },
    until: 'reduce-traffic',
  },
  { id: 'ctl-rollback', service: 'ctl-rollback', regression: 'error-ratio-x3', minutes: 30, until: 'rollback' },
  // a policy that promotes only with harm ruled out on the critical metrics, which 60 min of this traffic does not reach
  { id: 'ctl-inconclusive', service: 'ctl-inconclusive', regression: 'none', minutes: 61, releaseClass: 'strict' },
  { id: 'ctl-nodata', service: 'ctl-nodata', regression: 'none', minutes: 0, silentFor: 61 },
  { id: 'ctl-nodata-young', service: 'ctl-nodata-young', regression: 'none', minutes: 0, silentFor: 5 },
  { id: 'ctl-close', service: 'ctl-close', regression: 'none', minutes: 5, keep: LATENCY_ONLY },
  { id: 'ctl-sup-old', service: 'ctl-sup', regression: 'error-ratio-x3', minutes: 30, until: 'rollback' },
  { id: 'ctl-sup-new', service: 'ctl-sup', regression: 'none', minutes: 5, keep: LATENCY_ONLY },
  {
    id: 'ctl-sup-promote-old',
    service: 'ctl-sup-promote',
    regression: 'none',
    minutes: 31,
    keep: LATENCY_ONLY,
    until: 'promote',
  },
  { id: 'ctl-sup-promote-new', service: 'ctl-sup-promote', regression: 'none', minutes: 5, keep: LATENCY_ONLY },
  {
    id: 'ctl-tenant-a',
    service: 'ctl-tenant',
    tenant: 'a',
    regression: 'error-ratio-x3',
    minutes: 30,
    until: 'rollback',
  },
  { id: 'ctl-tenant-b', service: 'ctl-tenant', tenant: 'b', regression: 'none', minutes: 5, keep: LATENCY_ONLY },
];

const cleanups: (() => Promise<void> | void)[] = [];
async function shutdown(code: number): Promise<never> {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  process.exit(code);
}
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

async function api(url: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
}

async function main(): Promise<void> {
  const promBin = findPrometheusBin();
  if (!promBin) throw new Error('prometheus not found (scripts/services/start.sh installs the Debian package)');
  const cfg = parseServeConfig(
    'listen: { host: 127.0.0.1, port: 0 }\nstore: { url: "pglite:memory" }\nengine: { interval: 1m, grace: 0s }\ngovernance: { classes: { strict: { extends: standard, requireRuledOut: true } } }\n',
    'controllers-fixture.yaml',
  );
  const pino = (await import('pino')).default({ level: process.env.RH_TEST_LOG ?? 'warn' });
  // tickEveryMs 0: the fixture takes the looks itself; later ones would move the verdicts under the tests
  const service = await startService(cfg, {
    env: { RH_TOKENS: `ci:operator:${OPERATOR},controllers:reader:${READER}` },
    logger: pino,
    tickEveryMs: 0,
    scrape: false,
  });
  cleanups.push(() => service.close());
  const now = Date.now();

  for (const plan of plans) {
    const startedAt = Math.floor((now - (plan.silentFor ?? plan.minutes + 1) * MINUTE) / MINUTE) * MINUTE;
    const scenario = generateScenario({ seed: 7, durationMinutes: 60, regression: plan.regression, onsetMinutes: 0 });
    const shift = startedAt - scenario.spec.release.startedAt;
    let spec: AnalysisSpec = scenario.spec;
    if (plan.keep) spec = { ...spec, metrics: spec.metrics.filter((m) => plan.keep!.includes(m.name)) };
    if (plan.critical === false) spec = { ...spec, metrics: spec.metrics.map((m) => ({ ...m, critical: false })) };
    if (plan.groupWeights) spec = { ...spec, groupWeights: plan.groupWeights };
    const { release: _r, ...specBody } = spec;
    const release = {
      id: plan.id,
      service: plan.service,
      version: '17.0.2',
      baselineVersion: '17.0.1',
      environment: 'ctl',
      strategy: 'canary',
      class: plan.releaseClass ?? 'standard',
      startedAt,
      ...(plan.tenant ? { tenant: plan.tenant } : {}),
    };
    await api(service.url, '/api/v1/releases', { release, spec: specBody });
    // latency metrics read their raw samples by name; ratio metrics read others (requests, errors)
    const wanted = (s: Sample) => !plan.keep || plan.keep.includes(s.metric);
    const samples: Sample[] =
      plan.silentFor !== undefined ? [] : scenario.samples.filter(wanted).map((s) => ({ ...s, ts: s.ts + shift }));
    const byMinute = new Map<number, Sample[]>();
    for (const s of samples) {
      const m = Math.floor((s.ts - startedAt) / MINUTE);
      if (m < plan.minutes) byMinute.set(m, [...(byMinute.get(m) ?? []), s]);
    }
    let sequence = 0;
    for (const [m, batch] of [...byMinute].sort((a, b) => a[0] - b[0])) {
      const before = service.pipeline.stats().batches;
      await service.bus.publishSamples({
        releaseId: plan.id,
        batchId: `m${m}`,
        producer: 'fixture',
        sequence: ++sequence,
        samples: batch,
      });
      while (service.pipeline.stats().batches <= before) await new Promise((r) => setTimeout(r, 2));
      await service.pipeline.tick(startedAt + (m + 1) * MINUTE);
      if (plan.until && (await service.store.latestVerdict(plan.id))?.decision === plan.until) break;
    }
    // a release registered in the past with no samples still reaches its window's end
    if (plan.silentFor !== undefined || plan.minutes >= 60) await service.pipeline.tick(now);
  }
  // the newest: registered now, judged by the engine's look at registration only
  await api(service.url, '/api/v1/releases', {
    release: {
      id: 'ctl-new',
      service: 'ctl-new',
      version: '17.0.2',
      environment: 'ctl',
      strategy: 'canary',
      class: 'standard',
      startedAt: now,
    },
    spec: {
      metrics: [
        { name: 'checkout_latency_seconds', group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.05 },
      ],
    },
  });
  const decisions: Record<string, string> = {};
  const judged: Record<string, string | undefined> = {};
  for (const id of [...plans.map((p) => p.id), 'ctl-new']) {
    judged[id] = (await service.store.latestVerdict(id))?.decision;
    const res = await fetch(`${service.url}/api/v1/releases/${id}/verdict`, {
      headers: { authorization: `Bearer ${READER}` },
    });
    decisions[id] = ((await res.json()) as { decision: string }).decision;
  }

  // a private Prometheus scraping the gate's /metrics every second with the reader token
  const dir = mkdtempSync(join(tmpdir(), 'rh-controllers-prom-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const gate = new URL(service.url);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      '# written by test/controllers/fixture.ts',
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      `  - job_name: release-health`,
      `    authorization: { credentials: "${READER}" }`,
      `    static_configs: [{ targets: ["${gate.host}"] }]`,
      '',
    ].join('\n'),
  );
  const prom = spawn(
    promBin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  cleanups.push(() => void prom.kill('SIGKILL'));
  process.once('exit', () => prom.kill('SIGKILL'));
  const promUrl = `http://127.0.0.1:${port}`;
  const expected = Object.values(decisions).length - 2; // ctl-sup-old, ctl-sup-promote-old are closed: not on /metrics
  for (let i = 0; ; i++) {
    try {
      const q = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('count(release_health_score)')}`);
      const body = (await q.json()) as { data?: { result?: { value?: [number, string] }[] } };
      if (Number(body.data?.result?.[0]?.value?.[1] ?? 0) >= expected) break;
    } catch {
      // not up yet
    }
    if (i > 600) throw new Error('prometheus did not scrape the gate within 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }

  const fixture = {
    gateUrl: service.url,
    prometheusUrl: promUrl,
    readerToken: READER,
    operatorToken: OPERATOR,
    environment: 'ctl',
    decisions,
    judged,
  };
  writeFileSync(`${out}.tmp`, JSON.stringify(fixture, null, 2));
  renameSync(`${out}.tmp`, out);
  process.stdout.write(`controllers fixture ready: ${JSON.stringify(decisions)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`controllers fixture failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  void shutdown(1);
});
