/**
 * Duplicate detection for sample batches (see `SampleBatch` in bus.ts): the highest sequence seen
 * per (releaseId, producer). Pure and shared by every bus implementation so the rule cannot drift.
 *
 * Why high-water marks on the consumer side rather than a set of ids at publish time:
 *  - a mark per (release, producer) is bounded where a set of every batch id is not — the same
 *    choice as Kafka's idempotent producer (one sequence per producer and partition);
 *  - Kafka's own de-duplication keys on the broker-assigned producer id, which changes when the
 *    collector restarts, so only the consumer side can catch a restarted producer's resend; the
 *    Kafka bus keeps these marks per assigned partition and carries the committed ones across a
 *    rebalance in the offset commit's metadata (`toJSON`/`fromJSON`).
 *
 * Bounded: beyond `capacity` keys the least recently updated is forgotten, and a duplicate of it
 * would be delivered (at-least-once still holds). Retries come soon after the original, so an
 * active key is never the one evicted in practice.
 */

export interface SequenceIdentity {
  releaseId: string;
  producer: string;
  sequence: number;
}

export type SequenceMarkEntry = [releaseId: string, producer: string, sequence: number];

export const DEFAULT_MARKS_CAPACITY = 10_000;

export class SequenceMarks {
  // Map keeps insertion order; re-inserting on update makes the first key the least recent.
  private readonly marks = new Map<string, SequenceMarkEntry>();

  constructor(readonly capacity: number = DEFAULT_MARKS_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** true when a batch with this producer and release and an equal or higher sequence was recorded */
  isDuplicate(id: SequenceIdentity): boolean {
    const mark = this.marks.get(key(id));
    return mark !== undefined && id.sequence <= mark[2];
  }

  /** Raises the mark to `id.sequence` (never lowers it). */
  record(id: SequenceIdentity): void {
    const k = key(id);
    const mark = this.marks.get(k);
    const sequence = mark === undefined ? id.sequence : Math.max(mark[2], id.sequence);
    this.marks.delete(k);
    this.marks.set(k, [id.releaseId, id.producer, sequence]);
    if (this.marks.size > this.capacity) {
      const oldest = this.marks.keys().next();
      if (!oldest.done) this.marks.delete(oldest.value);
    }
  }

  get size(): number {
    return this.marks.size;
  }

  clone(): SequenceMarks {
    return SequenceMarks.fromJSON(this.toJSON(), this.capacity);
  }

  /** Least recent first, so `fromJSON` restores the eviction order too. */
  toJSON(): SequenceMarkEntry[] {
    return [...this.marks.values()].map((entry) => [...entry]);
  }

  static fromJSON(entries: readonly SequenceMarkEntry[], capacity: number = DEFAULT_MARKS_CAPACITY): SequenceMarks {
    const marks = new SequenceMarks(capacity);
    for (const [releaseId, producer, sequence] of entries) marks.record({ releaseId, producer, sequence });
    return marks;
  }
}

// JSON of the pair: unambiguous whatever characters the ids contain.
function key(id: SequenceIdentity): string {
  return JSON.stringify([id.releaseId, id.producer]);
}
