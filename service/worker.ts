/**
 * An analysis process as a member of a Kafka consumer group (docs/scale-out.md): the samples
 * topic's partitions are shared by the members, each release lives in one partition, so in one
 * member at a time. Used by the `analysis` role of `serve` and by `analyze-worker` (the same
 * assembly without sources or actions).
 *
 * Rebalances are logged and make the pipeline forget what it holds in memory (`forgetAll`):
 * after a rebalance every partition restarts from its committed offset, and a release that moved
 * away and back may have been advanced by another member meanwhile — the store's checkpoint is
 * the truth. For the same reason a member does not resume the store's whole active list on start
 * (every member would then tick and checkpoint releases it does not own): a release is resumed by
 * whichever member receives its next batch.
 *
 * Held acks are otherwise released every `checkpointEvery` batches of a release: a quiet release
 * would keep its last batches uncommitted (lag never reaching 0, more replay after a move), so a
 * timer checkpoints every release with something new every `checkpointIntervalMs`.
 */
import type { Logger } from 'pino';
import { createKafkaBus, type KafkaRebalanceEvent } from '../collector/bus/kafkaBus.ts';
import type { Bus } from '../collector/index.ts';
import type { Pipeline } from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import { validateServeConfig } from './config.ts';
import { startAnalysis, type AnalysisDeps, type RunningAnalysis } from './analysis.ts';
import { openMigratedStore } from './parts.ts';
import { createWorkerMetrics, type WorkerMetrics } from './workerMetrics.ts';
import type { ServeConfig } from './config.ts';

export interface KafkaMemberOptions {
  group: string;
  checkpointIntervalMs: number;
  /** undefined: no /metrics server */
  metrics?: { host: string; port: number };
  /** the partitions of the samples topic this member now holds (after each assignment) */
  onAssigned?: (partitions: readonly number[]) => void;
}

export interface KafkaMember {
  analysis: RunningAnalysis;
  metrics: WorkerMetrics | undefined;
  close(): Promise<void>;
}

/** Rebalance hook for the bus: create it first, hand it to `createKafkaBus`, then `join`. */
export function kafkaMembership(logger: Logger, options: KafkaMemberOptions) {
  const held: { pipeline?: Pipeline } = {};
  const partitions = { assigned: 0, rebalances: 0 };
  const onRebalance = (event: KafkaRebalanceEvent): void => {
    if (event.topic !== 'samples') return;
    logger.info(
      {
        event: `partitions-${event.kind}`,
        group: event.group,
        member: event.member,
        partitions: event.partitions,
        added: event.added,
        revoked: event.revoked,
      },
      `analysis: rebalance: ${event.kind}`,
    );
    if (event.kind !== 'assigned') return;
    partitions.assigned = event.partitions.length;
    partitions.rebalances++;
    options.onAssigned?.(event.partitions);
    held.pipeline
      ?.forgetAll()
      .catch((err: unknown) => logger.error({ err: String(err) }, 'analysis: forgetting released state failed'));
  };

  /** Starts the analysis in the group (no resume of the store's active list), the checkpoint timer and the metrics. */
  async function join(
    config: ServeConfig,
    deps: Omit<AnalysisDeps, 'group' | 'resumeActive' | 'partitions'>,
  ): Promise<KafkaMember> {
    // the Kafka bus is durable, so startAnalysis holds each batch's acknowledgement until a stored
    // checkpoint covers it: the next owner of a partition is redelivered what a crash lost
    const analysis = await startAnalysis(config, {
      ...deps,
      group: options.group,
      resumeActive: false,
      partitions: () => partitions,
    });
    held.pipeline = analysis.pipeline;
    const opened: (() => Promise<void>)[] = [() => analysis.close()];
    let checkpointing = false;
    const timer = setInterval(() => {
      if (checkpointing) return;
      checkpointing = true;
      analysis.pipeline
        .checkpoint()
        .catch((err: unknown) => logger.error({ err: String(err) }, 'analysis: periodic checkpoint failed'))
        .finally(() => (checkpointing = false));
    }, options.checkpointIntervalMs);
    timer.unref();
    opened.unshift(async () => clearInterval(timer));
    try {
      const metrics = options.metrics
        ? await createWorkerMetrics(
            {
              stats: () => analysis.pipeline.stats(),
              releases: () => analysis.pipeline.active().length,
              partitions: () => partitions,
              lag: () => deps.bus.lag(),
              group: options.group,
            },
            options.metrics,
          )
        : undefined;
      if (metrics) opened.unshift(() => metrics.close());
      return {
        analysis,
        metrics,
        close: async () => {
          for (const close of opened)
            await close().catch((err: unknown) => logger.error({ err: String(err) }, 'analysis: shutdown step failed'));
        },
      };
    } catch (error) {
      for (const close of opened) await close().catch(() => undefined);
      throw error;
    }
  }
  return { onRebalance, join };
}

/**
 * Partitions whose batches a worker handles at once (each partition still one batch at a time,
 * so a release's batches keep their order): while one batch waits for PostgreSQL (its verdict
 * insert, a checkpoint upsert) the engines go on with another partition's. Measured with
 * bench/kafkaWorkers.ts `--quick --only backlog1` on the shared 2-core machine, runs alternated:
 * 1 at a time 76–259 k samples/s (median 147 k), 4 at a time 145–336 k (median 258 k), 12 at a
 * time 192–204 k (PostgreSQL, on the same cores, answers more slowly the more it is asked at once).
 */
const WORKER_PARTITIONS_CONCURRENTLY = 4;

export interface AnalyzeWorkerOptions {
  brokers: string[];
  storeUrl: string;
  group: string;
  topicPrefix?: string;
  partitions?: number;
  replicationFactor?: number;
  /** Kafka consumer session timeout: how soon a dead instance's partitions move (default 10 000; broker minimum 6 000) */
  sessionTimeoutMs?: number;
  /** undefined: no /metrics server */
  metrics?: { host: string; port: number };
  intervalMs?: number;
  tickEveryMs?: number;
  checkpointEvery?: number;
  checkpointIntervalMs: number;
  logger: Logger;
}

export interface RunningWorker {
  bus: Bus;
  store: Store;
  pipeline: Pipeline;
  metrics: WorkerMetrics | undefined;
  /** graceful stop; idempotent */
  close(): Promise<void>;
}

/**
 * `analyze-worker`: an analysis member with no sources and no actions (the collector runs
 * elsewhere and publishes to Kafka), the judges in its own thread. `close()` takes it down in
 * reverse order.
 */
export async function startAnalyzeWorker(o: AnalyzeWorkerOptions): Promise<RunningWorker> {
  const { logger } = o;
  // the flags, through the serve config's checks: one validated configuration
  const config = validateServeConfig(
    {
      engine: {
        ...(o.intervalMs !== undefined ? { interval: o.intervalMs } : {}),
        ...(o.checkpointEvery !== undefined ? { checkpointEvery: o.checkpointEvery } : {}),
        analysisThreads: 0,
        lookSpread: 0,
      },
    },
    'analyze-worker flags',
  );
  const store = await openMigratedStore(o.storeUrl);
  const opened: (() => Promise<void>)[] = [() => store.close()];
  const undo = async (): Promise<void> => {
    for (const close of opened)
      await close().catch((err: unknown) => logger.error({ err: String(err) }, 'analyze-worker: shutdown step failed'));
  };
  try {
    const membership = kafkaMembership(logger, {
      group: o.group,
      checkpointIntervalMs: o.checkpointIntervalMs,
      ...(o.metrics ? { metrics: o.metrics } : {}),
    });
    const bus = await createKafkaBus(
      {
        brokers: o.brokers,
        clientId: `release-health-worker-${process.pid}`,
        ...(o.topicPrefix !== undefined ? { topicPrefix: o.topicPrefix } : {}),
        ...(o.partitions !== undefined ? { partitions: o.partitions } : {}),
        ...(o.replicationFactor !== undefined ? { replicationFactor: o.replicationFactor } : {}),
        ...(o.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
        partitionsConsumedConcurrently: WORKER_PARTITIONS_CONCURRENTLY,
      },
      { onRebalance: membership.onRebalance },
    );
    opened.unshift(() => bus.close());
    const member = await membership.join(config, {
      store,
      bus,
      env: {},
      logger,
      clock: Date.now,
      ...(o.tickEveryMs !== undefined ? { tickEveryMs: o.tickEveryMs } : {}),
    });
    opened.unshift(() => member.close());
    logger.info(
      {
        event: 'ready',
        group: o.group,
        brokers: o.brokers,
        store: store.kind,
        metrics: member.metrics?.url,
        pid: process.pid,
      },
      'analyze-worker: ready',
    );
    let closing: Promise<void> | undefined;
    return {
      bus,
      store,
      pipeline: member.analysis.pipeline,
      metrics: member.metrics,
      close: () => (closing ??= undo()),
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
