/**
 * The live service, assembled from one parsed config (docs/architecture.md, "Rooms"): the store,
 * the bus, the analysis half (service/analysis.ts: sources, pipeline, acting sinks, one release
 * lifecycle) and the gate's HTTP API, with structured JSON logs (pino) and a graceful shutdown:
 * stop scraping, stop accepting requests, let the pipeline finish its batch and checkpoint every
 * release, then close the bus and the store. `cli/serve.ts` parses the command line and calls this.
 */
import pino, { type Logger } from 'pino';
import { redactSecrets, type Bus, type CollectorMetrics, type PromqlCollector } from '../collector/index.ts';
import type { ReleaseCollector } from '../collector/index.ts';
import { loadScorecard, renderScorecardPage } from '../dashboards/index.ts';
import { loadTokens, startGate, VerdictCache, type RunningGate } from '../gate/index.ts';
import type { Pipeline, ReleaseRunner, VerdictSink } from '../pipeline/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { InputError } from '../analyzer/inputError.ts';
import { openBus } from './busConfig.ts';
import type { ServeConfig } from './config.ts';
import { startAnalysis } from './analysis.ts';
import type { ReleaseLifecycle } from './releases.ts';

export const DEFAULT_STORE = 'pglite://.release-health/store';

export interface RunningService {
  url: string;
  store: Store;
  bus: Bus;
  pipeline: Pipeline;
  collector: ReleaseCollector;
  gate: RunningGate;
  lifecycle: ReleaseLifecycle;
  collectorMetrics?: CollectorMetrics;
  /** PromQL metrics (config `prometheus`): ticked by its own timer unless `scrape: false` */
  promql?: PromqlCollector;
  /** graceful shutdown; idempotent */
  close(): Promise<void>;
}

export interface StartServiceOptions {
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  /** epoch ms clock for the gate and the pipeline (the demo's virtual clock); default Date.now */
  clock?: () => number;
  /** real-time period of the pipeline's tick timer; 0: the caller ticks (the demo) */
  tickEveryMs?: number;
  /** start the collector's scrape timers and the PromQL timer (default true; the demo feeds them itself) */
  scrape?: boolean;
  /** extra sinks after the built-in ones (the demo's progress line) */
  sinks?: VerdictSink[];
}

export function serviceLogger(config: ServeConfig, role: string): Logger {
  return pino({ level: config.logging.level, base: { service: 'release-health', role } });
}

/** The store URL: the config's, else the variable it names, else the embedded default. */
export function storeUrlOf(config: ServeConfig, env: Readonly<Record<string, string | undefined>>): string {
  return config.store.url ?? env[config.store.urlEnv] ?? DEFAULT_STORE;
}

/** Opens and migrates the store; closes it again if migrating fails. */
export async function openMigratedStore(url: string): Promise<Store> {
  const store = await openStore(url);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/** `GET /scorecards`: the leadership page over `from`..`to` (default the last 90 days). */
export function scorecardPageOf(store: Store, clock: () => number) {
  return async (query: Record<string, string>): Promise<string> => {
    const to = query.to ? Date.parse(query.to) : clock();
    const from = query.from ? Date.parse(query.from) : to - 90 * 86_400_000;
    if (!Number.isFinite(from) || !Number.isFinite(to))
      throw new InputError('scorecards', undefined, 'from/to must be RFC 3339 dates');
    return renderScorecardPage(await loadScorecard(store, { from, to }), { generatedAt: clock() });
  };
}

/** Runs parts' `close()` in order, logging (never throwing) a failed step; idempotent. */
export function closeInOrder(parts: { close(): Promise<void> }[], logger: Logger): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      for (const part of parts) {
        try {
          await part.close();
        } catch (error) {
          logger.error({ err: redactSecrets((error as Error).message) }, 'shutdown step failed');
        }
      }
    })());
}

/**
 * The `all` role in one thread: gate, pipeline and sources share the event loop (the demo's
 * virtual clock and the tests that tick by hand need that); `close()` stops them in order.
 */
export async function startService(config: ServeConfig, options: StartServiceOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? serviceLogger(config, 'all');
  const clock = options.clock ?? Date.now;
  const tokens = await loadTokens({ env: env[config.auth.tokensEnv], file: config.auth.tokensFile });
  const governance = config.governanceConfig;

  const store = await openMigratedStore(storeUrlOf(config, env));
  const opened: { close(): Promise<void> }[] = [{ close: () => store.close() }];
  try {
    const bus = await openBus(config.bus, env);
    opened.unshift({ close: () => bus.close() });
    const cache = new VerdictCache(store, governance, { ttlMs: 30_000 });
    const analysis = await startAnalysis(config, {
      store,
      bus,
      env,
      logger,
      clock,
      cache,
      leadingSinks: [cache.sink],
      ...(options.sinks ? { trailingSinks: options.sinks } : {}),
      ...(options.tickEveryMs !== undefined ? { tickEveryMs: options.tickEveryMs } : {}),
    });
    opened.unshift(analysis);
    const runner: ReleaseRunner = analysis.lifecycle;
    const gate = await startGate(
      {
        store,
        runner,
        governance,
        tokens,
        logger,
        clock,
        verdictCache: cache,
        scorecardPage: scorecardPageOf(store, clock),
        allowAnonymousRead: config.auth.allowAnonymousRead,
      },
      { host: config.listen.host, port: config.listen.port },
    );
    opened.unshift({ close: () => gate.close() });
    if (options.scrape !== false) analysis.startSources();
    logger.info(
      {
        url: gate.url,
        role: 'all',
        store: store.kind,
        bus: config.bus.kind,
        targets: config.collector.targets.length,
        prometheus: config.prometheus && new URL(config.prometheus.url).origin,
      },
      'release-health serving',
    );
    return {
      url: gate.url,
      store,
      bus,
      pipeline: analysis.pipeline,
      collector: analysis.collector,
      lifecycle: analysis.lifecycle,
      gate,
      ...(analysis.collectorMetrics ? { collectorMetrics: analysis.collectorMetrics } : {}),
      ...(analysis.promql ? { promql: analysis.promql } : {}),
      close: closeInOrder(opened, logger),
    };
  } catch (error) {
    for (const part of opened) await part.close().catch(() => undefined);
    throw error;
  }
}
