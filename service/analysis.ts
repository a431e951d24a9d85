/**
 * The analysis half of the service: sources (scrape targets, PromQL), the pipeline (one
 * sequential engine per active release, checkpointed), and the verdict sinks that act (actions,
 * alerts), tied together by one `ReleaseLifecycle`. The `all` role runs it beside the gate; the
 * `analysis` role and `analyze-worker` run it alone, as members of the bus's consumer group.
 */
import type { Verdict } from '../analyzer/index.ts';
import type { Logger } from '../analyzer/logger.ts';
import {
  createCollectorMetrics,
  PromqlCollector,
  PromqlError,
  ReleaseCollector,
  redactSecrets,
  type Bus,
  type CollectorMetrics,
} from '../collector/index.ts';
import { buildActions, createActionSink, type Action, type ActionSink } from '../gate/actions/index.ts';
import { createAlertmanagerAction, createChatAction } from '../gate/alerts/index.ts';
import {
  closingStatus,
  createReleaseCloser,
  governedVerdict,
  keepsWatching,
  type VerdictCache,
} from '../gate/index.ts';
import { createPipeline, type Pipeline, type VerdictSink } from '../pipeline/index.ts';
import type { ReleaseRecord, Store } from '../store/index.ts';
import { InputError } from '../analyzer/inputError.ts';
import { promqlCollectorOptions, type ServeConfig } from './config.ts';
import { ReleaseLifecycle } from './releases.ts';
import { createWorkerMetrics, type WorkerMetrics } from './workerMetrics.ts';

export interface AnalysisDeps {
  store: Store;
  bus: Bus;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  clock: () => number;
  /** sinks first in line (the gate's verdict cache, when it runs in this process) */
  leadingSinks?: VerdictSink[];
  /** sinks after the built-in ones (the demo's progress line) */
  trailingSinks?: VerdictSink[];
  /** the gate's verdict cache, invalidated when an action closes a release (same process only) */
  cache?: VerdictCache;
  /** real-time period of the pipeline's tick timer; 0: the caller ticks (the demo); default the interval */
  tickEveryMs?: number;
  /** consumer group on the samples topic (default 'pipeline') */
  group?: string;
  /** resume the store's active releases at start (default true; a Kafka member resumes by its partitions) */
  resumeActive?: boolean;
  /** the samples partitions held and the rebalances seen (a Kafka member), for the metrics */
  partitions?: () => { assigned: number; rebalances: number };
  /** whether this process collects for a release (default all: see ReleaseLifecycle) */
  collects?: (releaseId: string) => boolean;
}

export interface RunningAnalysis {
  pipeline: Pipeline;
  collector: ReleaseCollector;
  promql?: PromqlCollector;
  collectorMetrics?: CollectorMetrics;
  /** the pipeline's own metrics (config `engine.metricsPort`) */
  analysisMetrics?: WorkerMetrics;
  lifecycle: ReleaseLifecycle;
  /** starts the scrape timers and the PromQL timer */
  startSources(): void;
  /** graceful stop: sources, then the pipeline (checkpointing every release), then alert deliveries */
  close(): Promise<void>;
}

/** Builds the sinks, the sources and the pipeline from the config; the caller owns the store and the bus. */
export async function startAnalysis(config: ServeConfig, deps: AnalysisDeps): Promise<RunningAnalysis> {
  const { store, bus, env, logger, clock } = deps;
  const governance = config.governanceConfig;
  const { actions, retry } = buildActions(config.actionsConfig, env);
  const opened: { close(): Promise<void> }[] = [];
  const sinks: VerdictSink[] = [...(deps.leadingSinks ?? [])];
  // the actions of a final rollback/promote close the release (gate/routes/lifecycle.ts); the
  // lifecycle that stops it is created below, hence the late binding
  let stopRelease: (id: string) => Promise<void> = async () => undefined;
  const closer = createReleaseCloser({
    store,
    ...(deps.cache ? { cache: deps.cache } : {}),
    logger,
    runner: { stop: (id) => stopRelease(id) },
  });
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
  // alerts go through the actions' delivery path, in a background sink: the pipeline never waits for them
  const alertActions: Action[] = [];
  if (config.alerts?.alertmanager)
    alertActions.push(
      createAlertmanagerAction({
        url: config.alerts.alertmanager.url,
        gateUrl: gateUrlForLinks,
        grafanaUrl: config.alerts.grafanaUrl,
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
    alertActions.push(createChatAction({ webhookUrl, gateUrl: gateUrlForLinks, grafanaUrl: config.alerts.grafanaUrl }));
  }
  const alertSinks: ActionSink[] = [];
  if (alertActions.length > 0)
    alertSinks.push(
      createActionSink({
        name: 'alerts',
        store,
        actions: alertActions,
        retry,
        background: true,
        clock,
        logger,
        govern: (v, rec) => governedVerdict(store, governance, rec, clock(), v),
      }),
    );
  sinks.push(...alertSinks, ...(deps.trailingSinks ?? []));

  const undo = async () => {
    for (const part of opened) await part.close().catch(() => undefined);
  };
  try {
    const collectorMetrics =
      config.collector.metricsPort === undefined
        ? undefined
        : await createCollectorMetrics({ port: config.collector.metricsPort, host: config.listen.host });
    if (collectorMetrics) opened.unshift({ close: () => collectorMetrics.close() });
    const collector = new ReleaseCollector({
      targets: config.collector.targets,
      publish: (batch) => bus.publishSamples(batch),
      onError: (error, context) => {
        collectorMetrics?.recordError(context.target, error.name);
        logger.warn({ target: context.target, releaseId: context.releaseId }, redactSecrets(error.message));
      },
      onScrape: (r) => collectorMetrics?.recordScrape(r),
    });
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

    // set below: the pipeline reports releases it drops while it resumes the active ones
    const late: { lifecycle?: ReleaseLifecycle } = {};
    const pipeline = await createPipeline({
      bus,
      store,
      governance,
      sinks,
      clock,
      intervalMs: config.engine.interval,
      checkpointEvery: config.engine.checkpointEvery,
      // decided by the bus in hand, not by the config's bus section (analyze-worker opens its Kafka
      // bus from flags). A durable bus (Kafka) redelivers what was not acknowledged to the next
      // owner, so a batch is acknowledged only once a stored checkpoint covers it; a bus that dies
      // with the process has nobody to redeliver held batches to, so holding their acks would only
      // keep them in memory (PipelineOptions.acknowledge)
      acknowledge: bus.durable ? 'after-checkpoint' : 'on-delivery',
      graceMs: config.engine.grace,
      analysisThreads: config.engine.analysisThreads,
      lookSpreadMs: config.engine.lookSpread ?? config.engine.interval,
      ...(deps.tickEveryMs !== undefined ? { tickEveryMs: deps.tickEveryMs } : {}),
      ...(deps.group !== undefined ? { group: deps.group } : {}),
      ...(deps.resumeActive !== undefined ? { resumeActive: deps.resumeActive } : {}),
      onDropped: (id) => late.lifecycle?.dropped(id),
      logger,
    });
    opened.unshift({ close: () => pipeline.close({ graceful: true }) });
    const running = new ReleaseLifecycle({
      pipeline,
      collector,
      ...(promql ? { promql } : {}),
      resolving: alertSinks.map((sink) => ({ resolve: (id: string) => sink.releaseClosed(id) })),
      logger,
      ...(deps.collects ? { collects: deps.collects } : {}),
    });
    late.lifecycle = running;
    stopRelease = (id) => running.stop(id);
    // the releases the pipeline runs (resumed from the store) are collected for from the start
    const active = new Set(pipeline.active());
    for (let offset = 0; deps.resumeActive !== false; offset += 1000) {
      const page = await store.listReleases({ status: 'active', limit: 1000, offset });
      for (const rec of page) if (active.has(rec.release.id)) running.follow(rec.release, rec.spec);
      if (page.length < 1000) break;
    }
    const analysisMetrics =
      config.engine.metricsPort === undefined
        ? undefined
        : await createWorkerMetrics(
            {
              stats: () => pipeline.stats(),
              releases: () => pipeline.active().length,
              partitions: () => deps.partitions?.() ?? { assigned: 0, rebalances: 0 },
              lag: () => bus.lag(),
              group: deps.group ?? 'pipeline',
            },
            { host: config.listen.host, port: config.engine.metricsPort },
          );
    if (analysisMetrics) opened.unshift({ close: () => analysisMetrics.close() });
    let sourcesStarted = false;
    opened.unshift({
      close: async () => {
        collector.stop();
        promql?.stop();
      },
    });
    let closing: Promise<void> | undefined;
    return {
      pipeline,
      collector,
      ...(promql ? { promql } : {}),
      ...(collectorMetrics ? { collectorMetrics } : {}),
      ...(analysisMetrics ? { analysisMetrics } : {}),
      lifecycle: running,
      startSources() {
        if (sourcesStarted) return;
        sourcesStarted = true;
        collector.start();
        promql?.start();
      },
      close: () =>
        (closing ??= (async () => {
          for (const part of opened) {
            try {
              await part.close();
            } catch (error) {
              logger.error({ err: redactSecrets((error as Error).message) }, 'shutdown step failed');
            }
          }
          for (const sink of alertSinks) await sink.drain();
        })()),
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
