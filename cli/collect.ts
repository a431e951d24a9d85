/**
 * `release-health collect --config FILE [--once] [--json]`: the collector on its own. It scrapes
 * the configured targets into baseline/canary samples, publishes each scrape's samples as one
 * `SampleBatch` (producer `scrape:<target>`, sequence = the scrape timestamp in ms) to the bus,
 * and serves its own metrics (collector/observe) on /metrics. `--once` scrapes every target once
 * (twice, one interval apart, for targets with counters or histograms: an increment needs two
 * readings) and prints the samples as NDJSON — the format `analyze --samples` reads.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { busConfigSchema, openBus } from '../service/busConfig.ts';
import type { Sample } from '../analyzer/types.ts';
import {
  BusError,
  createCollectorMetrics,
  redactSecrets,
  ScrapeConverter,
  ScrapeError,
  Scraper,
  scrapeOnce,
  scrapeTargetSchema,
  type Bus,
  type CollectorMetrics,
  type FetchLike,
  type ScrapeTarget,
} from '../collector/index.ts';
import { parseConfigText } from '../analyzer/configText.ts';
import { readConfigFile, zodToConfigError } from '../service/configDocument.ts';
import { formatSampleLine } from '../collector/ndjson/samples.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { UsageError } from '../analyzer/inputError.ts';

const COLLECT_USAGE = `usage: release-health collect --config FILE [--once] [--json] [--progress-every N]

Runs the collector alone: scrapes the configured targets, publishes the samples to the bus and
serves its own metrics on http://<metrics.host>:<metrics.port>/metrics. Stops on SIGINT/SIGTERM.
  --config FILE        JSON or YAML: { release: { id }, targets: [...], bus: { kind: memory | kafka, brokers }, metrics: { host, port } }
  --once               scrape every target once (twice, one interval apart, if it has counters or
                       histograms), print the samples as NDJSON (what analyze --samples reads), exit
  --json               progress lines as JSON objects
  --progress-every N   print a progress line every N scrapes (default 10; 0: never)

exit codes: 0 ok, 1 (--once) a target failed, 64 usage error, 65 config error`;

const MAX_CONFIG_BYTES = 1024 * 1024;

const collectConfigSchema = z
  .object({
    release: z
      .object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits, . _ : - (1 to 128)') })
      .strict(),
    targets: z.array(scrapeTargetSchema).min(1, 'needs at least one target'),
    bus: busConfigSchema,
    metrics: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9465),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 9465 }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.targets.forEach((t, i) => {
      if (seen.has(t.name))
        ctx.addIssue({ code: 'custom', message: `target "${t.name}" is defined twice`, path: ['targets', i, 'name'] });
      seen.add(t.name);
    });
  });

type CollectConfig = z.output<typeof collectConfigSchema>;

export async function loadCollectConfig(path: string): Promise<CollectConfig> {
  const text = await readConfigFile(path, 'config', MAX_CONFIG_BYTES);
  return parseCollectConfig(text, path);
}

/** Parses and validates a collect config (JSON or YAML); errors are `ConfigError`s at file:line:column. */
export function parseCollectConfig(text: string, path: string): CollectConfig {
  const doc = parseConfigText(text, path);
  const result = collectConfigSchema.safeParse(doc.data);
  if (!result.success) throw zodToConfigError(result.error, doc);
  return result.data;
}

function errorKind(error: Error): string {
  if (error instanceof ScrapeError) return error.kind;
  if (error instanceof BusError) return 'publish';
  return 'conversion';
}

/** One structured log line per error: target named, credentials stripped from any URL. */
function errorLine(error: Error, target: ScrapeTarget): string {
  return JSON.stringify({
    ts: new Date().toISOString(),
    level: 'error',
    event: 'scrape_error',
    target: target.name,
    kind: errorKind(error),
    ...(error instanceof ScrapeError && error.status !== undefined ? { status: error.status } : {}),
    message: redactSecrets(error.message, [target.url]),
  });
}

interface RunCollectorOptions {
  /** aborting it stops the collector cleanly */
  signal: AbortSignal;
  /** the bus to publish to; default: a memory bus created (and closed) by the collector */
  bus?: Bus;
  /** stdout-ish (progress lines) */
  out?: (text: string) => void;
  /** stderr-ish (error lines) */
  err?: (text: string) => void;
  /** a progress line every N scrapes (default 10; 0 never) */
  progressEvery?: number;
  /** progress lines as JSON */
  json?: boolean;
  /** called once everything is running, with the served /metrics URL */
  onReady?: (info: { metricsUrl: string | undefined; metrics: CollectorMetrics }) => void;
  fetch?: FetchLike;
}

interface CollectorSummary {
  scrapes: number;
  failures: number;
  batches: number;
  samples: number;
}

/**
 * Runs the collector until `signal` aborts: scraper → bus, with /metrics served. On abort it
 * stops the scraper (waiting for scrapes in flight), closes the bus if it created it, and closes
 * the metrics server. Resolves with totals.
 */
export async function runCollector(config: CollectConfig, options: RunCollectorOptions): Promise<CollectorSummary> {
  const { signal } = options;
  const out = options.out ?? ((t: string) => console.log(t));
  const err = options.err ?? ((t: string) => console.error(t));
  const progressEvery = options.progressEvery ?? 10;
  const ownBus = options.bus === undefined;
  const bus = options.bus ?? (await openBus(config.bus, process.env));
  const summary: CollectorSummary = { scrapes: 0, failures: 0, batches: 0, samples: 0 };
  let metrics: CollectorMetrics | undefined;
  let scraper: Scraper | undefined;
  try {
    metrics = await createCollectorMetrics({
      host: config.metrics.host,
      port: config.metrics.port,
      lag: () => bus.lag(),
    });
    const m = metrics;
    const progress = (): void => {
      if (progressEvery <= 0 || summary.scrapes % progressEvery !== 0) return;
      const p = { ts: new Date().toISOString(), event: 'progress', ...summary };
      out(
        options.json
          ? JSON.stringify(p)
          : `collect: ${summary.scrapes} scrapes (${summary.failures} failed), ${summary.batches} batches, ${summary.samples} samples published`,
      );
    };
    const s: Scraper = new Scraper({
      targets: config.targets,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      onSamples: async (samples, target) => {
        summary.scrapes++;
        const durationMs = s.stats()[target.name]?.lastDurationMs ?? Number.NaN;
        const at = samples.length ? Math.max(...samples.map((x) => x.ts)) : Date.now();
        m.recordScrape({ target: target.name, durationSeconds: durationMs / 1000, samples: samples.length, at });
        progress();
        // a cohort with no increment yet gives no sample; an empty batch carries nothing
        if (samples.length === 0) return;
        await bus.publishSamples({
          releaseId: config.release.id,
          batchId: randomUUID(),
          producer: `scrape:${target.name}`,
          sequence: Math.trunc(at),
          samples,
        });
        summary.batches++;
        summary.samples += samples.length;
      },
      onError: (error, target) => {
        if (error instanceof ScrapeError) {
          summary.scrapes++;
          summary.failures++;
          m.recordError(target.name, error.kind, (s.stats()[target.name]?.lastDurationMs ?? Number.NaN) / 1000);
          progress();
        } else {
          m.recordError(target.name, errorKind(error));
        }
        err(errorLine(error, target));
      },
    });
    scraper = s;
    if (signal.aborted) return summary;
    s.start();
    options.onReady?.({ metricsUrl: m.url, metrics: m });
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return summary;
  } finally {
    await scraper?.stop();
    if (ownBus) await bus.close();
    await metrics?.close();
  }
}

/** `--once`: every target scraped (twice for counters/histograms), samples in timestamp order. */
async function collectOnce(
  config: CollectConfig,
  options: { err?: (text: string) => void; fetch?: FetchLike; signal?: AbortSignal } = {},
): Promise<{ samples: Sample[]; failed: string[] }> {
  const err = options.err ?? ((t: string) => console.error(t));
  const fetchImpl = options.fetch ?? fetch;
  const failed: string[] = [];
  const perTarget = await Promise.all(
    config.targets.map(async (target): Promise<Sample[]> => {
      const converter = new ScrapeConverter(target);
      const collected: Sample[] = [];
      const once = async (): Promise<void> => {
        const result = await scrapeOnce(target, fetchImpl, options.signal ? { signal: options.signal } : {});
        const converted = converter.convert(result);
        for (const problem of converted.problems) err(errorLine(problem, target));
        collected.push(...converted.samples);
      };
      try {
        await once();
        if (target.metrics.some((m) => m.kind !== 'gauge')) {
          await new Promise((resolve) => setTimeout(resolve, target.intervalMs));
          await once();
        }
      } catch (error) {
        failed.push(target.name);
        err(errorLine(error as Error, target));
      }
      return collected;
    }),
  );
  const samples = perTarget.flat().sort((a, b) => a.ts - b.ts);
  return { samples, failed };
}

export const collectCommand: CommandBody = { usage: COLLECT_USAGE, run: collect };

async function collect(args: string[], { out, err }: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      once: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'progress-every': { type: 'string', default: '10' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.config) throw new UsageError('collect: --config FILE is required');
  const progressEvery = Number(values['progress-every']);
  if (!Number.isSafeInteger(progressEvery) || progressEvery < 0)
    throw new UsageError(`collect: --progress-every must be a non-negative integer, got "${values['progress-every']}"`);
  const config = await loadCollectConfig(values.config);

  if (values.once) {
    const { samples, failed } = await collectOnce(config, { err });
    if (samples.length) out(samples.map(formatSampleLine).join('\n'));
    return failed.length ? EXIT.failure : EXIT.ok;
  }

  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const summary = await runCollector(config, {
      signal: controller.signal,
      out,
      err,
      progressEvery,
      json: values.json,
      onReady: ({ metricsUrl }) =>
        err(
          JSON.stringify({
            ts: new Date().toISOString(),
            level: 'info',
            event: 'started',
            release: config.release.id,
            targets: config.targets.map((t) => t.name),
            metrics: metricsUrl,
          }),
        ),
    });
    err(JSON.stringify({ ts: new Date().toISOString(), level: 'info', event: 'stopped', ...summary }));
    return EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
