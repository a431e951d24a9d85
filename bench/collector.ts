import { ReleaseEngine, type AnalysisSpec } from '../analyzer/index.ts';
import {
  createMemoryBus,
  parseExposition,
  parseScrapeTarget,
  ScrapeConverter,
  type SampleBatch,
} from '../collector/index.ts';
import { lognormal, seeded } from './timing.ts';

/**
 * End to end without network: a seeded Traefik v3 exposition (200 services, each as a
 * `-stable@file` and a `-canary@file` Traefik service — service 0 is odoo-stable@file /
 * odoo-canary@file — × code × method; `traefik_service_requests_total` counters and
 * `traefik_service_request_duration_seconds` histograms with Traefik's default buckets) whose
 * counters advance between scrapes, then per scrape: `parseExposition` → `ScrapeConverter.convert`
 * → `bus.publishSamples` (one SampleBatch per scrape) → a subscriber feeding a sequential
 * `ReleaseEngine` (1 scrape = 1 interval: `advanceTo`, then `ingest`) that acks. Building the
 * body is not timed; everything after it is. The bus share is the publish → handler → ack round
 * trip minus the engine time measured inside the handler.
 */
const START = Date.UTC(2026, 10, 27, 10, 0, 0);
const SERVICES = 200;
const CODES = ['200', '302', '404', '500'];
const METHODS = ['GET', 'POST'];
const BUCKETS = [0.1, 0.3, 1.2, 5];
const INTERVAL = 60_000;

interface Series {
  labels: string;
  requests: number;
  buckets: number[]; // cumulative, one per finite bucket + Inf
  sum: number;
  scale: number;
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const scrapes = quick ? 15 : 60;
  const random = seeded(23);
  const series: Series[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const base = s === 0 ? 'odoo' : `svc-${s}`;
    for (const cohort of ['stable', 'canary']) {
      for (const code of CODES) {
        for (const method of METHODS) {
          series.push({
            labels: `code="${code}",method="${method}",protocol="http",service="${base}-${cohort}@file"`,
            requests: 0,
            buckets: new Array(BUCKETS.length + 1).fill(0),
            sum: 0,
            scale: code === '200' ? 12 : 2,
          });
        }
      }
    }
  }
  const build = (): string => {
    for (const s of series) {
      const n = Math.floor(random() * 2 * s.scale);
      for (let i = 0; i < n; i++) {
        const d = lognormal(random, 0.35, 0.6);
        s.sum += d;
        for (let b = 0; b < BUCKETS.length; b++) if (d <= BUCKETS[b]) s.buckets[b]++;
        s.buckets[BUCKETS.length]++;
      }
      s.requests += n;
    }
    const lines: string[] = [
      '# HELP traefik_service_requests_total How many HTTP requests processed on a service, partitioned by status code, protocol, and method.',
      '# TYPE traefik_service_requests_total counter',
    ];
    for (const s of series) lines.push(`traefik_service_requests_total{${s.labels}} ${s.requests}`);
    lines.push(
      '# HELP traefik_service_request_duration_seconds How long it took to process the request on a service, partitioned by status code, protocol, and method.',
    );
    lines.push('# TYPE traefik_service_request_duration_seconds histogram');
    for (const s of series) {
      BUCKETS.forEach((le, b) =>
        lines.push(`traefik_service_request_duration_seconds_bucket{${s.labels},le="${le}"} ${s.buckets[b]}`),
      );
      lines.push(`traefik_service_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.buckets[BUCKETS.length]}`);
      lines.push(`traefik_service_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      lines.push(`traefik_service_request_duration_seconds_count{${s.labels}} ${s.buckets[BUCKETS.length]}`);
    }
    return lines.join('\n') + '\n';
  };

  const cohorts = {
    by: 'label',
    label: 'service',
    baseline: [{ regex: '.+-stable@file' }],
    canary: [{ regex: '.+-canary@file' }],
  };
  const target = parseScrapeTarget({
    name: 'traefik',
    url: 'http://traefik:8082/metrics',
    intervalMs: INTERVAL,
    metrics: [
      { name: 'traefik_service_requests_total', as: 'requests', kind: 'counter', cohorts },
      { name: 'traefik_service_request_duration_seconds', as: 'request_duration_seconds', kind: 'histogram', cohorts },
    ],
  });
  const observeMs = (scrapes + 10) * INTERVAL;
  const spec: AnalysisSpec = {
    release: {
      id: 'bench-collector',
      service: 'odoo',
      version: '17.0.6',
      environment: 'production',
      strategy: 'canary',
      class: 'standard',
      startedAt: START,
      canaryWeight: 0.5,
    },
    metrics: [
      {
        name: 'request_duration_seconds',
        group: 'ingress',
        kind: 'latency',
        harm: 'increase',
        tolerance: 0.05,
        critical: true,
        histogram: true,
        buckets: BUCKETS,
      },
      { name: 'requests', group: 'ingress', kind: 'count', harm: 'decrease', tolerance: 0.1 },
    ],
    policy: { observeMs, minObserveMs: observeMs },
  };

  const converter = new ScrapeConverter(target);
  const engine = new ReleaseEngine(spec, { mode: 'sequential', intervalMs: INTERVAL });
  const bus = createMemoryBus();
  let engineNs = 0n;
  let waiting: (() => void) | undefined;
  const subscription = await bus.subscribeSamples('analyzer', async (batch, ack) => {
    const t = process.hrtime.bigint();
    const ts = batch.samples.length > 0 ? batch.samples[0].ts : batch.sequence;
    engine.advanceTo(ts);
    for (const sample of batch.samples) engine.ingest(sample);
    engineNs += process.hrtime.bigint() - t;
    await ack();
    waiting?.();
  });

  let parseNs = 0n;
  let convertNs = 0n;
  let roundTripNs = 0n;
  let parsedSeries = 0;
  let emitted = 0;
  let bytes = 0;
  let problems = 0;
  let ignored = 0;
  // scrape 0 primes the counters (no increments yet); every scrape is timed, the first included
  for (let k = 0; k <= scrapes; k++) {
    const body = Buffer.from(build());
    bytes += body.length;
    const ts = START + k * INTERVAL - INTERVAL + 1; // scrape k lands in interval k-1 (k ≥ 1)
    const t0 = process.hrtime.bigint();
    const parsed = parseExposition(body);
    const t1 = process.hrtime.bigint();
    const converted = converter.convert({
      target: target.name,
      ts,
      format: parsed.format,
      families: parsed.families,
      bytes: body.length,
      durationMs: 0,
    });
    const t2 = process.hrtime.bigint();
    const delivered = new Promise<void>((resolve) => (waiting = resolve));
    const batch: SampleBatch = {
      releaseId: spec.release.id,
      batchId: `traefik-${k}`,
      producer: 'scrape:traefik',
      sequence: ts,
      samples: converted.samples,
    };
    await bus.publishSamples(batch);
    await delivered;
    const t3 = process.hrtime.bigint();
    parseNs += t1 - t0;
    convertNs += t2 - t1;
    roundTripNs += t3 - t2;
    for (const f of parsed.families) parsedSeries += f.samples.length;
    emitted += converted.samples.length;
    problems += converted.problems.length;
    for (const v of Object.values(converted.ignored)) ignored += v;
  }
  const verdict = engine.flush();
  await subscription.close();
  await bus.close();

  const busNs = roundTripNs - engineNs;
  const totalNs = parseNs + convertNs + roundTripNs;
  const seconds = Number(totalNs) / 1e9;
  const n = scrapes + 1;
  const share = (ns: bigint): number => Number(((Number(ns) / Number(totalNs)) * 100).toFixed(1));
  const ms = (ns: bigint): number => Number((Number(ns) / 1e6 / n).toFixed(3));
  const figures = {
    scrapes: n,
    seriesPerScrape: series.length * (1 + BUCKETS.length + 3),
    meanBodyBytes: Math.round(bytes / n),
    scrapesPerSecond: Number((n / seconds).toFixed(1)),
    parsedSamplesPerSecond: Math.round(parsedSeries / seconds),
    emittedSamplesPerScrape: Number((emitted / n).toFixed(1)),
    emittedSamplesPerSecond: Math.round(emitted / seconds),
    msPerScrape: {
      parse: ms(parseNs),
      convert: ms(convertNs),
      bus: ms(busNs),
      engine: ms(engineNs),
      total: ms(totalNs),
    },
    sharePercent: { parse: share(parseNs), convert: share(convertNs), bus: share(busNs), engine: share(engineNs) },
    problems,
    ignoredSeries: ignored,
    engineCounts: { ...engine.counts },
    finalDecision: verdict.decision,
  };
  if (problems > 0 || ignored > 0) throw new Error(`conversion: ${problems} problems, ${ignored} ignored series`);
  console.log(
    `${n} scrapes of ${figures.seriesPerScrape.toLocaleString('en-US')} series (${(figures.meanBodyBytes / 1e6).toFixed(2)} MB) in ${seconds.toFixed(2)} s: ` +
      `${figures.scrapesPerSecond} scrapes/s, ${figures.parsedSamplesPerSecond.toLocaleString('en-US')} scraped series/s end to end`,
  );
  console.log(
    `emitted ${figures.emittedSamplesPerScrape} samples per scrape (per-cohort sums) = ${figures.emittedSamplesPerSecond.toLocaleString('en-US')} samples/s into the engine`,
  );
  console.log(
    `per scrape: parse ${figures.msPerScrape.parse} ms (${figures.sharePercent.parse}%), convert ${figures.msPerScrape.convert} ms (${figures.sharePercent.convert}%), ` +
      `bus ${figures.msPerScrape.bus} ms (${figures.sharePercent.bus}%), engine ${figures.msPerScrape.engine} ms (${figures.sharePercent.engine}%)`,
  );
  console.log(`engine: ${JSON.stringify(figures.engineCounts)}, final decision ${verdict.decision}`);
  return figures;
}
