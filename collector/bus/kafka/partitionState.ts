/**
 * What a Kafka bus member keeps per assigned partition during one epoch (one assignment): the
 * messages delivered since the committed offset, in offset order, and the acknowledged prefix
 * with its duplicate marks — the same bookkeeping as the in-memory bus's `Group.ack`.
 */
import type { SequenceIdentity, SequenceMarks } from '../sequenceMarks.ts';

export interface Delivered {
  offset: number;
  identity: SequenceIdentity | undefined;
  acked: boolean;
}

export interface PartitionState {
  partition: number;
  epoch: number;
  /** delivered (or skipped) and not yet committed, in offset order */
  delivered: Delivered[];
  /** offset after the acknowledged prefix, and the marks of that prefix */
  next: number;
  committedMarks: SequenceMarks;
  /** marks of everything delivered, for duplicate checks */
  liveMarks: SequenceMarks;
  /** offset last confirmed by the broker */
  confirmed: number;
  /** offset the next message must have: Kafka offsets of a non-transactional, non-compacted
   * topic are contiguous, so anything else is kafkajs having skipped or repeated */
  expected: number;
  /** commits of one partition go one at a time, the latest prefix each time */
  commitChain: Promise<void>;
}

/** A fresh epoch's state from the group's committed offset (-1: none) and marks. */
export function newPartitionState(
  partition: number,
  epoch: number,
  committedOffset: number,
  committedMarks: SequenceMarks,
): PartitionState {
  return {
    partition,
    epoch,
    delivered: [],
    next: committedOffset,
    confirmed: committedOffset,
    expected: committedOffset,
    committedMarks,
    liveMarks: committedMarks.clone(),
    commitChain: Promise.resolve(),
  };
}

/** Moves the acknowledged prefix over every leading acknowledged message; true if it moved. */
export function advancePrefix(state: PartitionState): boolean {
  let moved = false;
  while (state.delivered.length > 0 && state.delivered[0].acked) {
    const done = state.delivered.shift() as Delivered;
    if (done.identity) state.committedMarks.record(done.identity);
    state.next = done.offset + 1;
    moved = true;
  }
  return moved;
}
