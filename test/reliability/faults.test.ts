/**
 * Fault injection against the running service (docs/reliability.md), each scenario compared with what an
 * uninterrupted run of the same samples decides (scenarios.ts):
 *  (a) PostgreSQL — a private instance (pgInstance.ts) — killed mid-analysis and restarted while
 *      samples keep coming: connections recover, the verdict history equals the reference (no gap,
 *      no duplicate), and no verdict reaches a sink while the store is down (so nothing promoted);
 *  (b) scrape targets answering 500 or hanging: their metric is `nodata`, the healthy target keeps
 *      feeding, errors are counted, nothing promoted;
 *  (c) an action webhook that times out: retried, recorded as failed, the rollback verdict stands;
 *  (d) one source's clock minutes behind or ahead: its samples are counted late, no crash, no
 *      false rollback of a healthy release.
 * The process-kill scenario (e) is in faults.process.test.ts; Prometheus killed mid-analysis and
 * restarted (f) in faults.prometheus.test.ts. A summary line counts the survivors.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Verdict } from '../../analyzer/index.ts';
import type { VerdictSink } from '../../pipeline/index.ts';
import { inCI } from '../integration/helpers.ts';
import { api, byMinute, feedMinutes, MINUTE, startEmbedded, TOKENS, until } from './harness.ts';
import { findPgBin, startPgInstance } from './pgInstance.ts';
import { history, promotingScenario, referenceRun, regressingScenario } from './scenarios.ts';

const survived: string[] = [];
after(() => console.log(`fault scenarios survived: ${survived.length} (${survived.join(', ')})`));

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test(
  '(a) PostgreSQL killed and restarted mid-analysis: recovers, no verdict lost or duplicated, nothing promoted while down',
  { timeout: 240_000 },
  async (t) => {
    const bin = findPgBin();
    if (!bin) {
      if (inCI()) assert.fail('no PostgreSQL binaries under /usr/lib/postgresql/*/bin (RH_PG_BIN)');
      t.skip("no PostgreSQL binaries: run bash scripts/services/start.sh (installs Debian's postgresql)");
      return;
    }
    const s = promotingScenario('fault-pg');
    const reference = await referenceRun(s);
    assert.equal(reference.at(-1)?.decision, 'promote', 'the reference run promotes');
    const pg = await startPgInstance(bin);
    let down = false;
    const handed: { decision: string; down: boolean }[] = [];
    const recorder: VerdictSink = {
      name: 'recorder',
      onVerdict: async (v: Verdict) => void handed.push({ decision: v.decision, down }),
    };
    let now = s.release.startedAt;
    const service = await startEmbedded({ storeUrl: pg.url, clock: () => now, sinks: [recorder] });
    try {
      assert.equal(
        (
          await api(service.url, '/api/v1/releases', {
            method: 'POST',
            token: TOKENS.operator,
            body: { release: s.release, spec: s.spec },
          })
        ).status,
        201,
      );
      const whileDown: number[] = [];
      await feedMinutes(service, s.release, s.samples, {
        setNow: (v) => (now = v),
        beforeMinute: async (m) => {
          if (m === 11) {
            await pg.stop('immediate'); // a crash: connections cut, no checkpoint
            down = true;
          }
          if (down) {
            whileDown.push((await api(service.url, '/readyz')).status);
            const verdict = await api(service.url, `/api/v1/releases/${s.release.id}/verdict`, {
              token: TOKENS.reader,
            });
            assert.notEqual(verdict.json?.decision, 'promote', 'no promote is served while the store is down');
          }
          if (m === 17) {
            await pg.start();
            down = false;
          }
        },
      });
      assert.ok(whileDown.length >= 5 && whileDown.every((code) => code === 503), `readyz while down: ${whileDown}`);
      assert.ok(service.pipeline.stats().storeErrors > 0, 'the outage was seen by the pipeline');
      // the outbox drains at the next tick once the store is back
      await until('the outbox drained', async () => {
        await service.pipeline.tick(now);
        return (await service.store.listVerdicts(s.release.id, 10_000)).length >= reference.length;
      });
      assert.equal((await api(service.url, '/readyz')).status, 200, 'connections recovered');
      assert.deepEqual(
        history(await service.store.listVerdicts(s.release.id, 10_000)),
        history(reference),
        'same history as the uninterrupted run',
      );
      assert.ok(
        !handed.some((h) => h.down),
        `no verdict reached a sink while the store was down: ${JSON.stringify(handed.filter((h) => h.down))}`,
      );
      assert.equal(handed.filter((h) => h.decision === 'promote').length, 1, 'promoted exactly once, after recovery');
      survived.push('postgres-restart');
    } finally {
      await service.close();
      await pg.destroy();
    }
  },
);

test(
  '(b) scrape targets answering 500 or hanging: their metric goes nodata, the healthy one keeps going, errors counted',
  { timeout: 120_000 },
  async () => {
    let good = 0;
    const healthy = await listen((_req, res) => {
      good++;
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(
        `# TYPE shop_queue_depth gauge\nshop_queue_depth{version="1"} ${10 + (good % 3)}\nshop_queue_depth{version="2"} ${10 + (good % 4)}\n`,
      );
    });
    const failing = await listen((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const hanging = await listen(() => undefined); // accepts, never answers
    const cohorts =
      '{ by: label, label: version, baseline: ["{{release.baselineVersion}}"], canary: ["{{release.version}}"] }';
    const target = (name: string, url: string, metric: string) =>
      `    - { name: ${name}, url: "${url}/metrics", intervalMs: 300, timeoutMs: 200, metrics: [{ name: shop_queue_depth, as: ${metric}, kind: gauge, cohorts: ${cohorts} }] }\n`;
    const service = await startEmbedded({
      scrape: true,
      engine: '{ interval: 1s, grace: 0s }',
      extraYaml: `collector:\n  metricsPort: 0\n  targets:\n${target('healthy', healthy.url, 'queue_ok')}${target('failing', failing.url, 'queue_500')}${target('hanging', hanging.url, 'queue_hung')}`,
    });
    try {
      const startedAt = Date.now();
      const release = {
        id: 'fault-scrape',
        service: 'shop',
        version: '2',
        baselineVersion: '1',
        environment: 'staging',
        strategy: 'canary',
        class: 'standard',
        startedAt,
      };
      const gauge = (name: string) => ({ name, group: 'application', kind: 'gauge', harm: 'increase', tolerance: 0.5 });
      const spec = { metrics: [gauge('queue_ok'), gauge('queue_500'), gauge('queue_hung')] };
      assert.equal(
        (
          await api(service.url, '/api/v1/releases', {
            method: 'POST',
            token: TOKENS.operator,
            body: { release, spec },
          })
        ).status,
        201,
      );
      await until(
        'the healthy target fed samples for 3 s',
        () => service.pipeline.stats().samples >= 20 && Date.now() - startedAt > 3000,
        30_000,
      );
      await service.pipeline.tick(Date.now());
      const verdict = await service.store.latestVerdict(release.id);
      assert.ok(verdict, 'a verdict was taken');
      const byMetric: Record<string, string> = Object.fromEntries(
        verdict.metrics.map((m) => [m.metric, m.classification]),
      );
      assert.equal(byMetric.queue_500, 'nodata');
      assert.equal(byMetric.queue_hung, 'nodata');
      const ok = verdict.metrics.find((m) => m.metric === 'queue_ok')!;
      assert.ok(ok.n.baseline >= 9 && ok.n.canary >= 9, `the healthy target kept feeding: ${JSON.stringify(ok)}`);
      assert.notEqual(verdict.decision, 'promote');
      const selfMetrics = await service.collectorMetrics!.collect();
      const errors = (t: string) =>
        [
          ...selfMetrics.matchAll(
            new RegExp(`release_health_collector_scrape_errors_total\\{[^}]*target="${t}"[^}]*\\} (\\d+)`, 'g'),
          ),
        ].reduce((n, m) => n + Number(m[1]), 0);
      assert.ok(
        errors('failing') >= 3 && errors('hanging') >= 3,
        `errors counted: failing ${errors('failing')}, hanging ${errors('hanging')}`,
      );
      assert.equal(errors('healthy'), 0);
      survived.push('exporter-500-and-hang');
    } finally {
      await service.close();
      for (const s of [healthy, failing, hanging]) {
        s.server.closeAllConnections();
        s.server.close();
      }
    }
  },
);

test(
  '(c) an action webhook timing out: retried, recorded as failed, the rollback verdict stands',
  { timeout: 120_000 },
  async () => {
    const s = regressingScenario('fault-hook');
    const reference = await referenceRun(s, { stopWhen: (d) => d === 'rollback' });
    let calls = 0;
    const hook = await listen(() => void calls++); // never answers
    let now = s.release.startedAt;
    const service = await startEmbedded({
      clock: () => now,
      env: { RH_HOOK_SECRET: 'whsec-faults-0123456789' },
      extraYaml: `actions:\n  retry: { attempts: 3, baseDelay: 10ms, maxDelay: 20ms }\n  webhooks:\n    - { url: "${hook.url}/hook", secretEnv: RH_HOOK_SECRET, timeout: 200ms, on: [rollback] }\n`,
    });
    try {
      assert.equal(
        (
          await api(service.url, '/api/v1/releases', {
            method: 'POST',
            token: TOKENS.operator,
            body: { release: s.release, spec: s.spec },
          })
        ).status,
        201,
      );
      assert.equal(
        await feedMinutes(service, s.release, s.samples, {
          setNow: (v) => (now = v),
          stopWhen: (d) => d === 'rollback',
        }),
        'rollback',
      );
      const action = await (async () => {
        for (let i = 0; i < 300; i++) {
          const a = (await service.store.listActions({ releaseId: s.release.id })).find(
            (x) => x.kind === 'webhook' && x.state === 'failed',
          );
          if (a) return a;
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.fail(
          `no failed webhook action: ${JSON.stringify(await service.store.listActions({ releaseId: s.release.id }))}`,
        );
      })();
      assert.equal(action.attempts, 3, 'retried up to the configured attempts');
      assert.equal(calls, 3, 'the target saw three deliveries');
      assert.match(JSON.stringify(await service.store.listActionAttempts(action.id!)), /timed out/);
      const verdict = await api(service.url, `/api/v1/releases/${s.release.id}/verdict`, { token: TOKENS.reader });
      assert.equal(verdict.json?.decision, 'rollback', 'the verdict stands');
      assert.deepEqual(history(await service.store.listVerdicts(s.release.id, 10_000)), history(reference));
      survived.push('webhook-timeout');
    } finally {
      await service.close();
      hook.server.closeAllConnections();
      hook.server.close();
    }
  },
);

for (const skewMinutes of [-3, 3]) {
  test(
    `(d) one source's clock ${Math.abs(skewMinutes)} min ${skewMinutes < 0 ? 'behind' : 'ahead'}: late samples counted, no crash, no false rollback`,
    { timeout: 120_000 },
    async () => {
      const s = promotingScenario(`fault-skew${skewMinutes}`);
      const skewed = new Set(['orders_confirmed_total', 'http_requests_total', 'http_errors_total']);
      let now = s.release.startedAt;
      const service = await startEmbedded({ clock: () => now });
      try {
        assert.equal(
          (
            await api(service.url, '/api/v1/releases', {
              method: 'POST',
              token: TOKENS.operator,
              body: { release: s.release, spec: s.spec },
            })
          ).status,
          201,
        );
        const decisions: string[] = [];
        for (const [m, batch] of byMinute(s.release, s.samples)) {
          const onTime = batch.filter((x) => !skewed.has(x.metric));
          const shifted = batch
            .filter((x) => skewed.has(x.metric))
            .map((x) => ({ ...x, ts: x.ts + skewMinutes * MINUTE }));
          const taken = service.pipeline.stats().batches;
          await service.bus.publishSamples({
            releaseId: s.release.id,
            batchId: `a${m}`,
            producer: 'on-time',
            sequence: m,
            samples: onTime,
          });
          await service.bus.publishSamples({
            releaseId: s.release.id,
            batchId: `b${m}`,
            producer: 'skewed',
            sequence: m,
            samples: shifted,
          });
          now = s.release.startedAt + (m + 1) * MINUTE;
          await until(`minute ${m} taken`, () => service.pipeline.stats().batches >= taken + 2);
          await service.pipeline.tick(now);
          decisions.push((await service.store.latestVerdict(s.release.id))?.decision ?? '');
        }
        assert.ok(
          service.pipeline.stats().lateSamples > 0,
          `late samples counted: ${JSON.stringify(service.pipeline.stats())}`,
        );
        assert.ok(
          !decisions.includes('rollback') && !decisions.includes('reduce-traffic'),
          `no false alarm: ${decisions.join(' ')}`,
        );
        assert.equal((await api(service.url, '/healthz')).status, 200);
        survived.push(`clock-skew${skewMinutes > 0 ? '+' : ''}${skewMinutes}m`);
      } finally {
        await service.close();
      }
    },
  );
}
