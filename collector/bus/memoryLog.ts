/**
 * Storage of the in-memory bus: one append-only log per partition, trimmed from the front once
 * every group has committed past an entry (nothing else can ever read it again).
 */
import { fnv1a32 } from '../../analyzer/hash.ts';

/**
 * Partition of a key: 32-bit FNV-1a over the key's UTF-16 code units, modulo `partitions`.
 * Stable across processes and runs (no seed), so a release always lands in the same partition.
 * The Kafka bus does not need to match it: there the broker's partitioner keyed by releaseId
 * plays this role, and only "one release, one partition" is part of the contract.
 */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a32(key) % partitions;
}

export class PartitionLog<M> {
  // Trimmed slots are cleared at once so their messages can be collected before compaction.
  private entries: (M | undefined)[] = [];
  /** index in `entries` of the first live entry (the array is compacted lazily) */
  private head = 0;
  /** offset of `entries[0]` */
  private base = 0;

  /** offset the next appended entry gets (Kafka's log end offset) */
  get end(): number {
    return this.base + this.entries.length;
  }

  /** oldest offset still readable */
  get start(): number {
    return this.base + this.head;
  }

  append(message: M): number {
    this.entries.push(message);
    return this.end - 1;
  }

  at(offset: number): M {
    if (offset < this.start || offset >= this.end)
      throw new RangeError(`offset ${offset} outside [${this.start}, ${this.end})`);
    return this.entries[offset - this.base] as M;
  }

  /** Drops every entry below `offset`. */
  trimTo(offset: number): void {
    const target = Math.min(offset, this.end) - this.base;
    if (target <= this.head) return;
    this.entries.fill(undefined, this.head, target);
    this.head = target;
    // Compact only when the dead prefix dominates, so trimming stays amortised O(1) per entry.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }
}
