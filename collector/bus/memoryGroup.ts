/**
 * A consumer group of the in-memory bus: its members, which member owns which partition (a
 * `Lane` per partition), and its committed progress (offset + duplicate marks per partition).
 * Semantics are those documented on the `Bus` seam; the comments here say how they are kept.
 */
import type { Ack, BusTopic, Handler, HandlerErrorInfo } from './bus.ts';
import type { PartitionLog } from './memoryLog.ts';
import type { MessageKind } from './messages.ts';
import { SequenceMarks } from './sequenceMarks.ts';

/** What a group needs from its topic. */
export interface TopicView<M> {
  readonly name: BusTopic;
  readonly logs: readonly PartitionLog<M>[];
  readonly kind: MessageKind<M>;
  /** called after a group's committed offset of `partition` moved: trim, wake publishers */
  committed(partition: number): void;
}

export class Member<M> {
  closing: Promise<void> | undefined;
  constructor(
    readonly id: string,
    readonly handler: Handler<M>,
    private readonly onError: ((error: unknown, info: HandlerErrorInfo) => void) | undefined,
  ) {}

  report(error: unknown, info: HandlerErrorInfo): void {
    if (this.onError) this.onError(error, info);
    else
      console.error(
        `bus: handler of ${info.topic} group "${info.group}" member ${info.member} failed on release ${info.releaseId}:`,
        error,
      );
  }
}

export class Group<M> {
  readonly members: Member<M>[] = [];
  /** committed offset per partition: everything below it is acknowledged */
  readonly committedAt: number[];
  /** acknowledged offsets at or above `committedAt`, waiting for the gap below them to close */
  private readonly acked: Set<number>[];
  /** duplicate marks of the committed prefix; a new owner starts from a copy of these */
  readonly committedMarks: SequenceMarks[];
  private readonly lanes: Lane<M>[];
  /** published and not committed, over all partitions (GroupLag.pendingBatches) */
  pending = 0;

  constructor(
    readonly topic: TopicView<M>,
    readonly name: string,
    marksCapacity: number,
  ) {
    // A new group starts at the log end: it receives what is published from now on.
    this.committedAt = topic.logs.map((log) => log.end);
    this.acked = topic.logs.map(() => new Set<number>());
    this.committedMarks = topic.logs.map(() => new SequenceMarks(marksCapacity));
    this.lanes = topic.logs.map((_, partition) => new Lane(this, partition));
  }

  join(member: Member<M>): void {
    this.members.push(member);
    this.rebalance();
  }

  /** Removes the member; resolves once every partition it owned has been handed over. */
  async leave(member: Member<M>): Promise<void> {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    this.rebalance();
    await Promise.all(this.lanes.map((lane) => lane.releasedBy(member)));
  }

  /** Round-robin by join order (kafkajs's default assigner): partition p → member p mod n. */
  private rebalance(): void {
    const n = this.members.length;
    this.lanes.forEach((lane, partition) => lane.assign(n ? this.members[partition % n] : undefined));
  }

  appended(partition: number): void {
    this.pending++;
    this.lanes[partition].kick();
  }

  ack(partition: number, offset: number): void {
    const acked = this.acked[partition];
    if (offset < this.committedAt[partition] || acked.has(offset)) return;
    acked.add(offset);
    const start = this.committedAt[partition];
    // Commit the acknowledged prefix, as a Kafka offset commit would.
    while (acked.delete(this.committedAt[partition])) {
      const identity = this.topic.kind.identity(this.topic.logs[partition].at(this.committedAt[partition]));
      if (identity) this.committedMarks[partition].record(identity);
      this.committedAt[partition]++;
    }
    const advanced = this.committedAt[partition] - start;
    if (advanced > 0) {
      this.pending -= advanced;
      this.topic.committed(partition);
    }
  }
}

/**
 * Delivery of one partition to its current owner, strictly one message at a time. Ownership
 * changes only between two handler calls (`handover`), which is what keeps a release with one
 * member at a time; the new owner starts again at the committed offset (redelivery).
 */
class Lane<M> {
  private owner: Member<M> | undefined;
  private next: Member<M> | undefined;
  private moving = false;
  /** bumps at each handover; an ack from an older epoch belongs to a former owner */
  private epoch = 0;
  private position = 0;
  private marks: SequenceMarks;
  private running = false;
  private releaseWaiters: { member: Member<M>; resolve: () => void }[] = [];

  constructor(
    private readonly group: Group<M>,
    private readonly partition: number,
  ) {
    this.marks = group.committedMarks[partition].clone();
  }

  assign(member: Member<M> | undefined): void {
    this.next = member;
    this.moving = member !== this.owner;
    if (!this.running) {
      this.handover();
      this.kick();
    }
  }

  releasedBy(member: Member<M>): Promise<void> {
    if (this.owner !== member) return Promise.resolve();
    return new Promise((resolve) => this.releaseWaiters.push({ member, resolve }));
  }

  kick(): void {
    if (this.running || !this.owner || this.position >= this.group.topic.logs[this.partition].end) return;
    this.running = true;
    // A microtask, not a direct call: handlers never run inside the publisher's own call.
    queueMicrotask(() => void this.run());
  }

  private handover(): void {
    if (!this.moving) return;
    const previous = this.owner;
    this.owner = this.next;
    this.moving = false;
    this.epoch++;
    this.position = this.group.committedAt[this.partition];
    this.marks = this.group.committedMarks[this.partition].clone();
    const waiting = this.releaseWaiters;
    this.releaseWaiters = [];
    for (const waiter of waiting) {
      if (waiter.member === previous) waiter.resolve();
      else this.releaseWaiters.push(waiter);
    }
  }

  private async run(): Promise<void> {
    const { topic } = this.group;
    const log = topic.logs[this.partition];
    try {
      for (;;) {
        this.handover();
        const owner = this.owner;
        if (!owner || this.position >= log.end) return;
        const offset = this.position++;
        const message = log.at(offset);
        const identity = topic.kind.identity(message);
        if (identity) {
          // A retry's duplicate is skipped and counts as acknowledged, so it never holds back the commit.
          if (this.marks.isDuplicate(identity)) {
            this.group.ack(this.partition, offset);
            continue;
          }
          this.marks.record(identity);
        }
        const epoch = this.epoch;
        const ack: Ack = async () => {
          if (this.epoch === epoch) this.group.ack(this.partition, offset);
        };
        try {
          await owner.handler(message, ack);
        } catch (error) {
          owner.report(error, {
            topic: topic.name,
            group: this.group.name,
            member: owner.id,
            releaseId: topic.kind.key(message),
          });
        }
      }
    } finally {
      this.running = false;
    }
  }
}
