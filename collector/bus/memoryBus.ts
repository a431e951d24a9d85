/**
 * The in-memory bus: the single-process default (`npm start`, tests, the demo). It follows the
 * Kafka model of the `Bus` seam literally — partitions keyed by release id, consumer groups with
 * round-robin partition assignment, committed offsets, redelivery from the committed offset after
 * a rebalance — so that code developed against it behaves the same on Kafka. It keeps nothing
 * across restarts: a process exit loses every unconsumed message (use the Kafka bus for that).
 */
import type { Verdict } from '../../analyzer/types.ts';
import type { Bus, SampleBatch } from './bus.ts';
import { BusError } from './errors.ts';
import { MemoryTopic } from './memoryTopic.ts';
import { sampleBatchKind, verdictKind } from './messages.ts';
import { DEFAULT_MARKS_CAPACITY } from './sequenceMarks.ts';

export interface MemoryBusOptions {
  /** partitions per topic (default 16): the most members of one group that can all be busy */
  partitions?: number;
  /** back-pressure bound per group and topic (default 20 000): publish waits while a group has this
   * many messages published and not committed. The pipeline holds up to `checkpointEvery` batches
   * per release until a checkpoint covers them, so the bound must leave room for every active
   * release's (1,000 releases × 10 = 10,000); below that, checkpoints are forced early and
   * engine snapshots are written several times as often (bench/gate.ts measured 10×). */
  maxPendingBatches?: number;
  /** duplicate marks kept per group and partition (default 10 000); see `SequenceMarks` */
  dedupeCapacity?: number;
}

export const MEMORY_BUS_DEFAULTS: Readonly<Required<MemoryBusOptions>> = Object.freeze({
  partitions: 16,
  maxPendingBatches: 20_000,
  dedupeCapacity: DEFAULT_MARKS_CAPACITY,
});

/** Applies defaults; rejects unknown names and non-positive or non-integer values: a misspelt option must fail, not fall back to a default. */
export function resolveMemoryBusOptions(options: MemoryBusOptions = {}): Required<MemoryBusOptions> {
  const known = Object.keys(MEMORY_BUS_DEFAULTS);
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length)
    throw new BusError(
      'invalid-options',
      `unknown memory bus option(s) ${unknown.join(', ')}; known: ${known.join(', ')}`,
    );
  const resolved = { ...MEMORY_BUS_DEFAULTS };
  for (const name of known as (keyof MemoryBusOptions)[]) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1)
      throw new BusError(
        'invalid-options',
        `memory bus option ${name} must be a positive integer, got ${String(value)}`,
      );
    resolved[name] = value;
  }
  return resolved;
}

export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const resolved = resolveMemoryBusOptions(options);
  const topicOptions = {
    partitions: resolved.partitions,
    maxPendingBatches: resolved.maxPendingBatches,
    marksCapacity: resolved.dedupeCapacity,
  };
  const samples = new MemoryTopic<SampleBatch>('samples', sampleBatchKind, topicOptions);
  const verdicts = new MemoryTopic<Verdict>('verdicts', verdictKind, topicOptions);
  const topics = { samples, verdicts };
  let closing: Promise<void> | undefined;

  return {
    durable: false,
    maxPendingBatches: resolved.maxPendingBatches,
    publishSamples: (batch) => samples.publish(batch),
    publishVerdict: (verdict) => verdicts.publish(verdict),
    // async so that argument errors surface as rejections, like a broker's would
    subscribeSamples: async (group, handler, subscribeOptions) => samples.subscribe(group, handler, subscribeOptions),
    subscribeVerdicts: async (group, handler, subscribeOptions) => verdicts.subscribe(group, handler, subscribeOptions),
    lag: async () =>
      // code-unit order, not localeCompare: the same listing on every machine
      [...samples.lag(), ...verdicts.lag()].sort((a, b) => compare(a.topic, b.topic) || compare(a.group, b.group)),
    deleteGroup: async (topic, group) => {
      if (!Object.hasOwn(topics, topic))
        throw new BusError('invalid-argument', `unknown topic "${String(topic)}"; known: samples, verdicts`);
      topics[topic].deleteGroup(group);
    },
    close: () => (closing ??= Promise.all([samples.close(), verdicts.close()]).then(() => undefined)),
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
