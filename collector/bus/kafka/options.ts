/**
 * Options of the Kafka bus: one typed object with defaults; unknown names and out-of-range
 * values are rejected with `BusError('invalid-options')`, never silently defaulted.
 */
import { BusError } from '../errors.ts';
import { DEFAULT_MARKS_CAPACITY } from '../sequenceMarks.ts';

export type KafkaBusLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaBusOptions {
  /** bootstrap brokers, e.g. ['127.0.0.1:59092'] (required) */
  brokers: string[];
  /** kafkajs client id (default 'release-health') */
  clientId?: string;
  /** prefix of the topic names and consumer group ids (default 'release-health.'): topics are
   * `<prefix>samples`, `<prefix>verdicts`, `<prefix>dead-letter`; groups `<prefix><topic>/<group>` */
  topicPrefix?: string;
  /** partitions per topic when the bus creates the topics (default 16) */
  partitions?: number;
  /** replication factor of the topics it creates (default 1; 3 on a three-node cluster) */
  replicationFactor?: number;
  /** back-pressure bound per group and topic (default 20 000), as on the in-memory bus: it must
   * leave room for every active release's held batches (`checkpointEvery` each) */
  maxPendingBatches?: number;
  /** duplicate marks kept per group and partition (default 10 000); see `SequenceMarks` */
  dedupeCapacity?: number;
  /** upper bound of the offset-commit metadata carrying the duplicate marks (default 4096, the
   * broker's default `offset.metadata.max.bytes`); the least recently updated marks are left
   * out beyond it — see kafka/marks.ts for what that costs */
  commitMetadataMaxBytes?: number;
  /** how long a backlog reading from the broker is trusted before publish asks again (default 1000) */
  lagCacheMs?: number;
  /** while publish waits for room, how often it asks the broker (default 100) */
  pollMs?: number;
  /** consumer heartbeat interval (default 500): also how soon members notice a rebalance */
  heartbeatIntervalMs?: number;
  /** consumer session timeout (default 10 000; the broker's minimum is 6 000) */
  sessionTimeoutMs?: number;
  /** longest a fetch waits on the broker for new data (default 100) */
  maxWaitTimeMs?: number;
  /** most messages in one produce request (default 1000); concurrent publishes are sent together */
  maxBatchMessages?: number;
  /** partitions one member processes at once (default 1: one handler at a time per member) */
  partitionsConsumedConcurrently?: number;
  /** kafkajs log level (default 'nothing': transient broker errors are retried by kafkajs and
   * failures that matter reach callers as rejections or `onError`) */
  logLevel?: KafkaBusLogLevel;
}

export type ResolvedKafkaBusOptions = Required<KafkaBusOptions>;

export const KAFKA_BUS_DEFAULTS: Readonly<Omit<ResolvedKafkaBusOptions, 'brokers'>> = Object.freeze({
  clientId: 'release-health',
  topicPrefix: 'release-health.',
  partitions: 16,
  replicationFactor: 1,
  maxPendingBatches: 20_000,
  dedupeCapacity: DEFAULT_MARKS_CAPACITY,
  commitMetadataMaxBytes: 4096,
  lagCacheMs: 1000,
  pollMs: 100,
  heartbeatIntervalMs: 500,
  sessionTimeoutMs: 10_000,
  maxWaitTimeMs: 100,
  maxBatchMessages: 1000,
  partitionsConsumedConcurrently: 1,
  logLevel: 'nothing',
});

const LOG_LEVELS: readonly KafkaBusLogLevel[] = ['nothing', 'error', 'warn', 'info', 'debug'];
const STRINGS = ['clientId', 'topicPrefix'] as const;

export function resolveKafkaBusOptions(options: KafkaBusOptions): ResolvedKafkaBusOptions {
  const invalid = (message: string): BusError => new BusError('invalid-options', `kafka bus: ${message}`);
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const known = ['brokers', ...Object.keys(KAFKA_BUS_DEFAULTS)];
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length) throw invalid(`unknown option(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const { brokers } = options;
  if (
    !Array.isArray(brokers) ||
    brokers.length === 0 ||
    !brokers.every((b) => typeof b === 'string' && /^[^:\s]+:\d+$/.test(b))
  ) {
    throw invalid(`brokers must be a non-empty list of host:port, got ${JSON.stringify(brokers)}`);
  }
  const resolved: ResolvedKafkaBusOptions = { ...KAFKA_BUS_DEFAULTS, brokers: [...brokers] };
  for (const name of STRINGS) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || (name === 'clientId' && value === ''))
      throw invalid(`${name} must be a string${name === 'clientId' ? ' (non-empty)' : ''}`);
    resolved[name] = value;
  }
  if (options.logLevel !== undefined) {
    if (!LOG_LEVELS.includes(options.logLevel))
      throw invalid(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${String(options.logLevel)}`);
    resolved.logLevel = options.logLevel;
  }
  const numeric = known.filter(
    (name) => typeof (KAFKA_BUS_DEFAULTS as Record<string, unknown>)[name] === 'number',
  ) as (keyof ResolvedKafkaBusOptions)[];
  for (const name of numeric) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || (value as number) < 1)
      throw invalid(`${name} must be a positive integer, got ${String(value)}`);
    (resolved as unknown as Record<string, number>)[name] = value as number;
  }
  if (resolved.topicPrefix !== '' && !/^[A-Za-z0-9._-]+$/.test(resolved.topicPrefix)) {
    throw invalid(
      `topicPrefix may only contain letters, digits, '.', '_' and '-' (Kafka topic names), got ${JSON.stringify(resolved.topicPrefix)}`,
    );
  }
  return resolved;
}
