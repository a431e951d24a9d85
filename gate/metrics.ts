/**
 * `GET /metrics`: the governed verdict of every active release as Prometheus gauges, so Argo's and
 * Flagger's Prometheus providers can gate on PromQL and Grafana can chart verdicts.
 *
 *   release_health_verdict{<release>,decision}     1 for the current decision, 0 for the other four
 *   release_health_score{<release>}                0..100
 *   release_health_registered_timestamp_seconds{<release>}   when the release was registered
 *   release_health_metric_effect{<release>,metric,bound="relative|low|high"}
 *   release_health_metric_evidence{<release>,metric}
 *   release_health_metric_detectable{<release>,metric}   smallest harmful relative effect the data so far
 *                                                       would catch with even odds (NaN without data)
 * where <release> is release_id, service, environment, tenant, tenant_tier (the last two empty —
 * that is, absent for Prometheus — when the release has none), so dashboards can filter by tier.
 *
 * Flagger counts a query returning NaN or no series as a failed check, so every active release has
 * `verdict` and `score` series from registration on (`continue`, "warming up", score 0, before the
 * first look) and all five `decision` series (0/1), which never vanish mid-rollout. A PromQL gate
 * picks the current release of a target with `topk(1, release_health_registered_timestamp_seconds{…})`
 * (a newer release supersedes the older one anyway; this covers the scrape in between).
 * Effect and evidence are NaN for a metric without data (classification nodata or error): the
 * judge reports a placeholder there (effect 0, interval [0, 0], evidence 1) that a query would
 * read as "no change"; NaN fails every comparison, so an alert or a threshold on it never fires
 * or passes by accident. With data they are the statistic as it is (±Inf for an unbounded interval).
 *
 * Built with OpenTelemetry's Prometheus exporter in no-server mode. The release gauges are read
 * from the store at each scrape and handed to the exporter's `PrometheusSerializer` as one more
 * scope: OpenTelemetry's observable gauges keep reporting attribute sets that stopped being
 * observed (cumulative temporality), which would leave closed releases and old decisions behind.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type GaugeMetricData } from '@opentelemetry/sdk-metrics';
import { createPrometheusExposition } from '../collector/observe/exposition.ts';
import type { Decision, GovernanceConfig, Verdict } from '../analyzer/index.ts';
import type { ReleaseRecord, Store } from '../store/index.ts';
import { governed, loadVerdictInputs, type VerdictInputs } from './verdicts.ts';

export const DECISIONS: readonly Decision[] = ['continue', 'promote', 'reduce-traffic', 'rollback', 'inconclusive'];
export const GATE_METRIC_NAMES = Object.freeze({
  verdict: 'release_health_verdict',
  score: 'release_health_score',
  registered: 'release_health_registered_timestamp_seconds',
  effect: 'release_health_metric_effect',
  evidence: 'release_health_metric_evidence',
  detectable: 'release_health_metric_detectable',
  requests: 'release_health_gate_requests_total',
});

export interface GateMetrics {
  /** counts an answered request by method, route pattern (never the raw path) and status */
  recordRequest(method: string, route: string, status: number): void;
  /**
   * The same count for one fixed method, route and status, as a function that only adds 1 to a
   * number: the fast path's polled answers (fastPath.ts) would otherwise hash the same three
   * attributes on every request. The counts reach the counter before every collection, so
   * `/metrics` reads the same totals.
   */
  requestCounter(method: string, route: string, status: number): () => void;
  /** the exposition text, as `/metrics` answers it */
  collect(): Promise<string>;
  close(): Promise<void>;
}

const PAGE = 1000;
const CONCURRENCY = 32;

export interface GateMetricsOptions {
  store: Store;
  governance: GovernanceConfig;
  clock: () => number;
  /** where a release's verdict inputs come from (the app passes its verdict cache); default: the store */
  inputsFor?: (record: ReleaseRecord) => Promise<VerdictInputs | undefined>;
  /** series serialized between two turns of the event loop (default 500: ~8 ms of CPU) */
  pointsPerSlice?: number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const RELEASES_PER_SLICE = 25;

export function createGateMetrics(options: GateMetricsOptions): GateMetrics {
  const { store, governance, clock } = options;
  const inputsFor = options.inputsFor ?? ((record: ReleaseRecord) => loadVerdictInputs(store, governance, record));
  // without target_info: each slice's text would repeat it
  const exposition = createPrometheusExposition({ meterName: 'release-health-gate' });
  const scope = { name: 'release-health-gate' };
  const pointsPerSlice = options.pointsPerSlice ?? 500;
  if (!(Number.isInteger(pointsPerSlice) && pointsPerSlice > 0))
    throw new RangeError(`pointsPerSlice must be a positive integer, got ${pointsPerSlice}`);
  const requests = exposition.meter.createCounter(GATE_METRIC_NAMES.requests, {
    description: 'HTTP requests answered by the gate, by method, route and status.',
  });

  async function activeReleases(): Promise<ReleaseRecord[]> {
    const all: ReleaseRecord[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await store.listReleases({ status: 'active', limit: PAGE, offset });
      all.push(...page);
      if (page.length < PAGE) return all;
    }
  }

  async function releaseGauges(): Promise<GaugeMetricData[]> {
    const now = clock();
    const records = await activeReleases();
    const verdicts: (Verdict | undefined)[] = new Array(records.length);
    for (let i = 0; i < records.length; i += CONCURRENCY) {
      const chunk = records.slice(i, i + CONCURRENCY);
      const done = await Promise.all(chunk.map((r) => inputsFor(r)));
      // undefined: the release vanished between the list and the read
      done.forEach(
        (inputs, j) => (verdicts[i + j] = inputs && governed(governance, { ...inputs, record: records[i + j] }, now)),
      );
    }
    const time: HrTime = [Math.floor(now / 1000), (now % 1000) * 1e6];
    const gauge = (name: string, description: string) => ({
      name,
      description,
      points: [] as { startTime: HrTime; endTime: HrTime; attributes: Attributes; value: number }[],
    });
    const verdict = gauge(
      GATE_METRIC_NAMES.verdict,
      'Current governed decision of an active release: 1 for the current decision, 0 for the others.',
    );
    const score = gauge(
      GATE_METRIC_NAMES.score,
      'Release score (0..100) of the current verdict; 0 before the first look.',
    );
    const registered = gauge(
      GATE_METRIC_NAMES.registered,
      'When the release was registered (Unix seconds): topk(1, …) per target picks its current release.',
    );
    const effect = gauge(
      GATE_METRIC_NAMES.effect,
      'Relative change canary vs baseline per metric: point estimate and confidence interval bounds; NaN without data.',
    );
    const evidence = gauge(
      GATE_METRIC_NAMES.evidence,
      'Evidence per metric: e-value (sequential) or 1/p (fixed-horizon); NaN without data.',
    );
    const detectable = gauge(
      GATE_METRIC_NAMES.detectable,
      'Smallest harmful relative effect per metric that the data so far would catch with even odds (0.12 = 12%); NaN without data.',
    );
    for (let i = 0; i < records.length; i++) {
      // ~100 series a release: a turn of the event loop every few dozen releases (see collect)
      if (i > 0 && i % RELEASES_PER_SLICE === 0) await nextTurn();
      const record = records[i];
      const v = verdicts[i];
      if (!v) continue;
      const { release } = record;
      const base = {
        release_id: release.id,
        service: release.service,
        environment: release.environment,
        tenant: release.tenant ?? '',
        tenant_tier: release.tenantTier ?? '',
      };
      for (const decision of DECISIONS)
        verdict.points.push({
          startTime: time,
          endTime: time,
          attributes: { ...base, decision },
          value: v.decision === decision ? 1 : 0,
        });
      score.points.push({ startTime: time, endTime: time, attributes: base, value: v.score });
      registered.points.push({ startTime: time, endTime: time, attributes: base, value: record.registeredAt / 1000 });
      for (const m of v.metrics) {
        const noData = m.classification === 'nodata' || m.classification === 'error';
        for (const bound of ['relative', 'low', 'high'] as const)
          effect.points.push({
            startTime: time,
            endTime: time,
            attributes: { ...base, metric: m.metric, bound },
            value: noData ? Number.NaN : m.effect[bound],
          });
        evidence.points.push({
          startTime: time,
          endTime: time,
          attributes: { ...base, metric: m.metric },
          value: noData ? Number.NaN : m.evidence,
        });
        detectable.points.push({
          startTime: time,
          endTime: time,
          attributes: { ...base, metric: m.metric },
          value: noData || m.detectable === undefined ? Number.NaN : m.detectable,
        });
      }
    }
    return [verdict, score, registered, effect, evidence, detectable].map((g) => ({
      descriptor: { name: g.name, description: g.description, unit: '', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: g.points,
    }));
  }

  let closed = false;
  const counted: { attributes: Attributes; count: number }[] = [];
  const flushCounted = () => {
    for (const c of counted)
      if (c.count > 0) {
        requests.add(c.count, c.attributes);
        c.count = 0;
      }
  };
  return {
    recordRequest(method, route, status) {
      if (!closed) requests.add(1, { method, route, status: String(status) });
    },
    requestCounter(method, route, status) {
      const c = { attributes: { method, route, status: String(status) }, count: 0 };
      counted.push(c);
      return () => {
        c.count++;
      };
    },
    async collect() {
      flushCounted();
      const resourceMetrics = await exposition.collect();
      const { resource } = resourceMetrics;
      const gauges = await releaseGauges();
      // The text of one serialization of everything, written a slice of points at a time with a
      // turn of the event loop between slices: at 1,000 releases × 20 metrics the page is
      // 107,000 series (16 MB), ~1.6 s of CPU in the serializer, which in one piece held every
      // verdict poll and /healthz behind it for 1.6–7 s per Prometheus scrape. A family's
      // `# HELP` and `# TYPE` lines stay with its first slice (gate/metrics.test.ts compares the
      // two texts).
      const parts: string[] = [];
      if (resourceMetrics.scopeMetrics.some((s) => s.metrics.length > 0))
        parts.push(await exposition.text({ resource, scopeMetrics: resourceMetrics.scopeMetrics }));
      for (const gauge of gauges)
        for (let i = 0; i === 0 || i < gauge.dataPoints.length; i += pointsPerSlice) {
          const dataPoints = gauge.dataPoints.slice(i, i + pointsPerSlice);
          const text = await exposition.text({
            resource,
            scopeMetrics: [{ scope, metrics: [{ ...gauge, dataPoints }] }],
          });
          parts.push(i === 0 ? text : text.slice(text.indexOf('\n', text.indexOf('\n') + 1) + 1));
          if (gauge.dataPoints.length > pointsPerSlice) await nextTurn();
        }
      return parts.join('');
    },
    async close() {
      if (closed) return;
      closed = true;
      await exposition.shutdown();
    },
  };
}
