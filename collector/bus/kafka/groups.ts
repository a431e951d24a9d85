/**
 * Consumer groups of the Kafka bus as the broker sees them: naming (a bus group is scoped per
 * topic, so "x" on samples and "x" on verdicts are distinct Kafka groups), the backlog of each
 * (log end minus committed offset, per partition, summed — Kafka's consumer lag), where a new
 * group starts, and deletion. Everything here asks the broker through the admin client.
 */
import type { Admin } from 'kafkajs';
import type { BusTopic, GroupLag } from '../bus.ts';
import { BusError } from '../errors.ts';

export interface TopicNames {
  /** Kafka topic of each bus topic */
  topic: Record<BusTopic, string>;
  deadLetter: string;
  /** Kafka group id of a bus group */
  groupId(topic: BusTopic, group: string): string;
  /** bus topic and group of a Kafka group id, or undefined for a group that is not ours */
  parseGroupId(groupId: string): { topic: BusTopic; group: string } | undefined;
}

export function topicNames(prefix: string): TopicNames {
  const topic = { samples: `${prefix}samples`, verdicts: `${prefix}verdicts` };
  const groupPrefix = (t: BusTopic): string => `${topic[t]}/`;
  return {
    topic,
    deadLetter: `${prefix}dead-letter`,
    groupId: (t, group) => groupPrefix(t) + group,
    parseGroupId(groupId) {
      for (const t of ['samples', 'verdicts'] as const) {
        if (groupId.startsWith(groupPrefix(t)) && groupId.length > groupPrefix(t).length)
          return { topic: t, group: groupId.slice(groupPrefix(t).length) };
      }
      return undefined;
    },
  };
}

/** kafkajs reports Kafka error codes by `type` name, on the error or on per-group results. */
function errorTypes(error: unknown): string[] {
  const e = error as { type?: string; groups?: { error?: { type?: string } }[] };
  return [e.type, ...(e.groups ?? []).map((g) => g.error?.type)].filter((t): t is string => typeof t === 'string');
}

const COORDINATOR_MOVING = ['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'GROUP_LOAD_IN_PROGRESS'];

/**
 * Retries `fn` while the group coordinator is moving or loading (a broker stopped, a fresh
 * cluster): kafkajs's admin reports those at once instead of finding the new coordinator.
 */
export async function whileCoordinatorMoves<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!errorTypes(error).some((t) => COORDINATOR_MOVING.includes(t)) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * attempt, 500)));
    }
  }
}

export class GroupAdmin {
  constructor(
    private readonly admin: Admin,
    readonly names: TopicNames,
  ) {}

  /** Every group of this bus's topics with its backlog, sorted by topic then group. */
  async lag(): Promise<GroupLag[]> {
    const { groups } = await this.admin.listGroups();
    const ours = groups.flatMap((g) => {
      const parsed = this.names.parseGroupId(g.groupId);
      return parsed ? [{ ...parsed, groupId: g.groupId }] : [];
    });
    if (ours.length === 0) return [];
    const ends = new Map<BusTopic, Map<number, { high: number; low: number }>>();
    for (const t of new Set(ours.map((g) => g.topic))) {
      const offsets = await this.admin.fetchTopicOffsets(this.names.topic[t]);
      ends.set(t, new Map(offsets.map((o) => [o.partition, { high: Number(o.high), low: Number(o.low) }])));
    }
    const described = await whileCoordinatorMoves(() => this.admin.describeGroups(ours.map((g) => g.groupId)));
    const members = new Map(described.groups.map((g) => [g.groupId, g.members.length]));
    const result: GroupLag[] = [];
    for (const g of ours) {
      const [committed] = await whileCoordinatorMoves(() =>
        this.admin.fetchOffsets({ groupId: g.groupId, topics: [this.names.topic[g.topic]] }),
      );
      const topicEnds = ends.get(g.topic) ?? new Map();
      let pending = 0;
      for (const [partition, end] of topicEnds) {
        const c = committed?.partitions.find((p) => p.partition === partition);
        // No commit for a partition (a group made outside this bus): its whole retained log is pending.
        const from = c && Number(c.offset) >= 0 ? Number(c.offset) : end.low;
        pending += Math.max(0, end.high - from);
      }
      result.push({ topic: g.topic, group: g.group, members: members.get(g.groupId) ?? 0, pendingBatches: pending });
    }
    return result.sort((a, b) => compare(a.topic, b.topic) || compare(a.group, b.group));
  }

  /**
   * Where a group that has never committed starts: the current log end of each partition, so it
   * receives what is published after it subscribed. The first member commits these right after
   * joining and before its first delivery (`KafkaMember.start`), so no message published after
   * the subscribe resolves can be skipped by a "latest" offset reset, and a member that closes
   * without acking leaves its successor a committed position. undefined: the group exists (even
   * without members) and keeps its committed offsets.
   */
  async newGroupStart(topic: BusTopic, group: string): Promise<{ partition: number; offset: string }[] | undefined> {
    const groupId = this.names.groupId(topic, group);
    const kafkaTopic = this.names.topic[topic];
    const [committed] = await whileCoordinatorMoves(() => this.admin.fetchOffsets({ groupId, topics: [kafkaTopic] }));
    if (committed && committed.partitions.some((p) => Number(p.offset) >= 0)) return undefined;
    const ends = await this.admin.fetchTopicOffsets(kafkaTopic);
    return ends.map((e) => ({ partition: e.partition, offset: e.high }));
  }

  /** Committed offsets and metadata of one group on one topic. */
  fetchCommitted(groupId: string, kafkaTopic: string): ReturnType<Admin['fetchOffsets']> {
    return whileCoordinatorMoves(() => this.admin.fetchOffsets({ groupId, topics: [kafkaTopic] }));
  }

  async delete(topic: BusTopic, group: string): Promise<void> {
    try {
      await whileCoordinatorMoves(() => this.admin.deleteGroups([this.names.groupId(topic, group)]));
    } catch (error) {
      const types = errorTypes(error);
      if (types.includes('GROUP_ID_NOT_FOUND')) return;
      if (types.includes('NON_EMPTY_GROUP'))
        throw new BusError('group-not-empty', `${topic} group "${group}" still has members`);
      throw error;
    }
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
