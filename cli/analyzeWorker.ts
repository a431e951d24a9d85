/**
 * `release-health analyze-worker --kafka BROKERS`: one analyzer instance of a scaled-out
 * deployment (docs/scale-out.md). Wiring only: the Kafka bus, the PostgreSQL store and the
 * pipeline in one consumer group — no gate, no collector. Several instances share the samples
 * topic's partitions; each release lives in one partition, so in one instance at a time.
 *
 * Rebalances are logged and make the pipeline forget what it holds in memory (`forgetAll`):
 * after a rebalance every partition restarts from its committed offset, and a release that moved
 * away and back may have been advanced by another instance meanwhile — the store's checkpoint is
 * the truth. For the same reason the worker does not resume the store's whole active list on
 * start (every instance would then tick and checkpoint releases it does not own): a release is
 * resumed by whichever instance receives its next batch.
 *
 * SIGTERM/SIGINT: stop taking batches, finish the current one, store its verdicts, checkpoint
 * every release and commit, leave the group, close the store.
 */
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import type { Bus } from '../collector/index.ts';
import { createKafkaBus, type KafkaRebalanceEvent } from '../collector/bus/kafkaBus.ts';
import { createPipeline, type Pipeline } from '../pipeline/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { createWorkerMetrics, type WorkerMetrics } from './analyzeWorkerMetrics.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { UsageError } from './inputError.ts';

export const ANALYZE_WORKER_USAGE = `usage: release-health analyze-worker --kafka BROKERS [--store URL] [--group NAME]
         [--topic-prefix P] [--partitions N] [--replication-factor N] [--metrics-port N]
         [--metrics-host H] [--interval-ms MS] [--tick-every-ms MS] [--checkpoint-every N]
         [--checkpoint-interval-ms MS] [--session-timeout-ms MS] [--log-level LEVEL]

Runs one analyzer instance: consumes sample batches from Kafka in a consumer group (default
"pipeline"), judges every release it owns, stores verdicts and checkpoints in PostgreSQL and
publishes verdicts on the verdicts topic. Start as many as there are cores; they share the
partitions. BROKERS is host:port[,host:port…]. The store is --store or RH_STORE_URL (postgres://…).
--tick-every-ms 0 turns the wall-clock timer off (replays: time then comes from the samples only).
--checkpoint-interval-ms (default 2000) bounds how long acknowledgements wait for a checkpoint.`;

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

/** Opens the store, the bus and the pipeline; `close()` takes them down in reverse order. */
export async function startAnalyzeWorker(o: AnalyzeWorkerOptions): Promise<RunningWorker> {
  const { logger } = o;
  const store = await openStore(o.storeUrl);
  const opened: (() => Promise<void>)[] = [() => store.close()];
  const undo = async (): Promise<void> => {
    for (const close of opened)
      await close().catch((err: unknown) => logger.error({ err: String(err) }, 'analyze-worker: shutdown step failed'));
  };
  try {
    await store.migrate();
    // set once createPipeline returns; the first assignment arrives inside it, before anything is held
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
        `analyze-worker: rebalance: ${event.kind}`,
      );
      if (event.kind !== 'assigned') return;
      partitions.assigned = event.partitions.length;
      partitions.rebalances++;
      held.pipeline
        ?.forgetAll()
        .catch((err: unknown) =>
          logger.error({ err: String(err) }, 'analyze-worker: forgetting released state failed'),
        );
    };
    const bus = await createKafkaBus(
      {
        brokers: o.brokers,
        clientId: `release-health-worker-${process.pid}`,
        ...(o.topicPrefix !== undefined ? { topicPrefix: o.topicPrefix } : {}),
        ...(o.partitions !== undefined ? { partitions: o.partitions } : {}),
        ...(o.replicationFactor !== undefined ? { replicationFactor: o.replicationFactor } : {}),
        ...(o.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
      },
      { onRebalance },
    );
    opened.unshift(() => bus.close());
    const running = await createPipeline({
      bus,
      store,
      group: o.group,
      logger,
      resumeActive: false,
      ...(o.intervalMs !== undefined ? { intervalMs: o.intervalMs } : {}),
      ...(o.tickEveryMs !== undefined ? { tickEveryMs: o.tickEveryMs } : {}),
      ...(o.checkpointEvery !== undefined ? { checkpointEvery: o.checkpointEvery } : {}),
    });
    held.pipeline = running;
    opened.unshift(() => running.close({ graceful: true }));
    // Held acks are otherwise released every `checkpointEvery` batches of a release: a quiet
    // release would keep its last batches uncommitted (lag never reaching 0, more replay after
    // a move). Only releases with something new are written.
    let checkpointing = false;
    const timer = setInterval(() => {
      if (checkpointing) return;
      checkpointing = true;
      running
        .checkpoint()
        .catch((err: unknown) => logger.error({ err: String(err) }, 'analyze-worker: periodic checkpoint failed'))
        .finally(() => (checkpointing = false));
    }, o.checkpointIntervalMs);
    timer.unref();
    opened.unshift(async () => clearInterval(timer));
    const metrics = o.metrics
      ? await createWorkerMetrics(
          {
            stats: () => running.stats(),
            releases: () => running.active().length,
            partitions: () => partitions,
            lag: () => bus.lag(),
            group: o.group,
          },
          o.metrics,
        )
      : undefined;
    if (metrics) opened.unshift(() => metrics.close());
    logger.info(
      {
        event: 'ready',
        group: o.group,
        brokers: o.brokers,
        store: store.kind,
        metrics: metrics?.url,
        pid: process.pid,
      },
      'analyze-worker: ready',
    );
    let closing: Promise<void> | undefined;
    return { bus, store, pipeline: running, metrics, close: () => (closing ??= undo()) };
  } catch (error) {
    await undo();
    throw error;
  }
}

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/** Parses the command line into options (exported for tests). */
export function parseAnalyzeWorkerArgs(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
  logger?: Logger,
): AnalyzeWorkerOptions | 'help' {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      kafka: { type: 'string' },
      store: { type: 'string' },
      group: { type: 'string' },
      'topic-prefix': { type: 'string' },
      partitions: { type: 'string' },
      'replication-factor': { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'interval-ms': { type: 'string' },
      'tick-every-ms': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'checkpoint-interval-ms': { type: 'string' },
      'log-level': { type: 'string' },
      'session-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) return 'help';
  const brokers = (v.kafka ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new UsageError('analyze-worker needs --kafka BROKERS (host:port[,host:port…])');
  const storeUrl = v.store ?? env.RH_STORE_URL;
  if (!storeUrl)
    throw new UsageError(
      'analyze-worker needs --store URL or RH_STORE_URL (a postgres:// URL: instances share the store)',
    );
  const metricsPort = integer('metrics-port', v['metrics-port'], 0);
  const level = v['log-level'] ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level))
    throw new UsageError(`--log-level: unknown level "${level}"`);
  return {
    brokers,
    storeUrl,
    group: v.group ?? 'pipeline',
    topicPrefix: v['topic-prefix'],
    partitions: integer('partitions', v.partitions, 1),
    replicationFactor: integer('replication-factor', v['replication-factor'], 1),
    sessionTimeoutMs: integer('session-timeout-ms', v['session-timeout-ms'], 1),
    metrics: metricsPort === undefined ? undefined : { host: v['metrics-host'] ?? '127.0.0.1', port: metricsPort },
    intervalMs: integer('interval-ms', v['interval-ms'], 1),
    tickEveryMs: integer('tick-every-ms', v['tick-every-ms'], 0),
    checkpointEvery: integer('checkpoint-every', v['checkpoint-every'], 1),
    checkpointIntervalMs: integer('checkpoint-interval-ms', v['checkpoint-interval-ms'], 1) ?? 2000,
    logger: logger ?? pino({ level, base: { service: 'release-health', role: 'analyze-worker', pid: process.pid } }),
  };
}

export const analyzeWorkerCommand: CommandBody = { usage: ANALYZE_WORKER_USAGE, run: analyzeWorker };

async function analyzeWorker(argv: string[], { out, err }: CommandIo): Promise<ExitCode> {
  const options = parseAnalyzeWorkerArgs(argv, process.env);
  if (options === 'help') {
    out(ANALYZE_WORKER_USAGE);
    return EXIT.ok;
  }
  const worker = await startAnalyzeWorker(options);
  err(
    `analyze-worker: consuming in group "${options.group}"${worker.metrics ? `, metrics on ${worker.metrics.url}` : ''} (SIGTERM to stop)`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  options.logger.info(
    { event: 'stopping', stats: worker.pipeline.stats() },
    'analyze-worker: stopping (finishing the batch, checkpointing, committing)',
  );
  await worker.close();
  options.logger.info({ event: 'stopped', stats: worker.pipeline.stats() }, 'analyze-worker: stopped');
  return EXIT.ok;
}
