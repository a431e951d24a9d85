/**
 * Public face of collector/bus: the `Bus` seam (types), its in-memory default, and the pieces an
 * implementation shares (errors, message rules, duplicate marks) so a Kafka bus keys, rejects and de-duplicates exactly as the default does.
 * The contract suite every implementation runs is test support, `testing/contract.ts`: exporting
 * it here would load node:test into `serve`.
 */
export type {
  Ack,
  Bus,
  BusTopic,
  GroupLag,
  Handler,
  HandlerErrorInfo,
  SampleBatch,
  SubscribeOptions,
  Subscription,
} from './bus.ts';
export { BusError } from './errors.ts';
export type { BusErrorCode } from './errors.ts';
export { createMemoryBus, MEMORY_BUS_DEFAULTS, resolveMemoryBusOptions } from './memoryBus.ts';
export type { MemoryBusOptions } from './memoryBus.ts';
export { assertGroupName, assertSampleBatch, assertVerdict, sampleBatchKind, verdictKind } from './messages.ts';
export type { MessageKind } from './messages.ts';
export { DEFAULT_MARKS_CAPACITY, SequenceMarks } from './sequenceMarks.ts';
export type { SequenceIdentity, SequenceMarkEntry } from './sequenceMarks.ts';
export { createKafkaBus, KAFKA_BUS_DEFAULTS, resolveKafkaBusOptions } from './kafkaBus.ts';
export type { KafkaBusLogLevel, KafkaBusOptions } from './kafkaBus.ts';
