/**
 * The Kafka bus: the `Bus` seam (bus.ts) on Apache Kafka through kafkajs, for split deployments
 * and many analyzer instances. It is the thin mapping bus.ts was modelled for:
 *
 *  - topics `<prefix>samples` and `<prefix>verdicts` (created here with `partitions`
 *    partitions when missing), messages keyed by releaseId, so kafkajs's default (Java-
 *    compatible murmur2) partitioner puts one release in one partition, in acceptance order;
 *  - a bus group is a Kafka consumer group `<prefix><topic>/<group>`; each `subscribe*` call is
 *    one kafkajs consumer (one group member); assignment and rebalancing are Kafka's;
 *  - acknowledgements commit the acknowledged prefix per partition, manually, with the
 *    duplicate marks in the commit metadata (kafka/member.ts, kafka/marks.ts);
 *  - an idempotent producer with acks=all (kafka/publisher.ts): an acknowledged publish is never
 *    lost, and kafkajs's own retries never duplicate;
 *  - compact batches: a columnar binary format keeping NaN/±Infinity (kafka/codec.ts);
 *  - malformed messages on a topic go to `<prefix>dead-letter` with the reason in headers.
 *
 * Unlike the in-memory bus it keeps everything across restarts: committed offsets and marks
 * live in the broker, so a new process resumes where the group left off.
 */
import { Kafka, logLevel as kafkaLogLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { Verdict } from '../../analyzer/types.ts';
import type { Bus, BusTopic, GroupLag, Handler, SampleBatch, SubscribeOptions, Subscription } from './bus.ts';
import { BusError } from './errors.ts';
import { decodeSampleBatch, decodeVerdict, encodeSampleBatch, encodeVerdict } from './kafka/codec.ts';
import { GroupAdmin, topicNames } from './kafka/groups.ts';
import { KafkaMember } from './kafka/member.ts';
import type { KafkaRebalanceEvent } from './kafka/rebalance.ts';
import {
  resolveKafkaBusOptions,
  type KafkaBusLogLevel,
  type KafkaBusOptions,
  type ResolvedKafkaBusOptions,
} from './kafka/options.ts';
import { TopicPublisher } from './kafka/publisher.ts';
import { TrackedSockets } from './kafka/sockets.ts';
import { assertGroupName, sampleBatchKind, verdictKind, type MessageKind } from './messages.ts';

export type { KafkaBusLogLevel, KafkaBusOptions } from './kafka/options.ts';
export type { KafkaRebalanceEvent } from './kafka/rebalance.ts';

/** Callbacks that are not options (functions, not configuration): kept apart so the options stay
 * plain data that a config file can hold. */
export interface KafkaBusHooks {
  /** every partition change of every member of this bus (logs; per-partition state); must not throw */
  onRebalance?: (event: KafkaRebalanceEvent) => void;
}
export { KAFKA_BUS_DEFAULTS, resolveKafkaBusOptions } from './kafka/options.ts';

const LOG_LEVELS: Record<KafkaBusLogLevel, kafkaLogLevel> = {
  nothing: kafkaLogLevel.NOTHING,
  error: kafkaLogLevel.ERROR,
  warn: kafkaLogLevel.WARN,
  info: kafkaLogLevel.INFO,
  debug: kafkaLogLevel.DEBUG,
};

/** The Kafka bus, plus what only a partitioned bus can say. */
export interface KafkaBusHandle extends Bus {
  /**
   * The partition of `topic` that holds the messages of `releaseId`: a member of the samples
   * group collects for the releases of the partitions it holds, and no other member does.
   */
  partitionOf(topic: BusTopic, releaseId: string): number;
}

/** Connects, creates the topics when missing, and returns the bus. */
export async function createKafkaBus(options: KafkaBusOptions, hooks: KafkaBusHooks = {}): Promise<KafkaBusHandle> {
  const resolved = resolveKafkaBusOptions(options);
  // close() ends what kafkajs leaves open after a broker restart: see kafka/sockets.ts
  const sockets = new TrackedSockets();
  const kafka = new Kafka({
    clientId: resolved.clientId,
    brokers: resolved.brokers,
    logLevel: LOG_LEVELS[resolved.logLevel],
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
    socketFactory: sockets.factory,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await admin.connect();
    await producer.connect();
    const names = topicNames(resolved.topicPrefix);
    await ensureTopics(admin, [names.topic.samples, names.topic.verdicts, names.deadLetter], resolved);
    const { topics } = await admin.fetchTopicMetadata({ topics: [names.topic.samples, names.topic.verdicts] });
    const partitions = (topic: string): number =>
      topics.find((t) => t.name === topic)?.partitions.length ?? resolved.partitions;
    return new KafkaBus(
      kafka,
      admin,
      producer,
      sockets,
      resolved,
      { samples: partitions(names.topic.samples), verdicts: partitions(names.topic.verdicts) },
      hooks,
    );
  } catch (error) {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    sockets.destroyLeftovers();
    throw error;
  }
}

async function ensureTopics(admin: Admin, topics: string[], options: ResolvedKafkaBusOptions): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: false,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: options.partitions,
      replicationFactor: options.replicationFactor,
    })),
  });
  // A created topic's partitions get their leaders a moment later; until every one answers a
  // ListOffsets, lag readings and a new group's start offsets would fail.
  const deadline = Date.now() + 30_000;
  for (const topic of missing) {
    for (;;) {
      try {
        const offsets = await admin.fetchTopicOffsets(topic);
        if (offsets.length === options.partitions) break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

class KafkaBus implements KafkaBusHandle {
  readonly durable = true;
  readonly maxPendingBatches: number;
  private readonly groups: GroupAdmin;
  private readonly publishers: Record<BusTopic, TopicPublisher>;
  private readonly members = new Set<KafkaMember<unknown>>();
  /** subscribes of one group go one at a time, so a new group's start offsets are set once */
  private readonly joining = new Map<string, Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly sockets: TrackedSockets,
    private readonly options: ResolvedKafkaBusOptions,
    partitions: Record<BusTopic, number>,
    private readonly hooks: KafkaBusHooks = {},
  ) {
    this.maxPendingBatches = options.maxPendingBatches;
    this.groups = new GroupAdmin(admin, topicNames(options.topicPrefix));
    const publisher = (topic: BusTopic): TopicPublisher =>
      new TopicPublisher({
        producer,
        topic,
        kafkaTopic: this.groups.names.topic[topic],
        maxPendingBatches: options.maxPendingBatches,
        maxBatchMessages: options.maxBatchMessages,
        partitions: partitions[topic],
        lagCacheMs: options.lagCacheMs,
        pollMs: options.pollMs,
        readLag: async () => (await this.groups.lag()).filter((l) => l.topic === topic),
      });
    this.publishers = { samples: publisher('samples'), verdicts: publisher('verdicts') };
  }

  partitionOf(topic: BusTopic, releaseId: string): number {
    return this.publishers[topic].partitionOf(releaseId);
  }

  publishSamples(batch: SampleBatch): Promise<void> {
    return this.publish('samples', sampleBatchKind, batch, encodeSampleBatch);
  }

  publishVerdict(verdict: Verdict): Promise<void> {
    return this.publish('verdicts', verdictKind, verdict, encodeVerdict);
  }

  subscribeSamples(group: string, handler: Handler<SampleBatch>, options?: SubscribeOptions): Promise<Subscription> {
    return this.subscribe('samples', sampleBatchKind, decodeSampleBatch, group, handler, options);
  }

  subscribeVerdicts(group: string, handler: Handler<Verdict>, options?: SubscribeOptions): Promise<Subscription> {
    return this.subscribe('verdicts', verdictKind, decodeVerdict, group, handler, options);
  }

  lag(): Promise<GroupLag[]> {
    return this.groups.lag();
  }

  async deleteGroup(topic: BusTopic, group: string): Promise<void> {
    if (topic !== 'samples' && topic !== 'verdicts')
      throw new BusError('invalid-argument', `unknown topic "${String(topic)}"; known: samples, verdicts`);
    assertGroupName(group);
    await this.groups.delete(topic, group);
    this.publishers[topic].invalidate();
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      await Promise.all([this.publishers.samples.close(), this.publishers.verdicts.close()]);
      await Promise.allSettled([...this.members].map((m) => m.close()));
      await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
      // Every client is disconnected: a socket still open is one kafkajs lost track of.
      this.sockets.destroyLeftovers();
      this.publishers.samples.rejectWaiting();
      this.publishers.verdicts.rejectWaiting();
    })());
  }

  private publish<M>(topic: BusTopic, kind: MessageKind<M>, message: M, encode: (m: M) => Buffer): Promise<void> {
    if (this.closing) return Promise.reject(new BusError('closed', `bus closed: cannot publish to ${topic}`));
    try {
      kind.assert(message);
      // Encoding at the call is the copy the seam promises: later mutation is not seen.
      return this.publishers[topic].publish(kind.key(message), encode(message));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async subscribe<M>(
    topic: BusTopic,
    kind: MessageKind<M>,
    decode: (bytes: Buffer | null) => M,
    group: string,
    handler: Handler<M>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.closing) throw new BusError('closed', `bus closed: cannot subscribe to ${topic}`);
    assertGroupName(group);
    if (typeof handler !== 'function') throw new BusError('invalid-argument', 'handler must be a function');
    const member = new KafkaMember<M>(
      {
        kafka: this.kafka,
        producer: this.producer,
        groups: this.groups,
        options: this.options,
        topic,
        kind,
        decode,
        committed: () => this.publishers[topic].committed(),
        ...(this.hooks.onRebalance ? { onRebalance: this.hooks.onRebalance } : {}),
      },
      group,
      handler,
      options.onError,
    );
    const key = this.groups.names.groupId(topic, group);
    const previous = this.joining.get(key) ?? Promise.resolve();
    const join = previous
      .catch(() => undefined)
      .then(async () => {
        await member.start(await this.groups.newGroupStart(topic, group));
      });
    this.joining.set(key, join);
    try {
      await join;
    } catch (error) {
      await member.close().catch(() => undefined);
      throw error;
    } finally {
      if (this.joining.get(key) === join) this.joining.delete(key);
    }
    const untyped = member as unknown as KafkaMember<unknown>;
    this.members.add(untyped);
    this.publishers[topic].invalidate();
    if (this.closing) {
      await member.close();
      throw new BusError('closed', `bus closed: cannot subscribe to ${topic}`);
    }
    return {
      topic,
      group,
      member: member.id,
      close: async () => {
        await member.close();
        this.members.delete(untyped);
        this.publishers[topic].invalidate();
      },
    };
  }
}
