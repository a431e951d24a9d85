/**
 * Publishing on one topic of the Kafka bus, with back-pressure.
 *
 * Publishes queue in call order and are accepted FIFO (none overtakes another, so one release's
 * batches keep their order); whatever is queued when the producer is free goes out in one
 * produce request (up to `maxBatchMessages`), so concurrent publishers share round trips.
 * The producer is idempotent with acks=all and one request in flight: an acknowledged publish
 * is on every in-sync replica, and kafkajs's retries cannot duplicate or reorder it.
 *
 * Back-pressure: before sending, the largest backlog of the topic's groups (broker's committed
 * offsets vs log end, `GroupAdmin.lag`) must be below `maxPendingBatches`; only as many messages
 * as there is room for are sent. The reading is cached for `lagCacheMs` and raised locally by
 * every message sent (each group receives each message), so it never under-estimates between
 * readings; while full it is re-read every `pollMs`, and at once when a local member commits.
 */
import { Partitioners, type Message, type PartitionMetadata, type Producer } from 'kafkajs';
import type { BusTopic, GroupLag } from '../bus.ts';
import { BusError } from '../errors.ts';

interface Queued {
  message: Message & { partition: number };
  resolve: () => void;
  reject: (error: Error) => void;
  /** sends whose response did not confirm this message's partition */
  unconfirmed: number;
}

/** Re-sends of a message whose partition the produce response did not confirm, before giving up. */
const MAX_UNCONFIRMED = 10;

export interface PublisherContext {
  producer: Producer;
  kafkaTopic: string;
  topic: BusTopic;
  maxPendingBatches: number;
  maxBatchMessages: number;
  /** partitions of the Kafka topic */
  partitions: number;
  lagCacheMs: number;
  pollMs: number;
  /** the broker's reading of this topic's groups */
  readLag(): Promise<GroupLag[]>;
}

export class TopicPublisher {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  /** largest pending count over the topic's groups; undefined: no reading yet (or invalidated) */
  private pending: number | undefined;
  private readAt = 0;
  private wake: (() => void) | undefined;

  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitionMetadata: PartitionMetadata[];

  constructor(private readonly ctx: PublisherContext) {
    this.partitionMetadata = Array.from({ length: ctx.partitions }, (_, partitionId) => ({
      partitionId,
      partitionErrorCode: 0,
      leader: 0,
      replicas: [],
      isr: [],
    }));
  }

  /** The partition a message keyed `key` goes to (kafkajs's Java-compatible murmur2 of the key). */
  partitionOf(key: string): number {
    return this.partitioner({
      topic: this.ctx.kafkaTopic,
      partitionMetadata: this.partitionMetadata,
      message: { key, value: null },
    });
  }

  publish(key: string, value: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.ctx.topic));
    // The partition is chosen here (as kafkajs would), so that the produce response can be
    // checked partition by partition (see drain).
    const partition = this.partitionOf(key);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message: { key, value, partition }, resolve, reject, unconfirmed: 0 });
      // `draining` is cleared synchronously when the loop ends (in `drain`), so a publish made
      // from the continuation of the previous one always finds either the loop or no loop.
      this.draining ??= this.drain();
    });
  }

  /** The set of groups changed (subscribe, close, delete): the cached backlog is stale. */
  invalidate(): void {
    this.pending = undefined;
    this.wake?.();
  }

  /**
   * A local member committed. The estimate only ever over-counts (sends raise it, commits do not
   * lower it), so it stays usable; only a publish waiting for room needs a fresh reading now.
   */
  committed(): void {
    this.wake?.();
  }

  /** Stops sending (a produce request in flight finishes); waiting publishes stay queued
   * until `rejectWaiting`. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.draining;
  }

  /**
   * Rejects the publishes still waiting. The bus calls it as the last step of its close: a
   * caller that awaits `bus.close()` before looking at a waiting publish (as the contract suite
   * does) then sees the rejection without node reporting it unhandled in between.
   */
  rejectWaiting(): void {
    this.failAll(closedError(this.ctx.topic));
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0 || this.closed) {
        this.draining = undefined; // synchronously with the check: see `publish`
        return;
      }
      let room: number;
      try {
        room = await this.room();
      } catch (error) {
        if (!this.closed) this.failAll(error as Error); // closed: rejectWaiting does it
        continue;
      }
      if (this.closed) continue;
      const batch = this.queue.splice(0, Math.min(room, this.ctx.maxBatchMessages, this.queue.length));
      try {
        const result = await this.ctx.producer.send({
          topic: this.ctx.kafkaTopic,
          acks: -1,
          messages: batch.map((q) => q.message),
        });
        if (this.pending !== undefined) this.pending += batch.length;
        // kafkajs 2.2.4 can resolve a send without having written some partitions: when a retry
        // follows a leader change, partitions that moved to a broker which had already answered
        // are never sent (seen in test/integration/kafkaCluster.test.ts). Only partitions in the
        // response are acknowledged; the others go back to the head of the queue (per-partition
        // all-or-nothing, so one release's order holds) and are sent again.
        const written = new Set(result.filter((r) => r.errorCode === 0).map((r) => r.partition));
        const again = batch.filter((q) => !written.has(q.message.partition));
        for (const q of batch) if (written.has(q.message.partition)) q.resolve();
        const requeue: Queued[] = [];
        for (const q of again) {
          if (++q.unconfirmed >= MAX_UNCONFIRMED)
            q.reject(
              new Error(
                `kafka: partition ${q.message.partition} of ${this.ctx.kafkaTopic} not confirmed after ${MAX_UNCONFIRMED} sends`,
              ),
            );
          else requeue.push(q);
        }
        if (requeue.length > 0) {
          this.queue.unshift(...requeue);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } catch (error) {
        for (const q of batch) q.reject(error as Error);
      }
    }
  }

  private failAll(error: Error): void {
    const waiting = this.queue;
    this.queue = [];
    for (const entry of waiting) entry.reject(error);
  }

  /** Resolves with how many messages may be sent now (≥ 1); waits while the topic is full. */
  private async room(): Promise<number> {
    let fresh = false;
    for (;;) {
      if (this.closed) throw closedError(this.ctx.topic);
      if (this.pending === undefined || Date.now() - this.readAt > this.ctx.lagCacheMs) {
        const lag = await this.ctx.readLag();
        this.pending = lag.reduce((max, l) => Math.max(max, l.pendingBatches), 0);
        this.readAt = Date.now();
        fresh = true;
      }
      if (this.pending < this.ctx.maxPendingBatches) return this.ctx.maxPendingBatches - this.pending;
      // Full by the local estimate: read the broker again before waiting; then wait for a local
      // commit or the poll interval, whichever comes first.
      if (!fresh) {
        this.pending = undefined;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.ctx.pollMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
      this.pending = undefined;
    }
  }
}

const closedError = (topic: BusTopic): BusError => new BusError('closed', `bus closed: cannot publish to ${topic}`);
