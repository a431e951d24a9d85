/**
 * Fault (f) of docs/reliability.md: Prometheus — the PromQL source of `serve` — stopped mid-analysis and
 * started again. A private Prometheus (promInstance.ts) scrapes itself under two job names, one per
 * cohort, so `up{job="$cohort"}` and `prometheus_ready{job="$cohort"}` read 1 for both: a healthy
 * release that promotes once each metric has enough samples (16 per cohort with the policy's
 * alpha). `serve` runs in-process with its own timers (PromQL windows of 2 s at a 1 s step, the
 * pipeline ticking every 250 ms with a 3 s grace). After the first windows have reached the
 * engine the instance is killed with SIGKILL; while it is down:
 *  - every query fails as `PromqlError (unreachable)`, counted on the collector's /metrics
 *    (`release_health_collector_scrape_errors_total{target="promql",kind="unreachable"}`) and
 *    logged with the metric and query, and the service stays up (`/healthz` 200);
 *  - the metrics get no new samples (`release_health_collector_samples_total{target="promql"}`
 *    and every look's per-metric `n` stay put), so they stay `nodata` and every look is
 *    `continue` with that reason — never `promote`;
 * then it is started again on the same port and data dir: queries succeed again (no new errors),
 * new samples reach the engine and the release promotes — only after the restart, on more
 * samples than it had when Prometheus died.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict } from '../../analyzer/index.ts';
import { parseServeConfig } from '../../service/config.ts';
import { startService } from '../../service/service.ts';
import { eventually, inCI } from '../integration/helpers.ts';
import { api, capturingLogger, TOKENS, TOKENS_ENV } from './harness.ts';
import { findPrometheusBin, startPromInstance } from './promInstance.ts';

const INTERVAL_MS = 2_000;
const METRICS = ['target_up', 'prom_ready'] as const;
const specWith = (policy: { observeMs: number; minObserveMs: number }) => ({
  metrics: [
    {
      name: 'target_up',
      group: 'infrastructure',
      kind: 'gauge',
      harm: 'decrease',
      tolerance: 0.1,
      query: 'up{job="$cohort"}',
    },
    {
      name: 'prom_ready',
      group: 'infrastructure',
      kind: 'gauge',
      harm: 'decrease',
      tolerance: 0.1,
      query: 'prometheus_ready{job="$cohort"}',
    },
  ],
  policy,
});
// a window long enough never to end during the test: the only way out is promote (or a failure)
const spec = specWith({ observeMs: 10 * 60_000, minObserveMs: INTERVAL_MS });

/** the value of one series of the collector's /metrics (0 when absent) */
function series(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const m = /^[^{]+\{([^}]*)\} (\S+)/.exec(line);
    if (!m) continue;
    const have = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[2]);
  }
  return total;
}

/** A private Prometheus scraping itself as both cohorts, and `serve` querying it (in-process). */
async function startWorld(bin: string) {
  const prom = await startPromInstance(bin, ['rh_baseline', 'rh_canary']);
  const cfg = parseServeConfig(
    `
listen: { port: 0 }
store: { url: "pglite:memory" }
engine: { interval: 2s, grace: 3s }
collector: { metricsPort: 0 }
prometheus:
  url: ${prom.url}
  step: 1s
  timeout: 5s
  cohorts: { baseline: { cohort: rh_baseline }, canary: { cohort: rh_canary } }
`,
    'test-faults-prometheus.yaml',
  );
  const logs = capturingLogger('warn');
  const service = await startService(cfg, { env: { RH_TOKENS: TOKENS_ENV }, logger: logs.logger, tickEveryMs: 250 });
  const read = async (path: string) =>
    (await api(service.url, path, { token: TOKENS.reader })).json as Record<string, unknown>;
  const selfMetrics = async () => {
    const res = await fetch(service.collectorMetrics!.url!);
    assert.equal(res.status, 200);
    const text = await res.text();
    return {
      unreachable: series(text, 'release_health_collector_scrape_errors_total', {
        target: 'promql',
        kind: 'unreachable',
      }),
      errors: series(text, 'release_health_collector_scrape_errors_total', { target: 'promql' }),
      samples: series(text, 'release_health_collector_samples_total', { target: 'promql' }),
    };
  };
  return { prom, service, logs, read, selfMetrics };
}

/** The Prometheus binary; under CI its absence fails the test, elsewhere it skips it. */
function prometheusBinOrSkip(t: TestContext): string | undefined {
  const bin = findPrometheusBin();
  if (bin) return bin;
  if (inCI()) assert.fail('no prometheus binary (apt-get install prometheus, or set RH_PROMETHEUS_BIN)');
  t.skip(
    "no prometheus binary: run bash scripts/services/start.sh (installs Debian's prometheus), or set RH_PROMETHEUS_BIN",
  );
  return undefined;
}

const nOf = (v: Verdict, metric: string) => v.metrics.find((m) => m.metric === metric)?.n ?? { baseline: 0, canary: 0 };

test(
  '(f) Prometheus killed mid-analysis and restarted: errors counted, no samples and never promote while down, analysis resumes after',
  { timeout: 240_000 },
  async (t) => {
    const bin = prometheusBinOrSkip(t);
    if (!bin) return;
    const { prom, service, logs, read, selfMetrics } = await startWorld(bin);
    try {
      const release = {
        id: 'fault-prometheus',
        service: 'prometheus',
        version: '2',
        baselineVersion: '1',
        environment: 'staging',
        strategy: 'canary',
        class: 'standard',
        startedAt: Date.now(),
      };
      const created = await api(service.url, '/api/v1/releases', {
        method: 'POST',
        token: TOKENS.operator,
        body: { release, spec },
      });
      assert.equal(created.status, 201, created.text);
      const id = release.id;

      // 1. the first windows are queried and judged
      const first = await eventually(
        'two PromQL windows judged',
        async () => {
          const v = (await read(`/api/v1/releases/${id}/verdict`)) as unknown as Verdict | undefined;
          return service.promql!.stats().batches >= 2 &&
            v?.metrics !== undefined &&
            METRICS.every((m) => nOf(v, m).canary >= 2 && nOf(v, m).baseline >= 2)
            ? v
            : undefined;
        },
        60_000,
        100,
      );
      assert.equal(
        first.decision,
        'continue',
        `still analysing, on too few samples to decide, when Prometheus dies: ${JSON.stringify(first.reasons)}`,
      );
      const beforeKill = await selfMetrics();
      assert.equal(beforeKill.errors, 0, 'no PromQL error while Prometheus is up');
      assert.ok(beforeKill.samples > 0);

      // 2. Prometheus crashes
      const killAt = Date.now();
      await prom.stop('SIGKILL');
      // first failed window: from here no new samples may arrive
      await eventually(
        'a failed PromQL window counted',
        async () => ((await selfMetrics()).unreachable >= 2 ? true : undefined),
        30_000,
        100,
      );
      const outageStart = await selfMetrics();
      const whileDown: { decision: string; reasons: string[]; healthz: number }[] = [];
      await eventually(
        'three looks taken while Prometheus is down, and errors counted',
        async () => {
          const healthz = (await api(service.url, '/healthz')).status;
          const v = (await read(`/api/v1/releases/${id}/verdict`)) as unknown as Verdict;
          whileDown.push({ decision: v.decision, reasons: v.reasons, healthz });
          const timeline = (await read(`/api/v1/releases/${id}`)).timeline as { at: number; decision: string }[];
          const looks = timeline.filter((l) => l.at >= killAt + INTERVAL_MS).length;
          if (v.decision !== 'continue') return true; // asserted below
          return looks >= 3 && (await selfMetrics()).unreachable >= 8 ? true : undefined;
        },
        60_000,
        250,
      );
      const outageEnd = await selfMetrics();
      assert.ok(
        whileDown.length > 0 && whileDown.every((v) => v.decision === 'continue'),
        `served while down: ${JSON.stringify(whileDown.map((v) => v.decision))}`,
      );
      assert.equal(outageEnd.samples, outageStart.samples, 'no PromQL sample produced while Prometheus is down');
      assert.ok(outageEnd.unreachable > outageStart.unreachable, 'errors keep being counted while down');
      assert.ok(
        whileDown.every((v) => v.healthz === 200),
        'the service stayed up',
      );
      assert.ok(
        whileDown.every((v) => METRICS.every((m) => v.reasons.some((r) => r.startsWith(`${m}: too few observations`)))),
        `every verdict served while down gives the missing data as its reason: ${JSON.stringify(whileDown.at(-1))}`,
      );

      // 3. Prometheus comes back on the same port and data dir
      const restartAt = Date.now();
      await prom.start();
      const afterRestart = await selfMetrics();
      const timeline = await eventually(
        'the release promoted after the restart',
        async () => {
          const tl = (await read(`/api/v1/releases/${id}`)).timeline as { at: number; decision: string }[];
          return tl.some((l) => l.decision === 'promote') ? tl : undefined;
        },
        90_000,
        250,
      );
      const end = await selfMetrics();
      assert.ok(end.samples > afterRestart.samples, 'PromQL samples produced again after the restart');
      assert.equal(
        end.errors,
        afterRestart.errors,
        `no PromQL error once Prometheus answered again: ${JSON.stringify({ afterRestart, end })}`,
      );
      assert.ok(
        service.promql!.stats().errors === end.errors &&
          (service.promql!.stats().errorsByKind.unreachable ?? 0) === end.unreachable,
        'the collector counted every error it exported',
      );

      // every look, read back from the API and the store: never promote before the restart
      const promotedAt = timeline.find((l) => l.decision === 'promote')!.at;
      assert.ok(promotedAt > restartAt, `promoted at ${promotedAt}, after the restart at ${restartAt}`);
      assert.ok(
        timeline.filter((l) => l.at < restartAt).every((l) => l.decision === 'continue'),
        `looks before the restart: ${JSON.stringify(timeline.filter((l) => l.at < restartAt).map((l) => l.decision))}`,
      );
      const looks = await service.store.listVerdicts(id, 1000);
      // a look at B judges the window [B - 2 s, B), queried at B - 0.5 s: from kill + 2 s on, none was answered
      const down = looks.filter((v) => v.at >= killAt + INTERVAL_MS && v.at < restartAt);
      assert.ok(down.length >= 3, `looks while down: ${down.length}`);
      const frozen = nOf(down[0], 'target_up');
      for (const v of down) {
        assert.equal(v.decision, 'continue');
        for (const m of METRICS) {
          const mv = v.metrics.find((x) => x.metric === m)!;
          assert.deepEqual(
            mv.n,
            frozen,
            `look at ${v.at - release.startedAt} ms: no new ${m} sample while Prometheus is down`,
          );
          assert.equal(mv.classification, 'nodata', `look at ${v.at - release.startedAt} ms: ${m} is nodata`);
        }
      }
      assert.ok(frozen.canary >= 2 && frozen.canary < 10, `samples judged before the kill: ${JSON.stringify(frozen)}`);
      const promoted = looks.find((v) => v.decision === 'promote')!;
      for (const m of METRICS)
        assert.ok(
          nOf(promoted, m).canary > frozen.canary && nOf(promoted, m).baseline > frozen.baseline,
          `${m}: promoted on samples taken after the restart`,
        );
      assert.equal((await read(`/api/v1/releases/${id}/verdict`)).decision, 'promote');
      t.diagnostic(
        `n before the kill ${JSON.stringify(frozen)}, ${down.length} looks while down, ${end.unreachable} unreachable errors, promoted ${promotedAt - restartAt} ms after the restart on n ${JSON.stringify(nOf(promoted, 'target_up'))}`,
      );

      // the failures were logged with the metric and the query
      const lines = logs
        .text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const m of METRICS) {
        assert.ok(
          lines.some(
            (l) =>
              l.target === 'promql' &&
              l.metric === m &&
              /\{job="rh_(baseline|canary)"\}$/.test(String(l.query)) &&
              /unreachable/.test(String(l.msg)),
          ),
          `${m}: failure logged with its query`,
        );
      }
      assert.ok(!lines.some((l) => /tick failed|batch failed/.test(String(l.msg))), 'the pipeline never failed');
    } catch (error) {
      t.diagnostic(`prometheus log (last lines): ${prom.log().trim().split('\n').slice(-6).join(' | ')}`);
      throw error;
    } finally {
      await service.close();
      await prom.destroy();
    }
  },
);

test(
  '(f) Prometheus killed after its metrics already pass: the promotion waits while it is down (stale data), then comes after the restart',
  { timeout: 240_000 },
  async (t) => {
    const bin = prometheusBinOrSkip(t);
    if (!bin) return;
    const { prom, service, read } = await startWorld(bin);
    try {
      // early promotion only after 40 s: the metrics pass (16 samples per cohort) well before that
      const minObserveMs = 40_000;
      const release = {
        id: 'fault-prometheus-late',
        service: 'prometheus',
        version: '2',
        baselineVersion: '1',
        environment: 'staging',
        strategy: 'canary',
        class: 'standard',
        startedAt: Date.now(),
      };
      const created = await api(service.url, '/api/v1/releases', {
        method: 'POST',
        token: TOKENS.operator,
        body: { release, spec: specWith({ observeMs: 10 * 60_000, minObserveMs }) },
      });
      assert.equal(created.status, 201, created.text);
      const id = release.id;
      const passing = await eventually(
        'both metrics pass',
        async () => {
          const v = (await read(`/api/v1/releases/${id}/verdict`)) as unknown as Verdict;
          return METRICS.every((m) => v.metrics?.find((x) => x.metric === m)?.classification === 'pass')
            ? v
            : undefined;
        },
        60_000,
        200,
      );
      assert.equal(passing.decision, 'continue', 'passing, but before the minimum observation');
      assert.ok(Date.now() < release.startedAt + minObserveMs - 5_000, 'killed well before early promotion is allowed');

      const killAt = Date.now();
      await prom.stop('SIGKILL');
      // down past the minimum observation: with data still coming this is where it would promote
      const served: { decision: string; reasons: string[] }[] = [];
      await eventually(
        'three looks past the minimum observation while Prometheus is down',
        async () => {
          const v = (await read(`/api/v1/releases/${id}/verdict`)) as unknown as Verdict;
          served.push({ decision: v.decision, reasons: v.reasons });
          return v.at >= release.startedAt + minObserveMs + 3 * INTERVAL_MS ? v : undefined;
        },
        90_000,
        250,
      );
      assert.ok(
        served.every((v) => v.decision === 'continue'),
        `served while down: ${JSON.stringify(served.map((v) => v.decision))}`,
      );
      const down = (await service.store.listVerdicts(id, 1000)).filter((v) => v.at >= killAt + INTERVAL_MS);
      const pastMinimum = down.filter((v) => v.at - release.startedAt >= minObserveMs);
      assert.ok(pastMinimum.length >= 3, `looks past the minimum observation while down: ${pastMinimum.length}`);
      for (const v of pastMinimum) {
        assert.equal(v.decision, 'continue', `look at ${v.at - release.startedAt} ms while down`);
        assert.ok(
          METRICS.every((m) => v.metrics.find((x) => x.metric === m)?.classification === 'pass'),
          'its metrics still pass on the data from before the kill',
        );
        for (const m of METRICS)
          assert.ok(
            v.reasons.some((r) => r.startsWith(`${m}: no baseline or canary data in the last 2 s`)),
            `${m} named as stale: ${JSON.stringify(v.reasons)}`,
          );
      }

      const restartAt = Date.now();
      await prom.start();
      const promoted = await eventually(
        'the release promoted after the restart',
        async () => {
          const v = (await read(`/api/v1/releases/${id}/verdict`)) as unknown as Verdict;
          return v.decision === 'promote' ? v : undefined;
        },
        90_000,
        250,
      );
      assert.ok(promoted.at > restartAt, `promoted at ${promoted.at}, after the restart at ${restartAt}`);
      t.diagnostic(
        `${pastMinimum.length} looks past the minimum observation held while down; promoted ${promoted.at - restartAt} ms after the restart`,
      );
    } finally {
      await service.close();
      await prom.destroy();
    }
  },
);
