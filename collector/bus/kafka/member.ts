/**
 * One member of a consumer group on the Kafka bus: a kafkajs consumer with manual commits.
 *
 * Per assigned partition it keeps the messages delivered since the committed offset, in order,
 * and commits the acknowledged prefix (as the in-memory bus does) together with the duplicate
 * marks of that prefix in the commit's metadata (kafka/marks.ts). A new assignment — every
 * rebalance, since kafkajs restarts from the committed offsets after each one — starts a new
 * epoch: the partition's state is rebuilt from the committed offset and marks, and acks of the
 * older epoch are ignored (their messages will be redelivered, as the seam allows).
 *
 * A message that cannot be decoded or fails the message checks goes to the dead-letter topic
 * with the reason in its headers and counts as acknowledged: it never stops the partition.
 */
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Ack, BusTopic, Handler, HandlerErrorInfo } from '../bus.ts';
import type { MessageKind } from '../messages.ts';
import type { SequenceIdentity } from '../sequenceMarks.ts';
import type { GroupAdmin } from './groups.ts';
import { sendToDeadLetter } from './deadLetter.ts';
import { decodeMarks, encodeMarks } from './marks.ts';
import { advancePrefix, newPartitionState, type Delivered, type PartitionState } from './partitionState.ts';
import type { ResolvedKafkaBusOptions } from './options.ts';
import type { KafkaRebalanceEvent } from './rebalance.ts';

export interface MemberContext<M> {
  kafka: Kafka;
  /** shared with publishing: dead letters are produced with the bus's idempotent producer */
  producer: Producer;
  groups: GroupAdmin;
  options: ResolvedKafkaBusOptions;
  topic: BusTopic;
  kind: MessageKind<M>;
  decode(bytes: Buffer | null): M;
  /** called after a commit moved this group's offset: publishers waiting for room look again */
  committed(): void;
  /** told when this member's partitions change (KafkaBusHooks.onRebalance); must not throw */
  onRebalance?: (event: KafkaRebalanceEvent) => void;
}

let memberCounter = 0;

export class KafkaMember<M> {
  readonly id: string;
  readonly groupId: string;
  private readonly kafkaTopic: string;
  private readonly consumer: Consumer;
  private readonly partitions = new Map<number, PartitionState>();
  /** bumps at every group join (each rebalance) */
  private epoch = 0;
  private committedMetadata:
    { epoch: number; load: Promise<Map<number, { offset: number; metadata: string | null }>> } | undefined;
  private closing: Promise<void> | undefined;
  /** close() was called: no new deliveries */
  private stopping = false;
  /** close() finished: acks are ignored */
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** partitions of the latest assignment, ascending (for rebalance reports) */
  private assigned: number[] = [];
  /** deliveries wait for `start` to finish (a new group's start offsets are committed first) */
  private gate: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: MemberContext<M>,
    readonly group: string,
    private readonly handler: Handler<M>,
    private readonly onError: ((error: unknown, info: HandlerErrorInfo) => void) | undefined,
  ) {
    const { options, groups, topic } = ctx;
    this.groupId = groups.names.groupId(topic, group);
    this.kafkaTopic = groups.names.topic[topic];
    this.id = `${topic}:${group}#${++memberCounter}@${process.pid}`;
    this.consumer = ctx.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: Math.max(options.sessionTimeoutMs, 10_000),
      heartbeatInterval: options.heartbeatIntervalMs,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      retry: { retries: 10 },
    });
    // kafkajs restarts a crashed consumer by itself when the error is retriable; either way the
    // crash is reported, never silent.
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!this.stopping)
        this.report(
          new Error(`consumer crashed (restart: ${String(event.payload.restart)}): ${event.payload.error.message}`),
          '',
        );
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.epoch++;
      this.partitions.clear();
      const now = [...(event.payload.memberAssignment[this.kafkaTopic] ?? [])].sort((a, b) => a - b);
      const before = this.assigned;
      this.assigned = now;
      this.rebalanced(
        'assigned',
        now,
        now.filter((p) => !before.includes(p)),
        before.filter((p) => !now.includes(p)),
      );
    });
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      if (!this.stopping) this.rebalanced('rebalancing', this.assigned, [], this.assigned);
    });
  }

  /**
   * Joins the group; resolves once the first join and sync are done (kafkajs's `run`). For a new
   * group, `initial` (GroupAdmin.newGroupStart) is committed first, before any delivery.
   */
  async start(initial?: { partition: number; offset: string }[]): Promise<void> {
    let opened!: () => void;
    this.gate = new Promise<void>((resolve) => (opened = resolve));
    try {
      await this.consumer.connect();
      // Every group of this bus has committed offsets (newGroupStart), so this only decides what
      // an out-of-range reset does (e.g. after a leader change): replay rather than skip.
      await this.consumer.subscribe({ topics: [this.kafkaTopic], fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: this.ctx.options.partitionsConsumedConcurrently,
        eachMessage: ({ partition, message }) => this.consume(partition, message),
      });
      if (initial)
        await this.consumer.commitOffsets(initial.map((p) => ({ topic: this.kafkaTopic, ...p, metadata: null })));
    } finally {
      opened();
    }
  }

  /**
   * Leaves the group once the in-flight handlers have settled. They settle *before* kafkajs is
   * told to stop, because kafkajs silently drops commits made while it stops — an ack made by
   * a handler that `close` waits for must still count. Meanwhile fetching is paused and any
   * message kafkajs still hands over is left undelivered (and unacknowledged).
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.stopping = true;
      try {
        this.consumer.pause([{ topic: this.kafkaTopic }]);
      } catch {
        // not running (start failed): nothing to pause
      }
      try {
        while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
        // Acks made before close (awaited or not) count: let their commits land first.
        await Promise.allSettled([...this.partitions.values()].map((s) => s.commitChain));
        await this.consumer.disconnect();
      } finally {
        this.closed = true;
        this.partitions.clear();
        const held = this.assigned;
        this.assigned = [];
        this.rebalanced('left', [], [], held);
      }
    })());
  }

  private rebalanced(
    kind: KafkaRebalanceEvent['kind'],
    partitions: number[],
    added: number[],
    revoked: number[],
  ): void {
    const hook = this.ctx.onRebalance;
    if (!hook) return;
    try {
      hook({ kind, topic: this.ctx.topic, group: this.group, member: this.id, partitions, added, revoked });
    } catch (error) {
      // a throwing hook inside a kafkajs event listener would be swallowed; make it visible
      this.report(error, '');
    }
  }

  private info(releaseId: string): HandlerErrorInfo {
    return { topic: this.ctx.topic, group: this.group, member: this.id, releaseId };
  }

  private report(error: unknown, releaseId: string): void {
    const info = this.info(releaseId);
    if (this.onError) this.onError(error, info);
    else
      console.error(
        `bus: handler of ${info.topic} group "${info.group}" member ${info.member} failed on release ${info.releaseId}:`,
        error,
      );
  }

  /** Never throws: a throw would make kafkajs restart the consumer. */
  private async consume(partition: number, message: KafkaMessage): Promise<void> {
    if (this.stopping) return;
    const running = this.deliver(partition, message);
    this.inFlight.add(running);
    try {
      await running;
    } finally {
      this.inFlight.delete(running);
    }
  }

  private async deliver(partition: number, message: KafkaMessage): Promise<void> {
    await this.gate;
    let state: PartitionState;
    try {
      state = await this.stateOf(partition);
    } catch (error) {
      // Without the committed marks we cannot de-duplicate: leave it unacknowledged.
      this.report(error, message.key?.toString() ?? '');
      return;
    }
    const offset = Number(message.offset);
    if (state.expected >= 0 && offset !== state.expected) {
      // Below: already delivered in this epoch, or before the committed offset (a fresh group's
      // first fetch) — not again. Above: a gap, i.e. kafkajs reset its position forward; go back
      // rather than lose what lies between (kafkajs drops the rest of this fetched batch).
      if (offset > state.expected)
        this.consumer.seek({ topic: this.kafkaTopic, partition, offset: String(state.expected) });
      return;
    }
    state.expected = offset + 1;
    let decoded: M;
    try {
      decoded = this.ctx.decode(message.value);
      this.ctx.kind.assert(decoded);
    } catch (error) {
      // Acknowledged only once it is safely in the dead-letter topic; if that fails it stays
      // unacknowledged (reported), so it is not lost, and delivery goes on with the next one.
      if (await this.deadLetter(partition, message, error)) this.skip(state, offset, undefined);
      return;
    }
    const identity = this.ctx.kind.identity(decoded);
    if (identity) {
      if (state.liveMarks.isDuplicate(identity)) {
        // A retry's duplicate counts as acknowledged, as on the in-memory bus.
        this.skip(state, offset, undefined);
        return;
      }
      state.liveMarks.record(identity);
    }
    const entry: Delivered = { offset, identity, acked: false };
    state.delivered.push(entry);
    const ack: Ack = () => this.ack(state, entry);
    try {
      await this.handler(decoded, ack);
    } catch (error) {
      this.report(error, this.ctx.kind.key(decoded));
    }
  }

  private skip(state: PartitionState, offset: number, identity: SequenceIdentity | undefined): void {
    const entry: Delivered = { offset, identity, acked: false };
    state.delivered.push(entry);
    void this.ack(state, entry);
  }

  private async ack(state: PartitionState, entry: Delivered): Promise<void> {
    // An ack of a former epoch, or after close: the partition (may have) moved on; ignored.
    if (this.closed || state.epoch !== this.epoch || this.partitions.get(state.partition) !== state) return;
    entry.acked = true;
    if (!advancePrefix(state)) {
      await state.commitChain; // a commit covering this ack may be in flight
      return;
    }
    state.commitChain = state.commitChain.then(() => this.commit(state));
    await state.commitChain;
  }

  private async commit(state: PartitionState): Promise<void> {
    if (state.next <= state.confirmed || state.epoch !== this.epoch) return;
    const { partition } = state;
    const offset = state.next;
    const metadata = encodeMarks(state.committedMarks, this.ctx.options.commitMetadataMaxBytes);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.consumer.commitOffsets([{ topic: this.kafkaTopic, partition, offset: String(offset), metadata }]);
        state.confirmed = offset;
        this.ctx.committed();
        return;
      } catch (error) {
        // The coordinator moved (a broker stopped): kafkajs finds the new one on a later try.
        const type = (error as { type?: string }).type ?? '';
        const moved =
          ['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'GROUP_LOAD_IN_PROGRESS'].includes(type) ||
          /not found in the cached metadata/.test((error as Error).message);
        if (moved && attempt < 20 && !this.stopping && state.epoch === this.epoch) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1000)));
          continue;
        }
        this.commitFailed(state, offset, error);
        return;
      }
    }
  }

  /** Lost the partition meanwhile (rebalance, close): the new owner redelivers from the last
   * committed offset, which the seam allows. Anything else is worth a report. */
  private commitFailed(state: PartitionState, offset: number, error: unknown): void {
    const type = (error as { type?: string }).type ?? '';
    if (!['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'].includes(type) && !this.stopping) {
      this.report(
        new Error(
          `offset commit of ${this.kafkaTopic}[${state.partition}]@${offset} failed: ${(error as Error).message}`,
        ),
        '',
      );
    }
  }

  /** The partition's state for the current epoch, rebuilt from the committed offset and marks. */
  private async stateOf(partition: number): Promise<PartitionState> {
    const current = this.partitions.get(partition);
    if (current && current.epoch === this.epoch) return current;
    const epoch = this.epoch;
    if (!this.committedMetadata || this.committedMetadata.epoch !== epoch) {
      this.committedMetadata = { epoch, load: this.loadCommitted() };
    }
    const committed = (await this.committedMetadata.load).get(partition);
    const again = this.partitions.get(partition);
    if (again && again.epoch === this.epoch) return again;
    const state = newPartitionState(
      partition,
      this.epoch,
      committed?.offset ?? -1,
      decodeMarks(committed?.metadata, this.ctx.options.dedupeCapacity),
    );
    this.partitions.set(partition, state);
    return state;
  }

  private async loadCommitted(): Promise<Map<number, { offset: number; metadata: string | null }>> {
    const [topic] = await this.ctx.groups.fetchCommitted(this.groupId, this.kafkaTopic);
    return new Map(
      (topic?.partitions ?? []).map((p) => [p.partition, { offset: Number(p.offset), metadata: p.metadata }]),
    );
  }

  private async deadLetter(partition: number, message: KafkaMessage, reason: unknown): Promise<boolean> {
    try {
      await sendToDeadLetter(
        this.ctx.producer,
        this.ctx.groups.names.deadLetter,
        { topic: this.kafkaTopic, partition, group: this.group },
        message,
        reason,
      );
      return true;
    } catch (error) {
      this.report(
        new Error(
          `dead-lettering ${this.kafkaTopic}[${partition}]@${message.offset} failed: ${(error as Error).message}`,
        ),
        '',
      );
      return false;
    }
  }
}
