/**
 * One topic of the in-memory bus: partitioned logs, its consumer groups, and the publish queue
 * that implements back-pressure. Generic over the message type; `memoryBus.ts` makes two.
 */
import type { BusTopic, GroupLag, Handler, SubscribeOptions, Subscription } from './bus.ts';
import { BusError } from './errors.ts';
import { Group, Member, type TopicView } from './memoryGroup.ts';
import { PartitionLog, partitionOf } from './memoryLog.ts';
import { assertGroupName, type MessageKind } from './messages.ts';

export interface MemoryTopicOptions {
  partitions: number;
  maxPendingBatches: number;
  marksCapacity: number;
}

interface Waiting<M> {
  message: M;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class MemoryTopic<M> implements TopicView<M> {
  readonly logs: PartitionLog<M>[];
  private readonly groups = new Map<string, Group<M>>();
  /** publishes not yet accepted, in call order: acceptance is FIFO so no publish overtakes another */
  private queue: Waiting<M>[] = [];
  private closed = false;
  private members = 0;

  constructor(
    readonly name: BusTopic,
    readonly kind: MessageKind<M>,
    private readonly options: MemoryTopicOptions,
  ) {
    this.logs = Array.from({ length: options.partitions }, () => new PartitionLog<M>());
  }

  publish(message: M): Promise<void> {
    if (this.closed) return Promise.reject(new BusError('closed', `bus closed: cannot publish to ${this.name}`));
    try {
      this.kind.assert(message);
    } catch (error) {
      return Promise.reject(error);
    }
    // Copy at acceptance, as a broker would take the bytes: later mutation by the producer is not seen.
    const copy = structuredClone(message);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message: copy, resolve, reject });
      this.drain();
    });
  }

  subscribe(groupName: string, handler: Handler<M>, options: SubscribeOptions = {}): Subscription {
    if (this.closed) throw new BusError('closed', `bus closed: cannot subscribe to ${this.name}`);
    assertGroupName(groupName);
    if (typeof handler !== 'function') throw new BusError('invalid-argument', 'handler must be a function');
    let group = this.groups.get(groupName);
    if (!group) {
      group = new Group(this, groupName, this.options.marksCapacity);
      this.groups.set(groupName, group);
    }
    const member = new Member(`${this.name}:${groupName}#${++this.members}`, handler, options.onError);
    group.join(member);
    const joined = group;
    return {
      topic: this.name,
      group: groupName,
      member: member.id,
      close: () => (member.closing ??= joined.leave(member)),
    };
  }

  lag(): GroupLag[] {
    return [...this.groups.values()].map((group) => ({
      topic: this.name,
      group: group.name,
      members: group.members.length,
      pendingBatches: group.pending,
    }));
  }

  deleteGroup(groupName: string): void {
    const group = this.groups.get(groupName);
    if (!group) return;
    if (group.members.length > 0) {
      throw new BusError(
        'group-not-empty',
        `${this.name} group "${groupName}" still has ${group.members.length} member(s)`,
      );
    }
    this.groups.delete(groupName);
    this.logs.forEach((_, partition) => this.committed(partition));
  }

  /** Closes every member, rejects waiting publishes, drops all data. */
  async close(): Promise<void> {
    this.closed = true;
    const waiting = this.queue;
    this.queue = [];
    for (const entry of waiting)
      entry.reject(new BusError('closed', `bus closed before the message to ${this.name} was accepted`));
    const closing: Promise<void>[] = [];
    for (const group of this.groups.values()) {
      for (const member of [...group.members]) closing.push((member.closing ??= group.leave(member)));
    }
    await Promise.all(closing);
    this.groups.clear();
    for (const log of this.logs) log.trimTo(log.end);
  }

  committed(partition: number): void {
    const log = this.logs[partition];
    let oldest = log.end;
    for (const group of this.groups.values()) oldest = Math.min(oldest, group.committedAt[partition]);
    log.trimTo(oldest);
    this.drain();
  }

  private full(): boolean {
    for (const group of this.groups.values()) if (group.pending >= this.options.maxPendingBatches) return true;
    return false;
  }

  /** Accepts queued publishes while no group is at its bound; check and append are one synchronous step. */
  private drain(): void {
    while (this.queue.length > 0 && !this.full()) {
      const entry = this.queue.shift() as Waiting<M>;
      const partition = partitionOf(this.kind.key(entry.message), this.options.partitions);
      this.logs[partition].append(entry.message);
      if (this.groups.size === 0) this.logs[partition].trimTo(this.logs[partition].end);
      for (const group of this.groups.values()) group.appended(partition);
      entry.resolve();
    }
  }
}
