/**
 * The live service, assembled from one parsed config (docs/architecture.md, "Rooms"): the store,
 * the bus, the analysis half (service/analysis.ts: sources, pipeline, acting sinks, one release
 * lifecycle) and the gate's HTTP API, with structured JSON logs (pino) and a graceful shutdown:
 * stop scraping, stop accepting requests, let the pipeline finish its batch and checkpoint every
 * release, then close the bus and the store. `cli/serve.ts` parses the command line and calls this.
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type Bus, type CollectorMetrics, type PromqlCollector } from '../collector/index.ts';
import type { ReleaseCollector } from '../collector/index.ts';
import { loadTokens, VerdictCache, type RunningGate } from '../gate/index.ts';
import { serveGate } from './gate.ts';
import type { Pipeline, ReleaseRunner, VerdictSink } from '../pipeline/index.ts';
import type { ReleaseRecord, Store } from '../store/index.ts';
import { InputError } from '../analyzer/inputError.ts';
import { openBus, openKafkaBus } from './busConfig.ts';
import type { ServeConfig } from './config.ts';
import { startAnalysis } from './analysis.ts';
import type { ReleaseLifecycle } from './releases.ts';
import { kafkaMembership } from './worker.ts';
import { closeInOrder, openMigratedStore, serviceLogger, storeUrlOf } from './parts.ts';
import { startThreadedService } from './analysisHost.ts';

export { closeInOrder, DEFAULT_STORE, openMigratedStore, serviceLogger, storeUrlOf } from './parts.ts';

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
    const gate = await serveGate(
      config,
      { store, runner, governance, tokens, logger, clock, verdictCache: cache },
      opened,
    );
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

export type ServiceRole = 'api' | 'analysis' | 'all';
export const SERVICE_ROLES: readonly ServiceRole[] = ['api', 'analysis', 'all'];

/** What every role returns to the command line. */
export interface RunningRole {
  role: ServiceRole;
  /** the gate's URL (api, all) */
  url?: string;
  close(): Promise<void>;
}

export type RoleOptions = Pick<StartServiceOptions, 'env' | 'logger'>;

/**
 * The api and analysis roles run in separate processes, so they need what processes can share:
 * a PostgreSQL store and the Kafka bus. Checked before anything is opened.
 */
function requireShared(
  config: ServeConfig,
  role: ServiceRole,
  storeUrl: string,
): asserts config is ServeConfig & {
  bus: { kind: 'kafka' };
} {
  if (config.bus.kind !== 'kafka')
    throw new InputError(
      'serve config',
      undefined,
      `--role ${role} needs bus.kind: kafka (the in-memory bus cannot reach the other role's processes)`,
    );
  if (!/^postgres(ql)?:\/\//.test(storeUrl))
    throw new InputError(
      'serve config',
      undefined,
      `--role ${role} needs a PostgreSQL store (postgres://…): PGlite belongs to one process`,
    );
}

/** Verdict-topic groups of api processes: one per process, so each receives every verdict. */
const API_GROUP_PREFIX = 'api.';

/**
 * `--role api`: the gate alone. It answers from the verdict cache, fed by the verdict topic (one
 * consumer group per process, deleted when it stops) and by the store; it registers and closes
 * releases in the store, and the analysis processes pick them up there. No collector, no judge,
 * no checkpoint runs here.
 */
export async function startApiService(config: ServeConfig, options: RoleOptions = {}): Promise<RunningRole> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? serviceLogger(config, 'api');
  const storeUrl = storeUrlOf(config, env);
  requireShared(config, 'api', storeUrl);
  const tokens = await loadTokens({ env: env[config.auth.tokensEnv], file: config.auth.tokensFile });
  const governance = config.governanceConfig;
  const store = await openMigratedStore(storeUrl);
  const opened: { close(): Promise<void> }[] = [{ close: () => store.close() }];
  try {
    const bus = await openKafkaBus(config.bus, env);
    opened.unshift({ close: () => bus.close() });
    // an api process that died without leaving kept its group, whose backlog would hold the
    // verdict publishers back once it reached the bus's bound: groups of api processes with no
    // member are dropped here (a live process's group always has its member)
    for (const lag of await bus.lag())
      if (lag.topic === 'verdicts' && lag.group.startsWith(API_GROUP_PREFIX) && lag.members === 0)
        await bus.deleteGroup('verdicts', lag.group).catch(() => undefined);
    const cache = new VerdictCache(store, governance, { ttlMs: 30_000 });
    const group = `${API_GROUP_PREFIX}${hostname()}.${process.pid}`;
    const subscription = await bus.subscribeVerdicts(
      group,
      async (verdict, ack) => {
        cache.noteVerdict(verdict);
        await ack();
      },
      { onError: (err) => logger.warn({ err: String(err) }, 'api: a verdict from the topic was not taken') },
    );
    opened.unshift({
      close: async () => {
        await subscription.close();
        await bus.deleteGroup('verdicts', group).catch(() => undefined);
      },
    });
    const clock = Date.now;
    const gate = await serveGate(config, { store, governance, tokens, logger, clock, verdictCache: cache }, opened);
    logger.info({ url: gate.url, role: 'api', store: store.kind, bus: 'kafka', group }, 'release-health serving');
    return { role: 'api', url: gate.url, close: closeInOrder(opened, logger) };
  } catch (error) {
    for (const part of opened) await part.close().catch(() => undefined);
    throw error;
  }
}

/**
 * `--role analysis`: a member of the samples group (service/worker.ts) that also collects —
 * for the releases of the partitions it holds, read from the store every `engine.releasePoll` —
 * judges, checkpoints, stores and publishes verdicts and runs the actions and alerts. No HTTP API.
 */
export async function startAnalysisService(config: ServeConfig, options: RoleOptions = {}): Promise<RunningRole> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? serviceLogger(config, 'analysis');
  const storeUrl = storeUrlOf(config, env);
  requireShared(config, 'analysis', storeUrl);
  const store = await openMigratedStore(storeUrl);
  const opened: { close(): Promise<void> }[] = [{ close: () => store.close() }];
  try {
    const owned = new Set<number>();
    let reconcileSoon = () => undefined as void;
    const membership = kafkaMembership(logger, {
      group: 'pipeline',
      checkpointIntervalMs: 2000,
      onAssigned: (partitions) => {
        owned.clear();
        for (const p of partitions) owned.add(p);
        reconcileSoon();
      },
    });
    const bus = await openKafkaBus(config.bus, env, { onRebalance: membership.onRebalance });
    opened.unshift({ close: () => bus.close() });
    const member = await membership.join(config, {
      store,
      bus,
      env,
      logger,
      clock: Date.now,
      collects: (id) => owned.has(bus.partitionOf('samples', id)),
    });
    opened.unshift(member);
    const { lifecycle } = member.analysis;
    let reconciling: Promise<void> | undefined;
    const reconcile = (): Promise<void> =>
      (reconciling ??= (async () => {
        try {
          const active = new Map<string, ReleaseRecord>();
          for (let offset = 0; ; offset += 1000) {
            const page = await store.listReleases({ status: 'active', limit: 1000, offset });
            for (const rec of page) active.set(rec.release.id, rec);
            if (page.length < 1000) break;
          }
          await lifecycle.reconcile(active);
        } catch (err) {
          logger.error({ err: String(err) }, 'analysis: reading the active releases failed; retried at the next poll');
        } finally {
          reconciling = undefined;
        }
      })());
    reconcileSoon = () => void reconcile();
    await reconcile();
    const poll = setInterval(reconcileSoon, config.engine.releasePoll);
    poll.unref();
    opened.unshift({
      close: async () => {
        clearInterval(poll);
        await reconciling;
      },
    });
    member.analysis.startSources();
    logger.info(
      { role: 'analysis', store: store.kind, bus: 'kafka', targets: config.collector.targets.length, pid: process.pid },
      'release-health analysing',
    );
    return { role: 'analysis', close: closeInOrder(opened, logger) };
  } catch (error) {
    for (const part of opened) await part.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The role the command line asked for. `all` runs the analysis in a thread of its own
 * (service/analysisHost.ts), so the loop that answers HTTP never waits for a look, a scrape or a
 * checkpoint; `startService` (one thread) stays for the demo's virtual clock and the tests that
 * tick by hand.
 */
export async function startRole(
  role: ServiceRole,
  config: ServeConfig,
  options: RoleOptions = {},
): Promise<RunningRole> {
  if (role === 'api') return startApiService(config, options);
  if (role === 'analysis') return startAnalysisService(config, options);
  const service = await startThreadedService(config, options);
  return { role, url: service.url, close: () => service.close() };
}
