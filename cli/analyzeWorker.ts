/**
 * `release-health analyze-worker --kafka BROKERS`: one analyzer instance of a scaled-out
 * deployment (docs/scale-out.md). Parsing only: the instance is assembled in service/worker.ts
 * (the Kafka bus, the PostgreSQL store and the pipeline in one consumer group — no gate, no
 * collector). SIGTERM/SIGINT: stop taking batches, finish the current one, store its verdicts,
 * checkpoint every release and commit, leave the group, close the store.
 */
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { startAnalyzeWorker, type AnalyzeWorkerOptions } from '../service/worker.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { UsageError } from '../analyzer/inputError.ts';

const ANALYZE_WORKER_USAGE = `usage: release-health analyze-worker --kafka BROKERS [--store URL] [--group NAME]
         [--topic-prefix P] [--partitions N] [--replication-factor N] [--metrics-port N]
         [--metrics-host H] [--interval-ms MS] [--tick-every-ms MS] [--checkpoint-every N]
         [--checkpoint-interval-ms MS] [--session-timeout-ms MS] [--log-level LEVEL]

Runs one analyzer instance: consumes sample batches from Kafka in a consumer group (default
"pipeline"), judges every release it owns, stores verdicts and checkpoints in PostgreSQL and
publishes verdicts on the verdicts topic. Start as many as there are cores; they share the
partitions. BROKERS is host:port[,host:port…]. The store is --store or RH_STORE_URL (postgres://…).
--tick-every-ms 0 turns the wall-clock timer off (replays: time then comes from the samples only).
--checkpoint-interval-ms (default 2000) bounds how long acknowledgements wait for a checkpoint.`;

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
