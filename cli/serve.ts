/**
 * `release-health serve --config FILE`: the live service. Wiring only (docs/architecture.md, "Rooms"): the
 * store, the bus, the collector (scrape targets as templates per release), the pipeline (one
 * sequential engine per active release, checkpointed), the verdict sinks (verdict cache, actions,
 * alerts) and the gate's HTTP API, with structured JSON logs (pino) and a graceful shutdown on
 * SIGTERM/SIGINT: stop scraping, stop accepting requests, let the pipeline finish its batch and
 * checkpoint every release, then close the bus and the store.
 */
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import type { AnalysisSpec, Release, Verdict } from '../analyzer/index.ts';
import {
  createCollectorMetrics,
  PromqlCollector,
  PromqlError,
  ReleaseCollector,
  redactSecrets,
  type Bus,
  type CollectorMetrics,
} from '../collector/index.ts';
import { openBus } from './busConfig.ts';
import { loadScorecard, renderScorecardPage } from '../dashboards/index.ts';
import { buildActions, createActionSink } from '../gate/actions/index.ts';
import { AlertmanagerSink, ChatWebhookSink } from '../gate/alerts/index.ts';
import {
  closingStatus,
  createReleaseCloser,
  governedVerdict,
  keepsWatching,
  loadTokens,
  startGate,
  VerdictCache,
  type RunningGate,
} from '../gate/index.ts';
import { createPipeline, type Pipeline, type ReleaseRunner, type VerdictSink } from '../pipeline/index.ts';
import { openStore, type ReleaseRecord, type Store } from '../store/index.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { InputError, UsageError } from './inputError.ts';
import { loadServeConfig, promqlCollectorOptions, type ServeConfig } from './serveConfig.ts';

export const SERVE_USAGE = `usage: release-health serve --config FILE

Runs the live service: collector, analyzer pipeline and the gate's HTTP API. See README.md,
"release-health serve", for the config file; examples/serve/serve.yaml is a full example.
Environment: RH_STORE_URL (the store, default pglite://.release-health/store), RH_TOKENS
(name:role:token, comma- or newline-separated); other secrets by the names the config gives.`;

const DEFAULT_STORE = 'pglite://.release-health/store';

export interface RunningService {
  url: string;
  store: Store;
  bus: Bus;
  pipeline: Pipeline;
  collector: ReleaseCollector;
  gate: RunningGate;
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

/** Starts every part of the service from a parsed config; `close()` stops them in order. */
export async function startService(config: ServeConfig, options: StartServiceOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? pino({ level: config.logging.level, base: { service: 'release-health' } });
  const clock = options.clock ?? Date.now;
  const storeUrl = config.store.url ?? env[config.store.urlEnv] ?? DEFAULT_STORE;
  const tokens = await loadTokens({ env: env[config.auth.tokensEnv], file: config.auth.tokensFile });
  const governance = config.governanceConfig;
  const { actions, retry } = buildActions(config.actionsConfig, env);

  const store = await openStore(storeUrl);
  const opened: { close(): Promise<void> }[] = [{ close: () => store.close() }];
  try {
    await store.migrate();
    const bus = await openBus(config.bus, env);
    opened.unshift({ close: () => bus.close() });
    const cache = new VerdictCache(store, governance, { ttlMs: 30_000 });
    const sinks: VerdictSink[] = [cache.sink];
    // the actions of a final rollback/promote close the release (gate/routes/lifecycle.ts); the
    // pipeline that stops it is created below, hence the late binding
    let stopRelease: (id: string) => Promise<void> = async () => undefined;
    const closer = createReleaseCloser({ store, cache, logger, runner: { stop: (id) => stopRelease(id) } });
    if (actions.length > 0) {
      const afterActions = async (verdict: Verdict, rec: ReleaseRecord) => {
        const status = closingStatus(verdict.decision);
        const stopAnalysis = !(status === 'completed' && keepsWatching(governance, rec));
        if (status)
          await closer.close(
            rec.release.id,
            {
              status,
              at: clock(),
              actor: 'system',
              action: 'release.close-after-actions',
              detail: { decision: verdict.decision, verdictAt: verdict.at },
            },
            { awaitStop: false, stopAnalysis },
          );
      };
      sinks.push(
        createActionSink({
          store,
          actions,
          retry,
          clock,
          logger,
          govern: (v, rec) => governedVerdict(store, governance, rec, clock(), v),
          afterActions,
        }),
      );
    }
    const gateUrlForLinks = config.alerts?.gateUrl ?? `http://${config.listen.host}:${config.listen.port}`;
    const record = (action: Parameters<Store['recordAction']>[0]) => store.recordAction(action).then(() => undefined);
    const alertSinks: (AlertmanagerSink | ChatWebhookSink)[] = [];
    if (config.alerts?.alertmanager)
      alertSinks.push(
        new AlertmanagerSink({
          url: config.alerts.alertmanager.url,
          gateUrl: gateUrlForLinks,
          grafanaUrl: config.alerts.grafanaUrl,
          record,
          clock,
        }),
      );
    if (config.alerts?.chat) {
      const webhookUrl = env[config.alerts.chat.urlEnv];
      if (!webhookUrl)
        throw new InputError(
          'serve config',
          undefined,
          `alerts.chat.urlEnv: environment variable ${config.alerts.chat.urlEnv} is not set`,
        );
      alertSinks.push(
        new ChatWebhookSink({
          webhookUrl,
          gateUrl: gateUrlForLinks,
          grafanaUrl: config.alerts.grafanaUrl,
          record,
          clock,
        }),
      );
    }
    sinks.push(...alertSinks, ...(options.sinks ?? []));

    const collectorMetrics =
      config.collector.metricsPort === undefined
        ? undefined
        : await createCollectorMetrics({ port: config.collector.metricsPort, host: config.listen.host });
    const collector = new ReleaseCollector({
      targets: config.collector.targets,
      publish: (batch) => bus.publishSamples(batch),
      onError: (error, context) => {
        collectorMetrics?.recordError(context.target, error.name);
        logger.warn({ target: context.target, releaseId: context.releaseId }, redactSecrets(error.message));
      },
      onScrape: (r) => collectorMetrics?.recordScrape(r),
    });
    if (collectorMetrics) opened.unshift({ close: () => collectorMetrics.close() });
    const promql = config.prometheus
      ? new PromqlCollector(
          promqlCollectorOptions(config, {
            clock,
            publish: (batch) => bus.publishSamples(batch),
            onError: (error, c) => {
              collectorMetrics?.recordError('promql', error instanceof PromqlError ? error.kind : error.name);
              logger.warn(
                { target: 'promql', releaseId: c.releaseId, metric: c.metric, query: c.query },
                redactSecrets(error.message),
              );
            },
            onWindow: (r) =>
              collectorMetrics?.recordScrape({
                target: 'promql',
                durationSeconds: r.durationSeconds,
                samples: r.samples,
                at: r.at,
              }),
          }),
        )
      : undefined;

    const pipeline = await createPipeline({
      bus,
      store,
      governance,
      sinks,
      clock,
      intervalMs: config.engine.interval,
      checkpointEvery: config.engine.checkpointEvery,
      graceMs: config.engine.grace,
      analysisThreads: config.engine.analysisThreads,
      lookSpreadMs: config.engine.lookSpread ?? config.engine.interval,
      ...(options.tickEveryMs !== undefined ? { tickEveryMs: options.tickEveryMs } : {}),
      logger,
    });
    opened.unshift({ close: () => pipeline.close({ graceful: true }) });
    stopRelease = (id) => runner.stop(id);

    // the gate drives the pipeline; the collector follows the same releases
    const runner: ReleaseRunner = {
      async start(rec: ReleaseRecord) {
        addToCollector(rec.release, rec.spec);
        await pipeline.start(rec);
      },
      async stop(id: string) {
        collector.removeRelease(id);
        promql?.removeRelease(id);
        for (const sink of alertSinks) if (sink instanceof AlertmanagerSink) sink.resolve(id);
        await pipeline.stop(id);
      },
      active: () => pipeline.active(),
    };
    const addToCollector = (release: Release, spec: AnalysisSpec) => {
      for (const problem of collector.addRelease(release)) logger.warn({ releaseId: release.id }, problem.message);
      promql?.addRelease(release, spec); // its problems go to onError (logged above)
    };
    for (const rec of await store.listReleases({ status: 'active', limit: 1000 }))
      addToCollector(rec.release, rec.spec);
    // releases whose analysis ended (promote/rollback, window over) stop being scraped for
    const sweep = setInterval(() => {
      const active = new Set(pipeline.active());
      for (const id of collector.releaseIds()) if (!active.has(id)) collector.removeRelease(id);
      for (const id of promql?.releaseIds() ?? []) if (!active.has(id)) promql?.removeRelease(id);
    }, 30_000);
    sweep.unref();
    opened.unshift({ close: async () => clearInterval(sweep) });

    const scorecardPage = async (query: Record<string, string>) => {
      const to = query.to ? Date.parse(query.to) : clock();
      const from = query.from ? Date.parse(query.from) : to - 90 * 86_400_000;
      if (!Number.isFinite(from) || !Number.isFinite(to))
        throw new InputError('scorecards', undefined, 'from/to must be RFC 3339 dates');
      return renderScorecardPage(await loadScorecard(store, { from, to }), { generatedAt: clock() });
    };
    const gate = await startGate(
      {
        store,
        runner,
        governance,
        tokens,
        logger,
        clock,
        verdictCache: cache,
        scorecardPage,
        allowAnonymousRead: config.auth.allowAnonymousRead,
      },
      { host: config.listen.host, port: config.listen.port },
    );
    opened.unshift({ close: () => gate.close() });
    if (options.scrape !== false) collector.start();
    opened.unshift({ close: () => collector.stop() });
    if (promql) {
      if (options.scrape !== false) promql.start();
      opened.unshift({ close: () => promql.stop() });
    }
    logger.info(
      {
        url: gate.url,
        store: store.kind,
        bus: config.bus.kind,
        targets: config.collector.targets.length,
        prometheus: config.prometheus && new URL(config.prometheus.url).origin,
      },
      'release-health serving',
    );

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        for (const part of opened) {
          try {
            await part.close();
          } catch (error) {
            logger.error({ err: redactSecrets((error as Error).message) }, 'shutdown step failed');
          }
        }
        for (const sink of alertSinks) await sink.drain();
      })());
    return { url: gate.url, store, bus, pipeline, collector, gate, collectorMetrics, promql, close };
  } catch (error) {
    for (const part of opened) await part.close().catch(() => undefined);
    throw error;
  }
}

export const serveCommand: CommandBody = { usage: SERVE_USAGE, run: serve };

async function serve(argv: string[], { err }: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  if (!values.config) throw new UsageError('serve needs --config FILE');
  const config = await loadServeConfig(values.config);
  const service = await startService(config);
  err(`release-health serving on ${service.url} (Ctrl-C or SIGTERM to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  err('release-health: shutting down (finishing the batch, checkpointing, closing the store)');
  await service.close();
  return EXIT.ok;
}
