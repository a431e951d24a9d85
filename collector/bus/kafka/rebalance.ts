/** What the Kafka bus reports about partition moves (`KafkaBusHooks.onRebalance`). */
import type { BusTopic } from '../bus.ts';

/**
 * A change of one member's partitions, for logs and for consumers that keep per-partition state
 * in memory (the pipeline forgets it: every partition restarts from its committed offset after a
 * rebalance, see kafka/member.ts). `rebalancing`: the group started a rebalance, this member's
 * partitions are about to be reassigned (`revoked` lists what it held); `assigned`: the member
 * (re)joined with `partitions` (`added`/`revoked` relative to before); `left`: close() ended the
 * membership, `revoked` is what it held.
 */
export interface KafkaRebalanceEvent {
  kind: 'rebalancing' | 'assigned' | 'left';
  topic: BusTopic;
  group: string;
  member: string;
  partitions: number[];
  added: number[];
  revoked: number[];
}
