/**
 * What every bus implementation needs to know about the two message types: how to check them,
 * which release they belong to (the partition key) and, for sample batches, their identity for
 * duplicate detection. Shared so the memory and Kafka buses reject and key messages identically.
 */
import type { Verdict } from '../../analyzer/types.ts';
import type { SampleBatch } from './bus.ts';
import { BusError } from './errors.ts';
import type { SequenceIdentity } from './sequenceMarks.ts';

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Throws `BusError('invalid-message')` unless the batch can be keyed and identified. The
 * samples themselves are the analyzer schema's business (cli/collector validate them). */
export function assertSampleBatch(batch: SampleBatch): void {
  const problems: string[] = [];
  if (!nonEmpty(batch?.releaseId)) problems.push('releaseId must be a non-empty string');
  if (!nonEmpty(batch?.batchId)) problems.push('batchId must be a non-empty string');
  if (!nonEmpty(batch?.producer)) problems.push('producer must be a non-empty string');
  if (!Number.isSafeInteger(batch?.sequence) || batch.sequence < 0)
    problems.push('sequence must be a non-negative safe integer');
  if (!Array.isArray(batch?.samples)) problems.push('samples must be an array');
  if (problems.length) throw new BusError('invalid-message', `invalid sample batch: ${problems.join('; ')}`);
}

export function assertVerdict(verdict: Verdict): void {
  const problems: string[] = [];
  if (!nonEmpty(verdict?.releaseId)) problems.push('releaseId must be a non-empty string');
  if (!Number.isFinite(verdict?.at)) problems.push('at must be a finite number (epoch ms)');
  if (problems.length) throw new BusError('invalid-message', `invalid verdict: ${problems.join('; ')}`);
}

export function assertGroupName(group: string): void {
  if (!nonEmpty(group)) throw new BusError('invalid-argument', 'group must be a non-empty string');
}

/** How one topic's messages are keyed and (optionally) identified. */
export interface MessageKind<M> {
  key(message: M): string;
  /** undefined: the topic does not de-duplicate */
  identity(message: M): SequenceIdentity | undefined;
  assert(message: M): void;
}

export const sampleBatchKind: MessageKind<SampleBatch> = {
  key: (batch) => batch.releaseId,
  identity: (batch) => batch,
  assert: assertSampleBatch,
};

export const verdictKind: MessageKind<Verdict> = {
  key: (verdict) => verdict.releaseId,
  identity: () => undefined,
  assert: assertVerdict,
};
