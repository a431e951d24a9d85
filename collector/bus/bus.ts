/**
 * The bus seam (docs/architecture.md, "Seams"): types only. Every implementation — the in-memory default
 * (`memoryBus.ts`) and the Kafka bus (kafkajs) — must pass `runBusContract` (`testing/contract.ts`), so
 * what is written here is the whole promise a consumer may rely on. Anything not written here
 * (cross-release order, exactly-once, timing) is not promised, even if one implementation does it.
 *
 * Model (deliberately Kafka's, so the Kafka bus is a thin mapping):
 *  - two topics, `samples` and `verdicts`; every message is keyed by its `releaseId`, and all
 *    messages of one release live in one partition, in acceptance order;
 *  - consumer groups: every group receives every message published after the group was created;
 *    inside a group each partition (hence each release) is owned by exactly one member at a
 *    time, and ownership moves when members join or leave (rebalance);
 *  - at-least-once: a group's progress is the prefix of acknowledged messages per partition
 *    (its committed offset); after a rebalance the new owner resumes from there, so whatever
 *    the previous owner had not acknowledged is delivered again;
 *  - duplicates of a sample batch (same `producer` + `sequence` for the same release) published
 *    by a retrying producer are dropped on the consumer side, per group (see `SampleBatch`).
 */
import type { Sample, Verdict } from '../../analyzer/types.ts';

/** The two topics. Group names are scoped per topic: group "x" on samples and group "x" on
 * verdicts are unrelated (a Kafka bus maps them to distinct Kafka group ids). */
export type BusTopic = 'samples' | 'verdicts';

/**
 * A batch of samples of one release, the unit of publishing, delivery and acknowledgement.
 *
 * Identity and duplicates: `sequence` must strictly increase per (`producer`, `releaseId`) over
 * the producer's lifetime *including restarts*, and a producer must not publish sequence n+1 of
 * a release before its publish of n has resolved. Then a batch that comes after (in the
 * release's order) one from the same producer with an equal or higher sequence is a retry's
 * duplicate: each group skips it (and counts it as acknowledged) instead of delivering it.
 * Hence `producer` names the logical source (e.g. `scrape:<target>`), not the process, and
 * `sequence` is something that survives a restart — the scrape timestamp in ms is the natural
 * choice. Redelivery of an unacknowledged batch after a rebalance is not a duplicate in this
 * sense: it is the same batch again (at-least-once), and the consumer's own checkpoint decides.
 */
export interface SampleBatch {
  releaseId: string;
  /** producer-chosen id for logs and tracing; not used for duplicate detection */
  batchId: string;
  /** stable name of the logical source (see above) */
  producer: string;
  /** non-negative safe integer, strictly increasing per (producer, releaseId) */
  sequence: number;
  /** samples may carry `value: NaN` (missing data) or ±Infinity; every bus must deliver them
   * unchanged — plain JSON would turn them into null, so a serialising bus encodes them */
  samples: Sample[];
}

/**
 * Acknowledges one delivered message: the group is done with it and it need not come back.
 * Resolves once the acknowledgement is recorded — a Kafka bus: once the offset commit it causes
 * (if any) has been confirmed by the broker — so `lag()` read afterwards already reflects it.
 * May be called during the handler or later (e.g. after a checkpoint), any number of times.
 * Acknowledgements commit as a prefix per partition, as Kafka offsets do: a message acknowledged
 * after an earlier unacknowledged one of the same partition may still be redelivered after a
 * rebalance. An ack from a member that has since lost the partition (rebalance, close) is ignored
 * — the message goes to the new owner — and the returned promise still resolves.
 */
export type Ack = () => Promise<void>;

/**
 * Receives one message. The next message of the same partition is handed to this member only
 * after this promise settles, so one release is never processed twice at once in a group.
 * A rejection does not stop the subscription: it is reported to `SubscribeOptions.onError`, the
 * message stays unacknowledged unless `ack` was called, and delivery goes on with the next one.
 * Messages must be treated as read-only: the in-memory bus shares one copy between groups.
 */
export type Handler<M> = (message: M, ack: Ack) => Promise<void>;

export interface HandlerErrorInfo {
  topic: BusTopic;
  group: string;
  member: string;
  releaseId: string;
}

export interface SubscribeOptions {
  /** where handler rejections go; default: `console.error` (never silently dropped) */
  onError?: (error: unknown, info: HandlerErrorInfo) => void;
}

/** One member of a consumer group. */
export interface Subscription {
  readonly topic: BusTopic;
  readonly group: string;
  /** opaque, unique within the bus; for logs */
  readonly member: string;
  /**
   * Leaves the group: no new deliveries; resolves once this member's in-flight handlers have
   * settled and its partitions have been handed to the remaining members (or parked until one
   * joins). Unacknowledged messages are then redelivered — closing without acking is how a crash
   * looks. The group and its committed offsets outlive their last member. Idempotent.
   * Not to be awaited inside this member's own handler: it waits for that very handler.
   */
  close(): Promise<void>;
}

/** A group's backlog, for self-observability (`/metrics`). */
export interface GroupLag {
  topic: BusTopic;
  group: string;
  members: number;
  /**
   * messages published to the group and not yet committed: per partition, log end minus the
   * committed offset, summed (Kafka's consumer lag). One sample batch or one verdict counts 1.
   */
  pendingBatches: number;
}

export interface Bus {
  /**
   * Whether published messages outlive this process (Kafka: true; the in-memory bus: false). A
   * consumer that holds acknowledgements so that a restart can be redelivered what it had not
   * covered needs a durable bus; on the in-memory one a restart finds nothing to redeliver.
   */
  readonly durable: boolean;
  /**
   * The back-pressure bound per group and topic (see `publishSamples`). A consumer that holds
   * acknowledgements back (the pipeline, until a checkpoint covers its batches) keeps below it,
   * or publishing and the held acknowledgements would wait for each other.
   */
  readonly maxPendingBatches?: number;
  /**
   * Resolves once the batch is accepted: every group existing at that moment will receive it
   * (unless it is a duplicate, see `SampleBatch`). Rejects with `BusError` code
   * `invalid-message` for an empty `releaseId`/`producer`/`batchId` or a bad `sequence`, and
   * `closed` after `close()`. Back-pressure: while any group's `pendingBatches` is at or above
   * the bus's `maxPendingBatches`, acceptance waits — a slow analyzer slows the collector instead
   * of growing memory. Batches of one release are delivered in the order they were accepted;
   * nothing is promised across releases. The bus copies the batch: later mutation is not seen.
   */
  publishSamples(batch: SampleBatch): Promise<void>;

  /**
   * Joins `group` on the samples topic. Resolves once the member is part of the group and the
   * group's assignment including it is in effect; a group created by this call receives every
   * batch whose publish starts after this resolves (earlier ones are not replayed to it).
   */
  subscribeSamples(group: string, handler: Handler<SampleBatch>, options?: SubscribeOptions): Promise<Subscription>;

  /**
   * As `publishSamples`, keyed by `verdict.releaseId`, with the same back-pressure. Verdicts
   * carry no producer sequence, so the bus does not drop duplicates: a pipeline that reprocesses
   * a redelivered batch may publish the same verdict again, and consumers treat
   * (releaseId, at) as the verdict's identity (the store upserts on it).
   */
  publishVerdict(verdict: Verdict): Promise<void>;

  /** As `subscribeSamples`, on the verdicts topic. */
  subscribeVerdicts(group: string, handler: Handler<Verdict>, options?: SubscribeOptions): Promise<Subscription>;

  /** Every group known to this bus with its backlog, sorted by topic then group. Async because
   * a Kafka bus asks the broker (committed vs end offsets). */
  lag(): Promise<GroupLag[]>;

  /**
   * Forgets a group and its committed offsets, so its backlog no longer holds back publishers.
   * Rejects with `BusError` code `group-not-empty` while it has members; unknown groups are fine.
   */
  deleteGroup(topic: BusTopic, group: string): Promise<void>;

  /**
   * Closes every subscription (waiting for in-flight handlers), rejects waiting and later
   * publishes and subscribes with `BusError` code `closed`, and releases every handle (timers,
   * sockets), so a process with nothing else to do exits. Idempotent. Like `Subscription.close`,
   * not to be awaited inside a handler.
   */
  close(): Promise<void>;
}
