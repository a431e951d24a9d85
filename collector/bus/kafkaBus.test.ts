/**
 * The Kafka bus against a real broker (`bash scripts/services/kafka.sh start`): the shared bus
 * contract suite, plus what only a networked bus has — dead letters, redelivery and duplicate
 * marks carried across members through the broker, options, and the wire format.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBusContract } from './testing/contract.ts';
import type { SampleBatch } from './bus.ts';
import { BusError } from './errors.ts';
import { decodeSampleBatch, encodeSampleBatch } from './kafka/codec.ts';
import { brokersOrSkip, uniquePrefix } from './testing/kafkaBroker.ts';
import { createKafkaBus, resolveKafkaBusOptions, type KafkaBusOptions, type KafkaRebalanceEvent } from './kafkaBus.ts';
import { batch } from './testing/contractKit.ts';

const found = await brokersOrSkip('kafka');

/** Settings for tests: fast heartbeats and fetches so rebalances take well under a second. */
const testOptions = (brokers: string[], label: string): KafkaBusOptions => ({
  brokers,
  topicPrefix: uniquePrefix(label),
  partitions: 4,
  heartbeatIntervalMs: 100,
  maxWaitTimeMs: 50,
  pollMs: 50,
  sessionTimeoutMs: 6000,
});

if (found.brokers) {
  const { brokers } = found;
  runBusContract({
    name: 'kafka',
    make: (o) => createKafkaBus({ ...testOptions(brokers, 'contract'), maxPendingBatches: o.maxPendingBatches }),
    timeoutMs: Number(process.env.RH_KAFKA_TEST_TIMEOUT_MS ?? 20_000),
    settleMs: 600,
  });
} else {
  test('bus contract: kafka', { skip: found.skip }, () => {});
}

test('kafka bus options: unknown names and bad values are rejected', () => {
  const invalid = (error: unknown): boolean => error instanceof BusError && error.code === 'invalid-options';
  assert.throws(() => resolveKafkaBusOptions({ brokers: [] }), invalid);
  assert.throws(() => resolveKafkaBusOptions({ brokers: ['localhost'] }), invalid);
  assert.throws(() => resolveKafkaBusOptions({ brokers: ['h:1'], partitons: 2 } as KafkaBusOptions), invalid);
  assert.throws(() => resolveKafkaBusOptions({ brokers: ['h:1'], partitions: 0 }), invalid);
  assert.throws(() => resolveKafkaBusOptions({ brokers: ['h:1'], topicPrefix: 'a b' }), invalid);
  assert.throws(() => resolveKafkaBusOptions({ brokers: ['h:1'], logLevel: 'loud' as 'warn' }), invalid);
  assert.equal(resolveKafkaBusOptions({ brokers: ['h:1'] }).commitMetadataMaxBytes, 4096);
});

test('sample batch codec: round trip with NaN, ±Infinity, -0, labels shared and absent', () => {
  const sent = batch('rel-1', 7);
  const labels = { tenant: 'acme', le: '+Inf', 'odd"key': 'välue\n' };
  sent.samples = [
    { ts: 1.5, metric: 'm', cohort: 'baseline', value: Number.NaN, labels },
    { ts: 2, metric: 'm', cohort: 'canary', value: Number.NEGATIVE_INFINITY, labels },
    { ts: 3, metric: 'n', cohort: 'canary', value: -0 },
    { ts: 4, metric: 'n', cohort: 'baseline', value: Number.POSITIVE_INFINITY, labels: {} },
  ];
  const got = decodeSampleBatch(encodeSampleBatch(sent));
  assert.deepEqual(got, sent);
  assert.ok(Object.is(got.samples[2].value, -0));
  assert.equal(got.samples[2].labels, undefined);
  assert.ok(!('labels' in got.samples[2]), 'an absent field stays absent');
  const empty = { ...batch('rel-2', 1), samples: [] };
  assert.deepEqual(decodeSampleBatch(encodeSampleBatch(empty)), empty);
});

test('sample batch codec: the same batch wherever the message lies in memory (in place or copied), and earlier results stay intact', () => {
  const samples = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => ({
      ts: 1_700_000_000_000 + seed * 1000 + i,
      metric: i % 3 === 0 ? 'latency' : 'errors',
      cohort: i % 2 === 0 ? ('baseline' as const) : ('canary' as const),
      value: (seed + 1) * 0.5 + i,
    }));
  const small = { ...batch('rel-1', 1), samples: samples(3, 1) };
  const large = { ...batch('rel-1', 2), samples: samples(500, 2) };
  // a Kafka message is a slice of a fetch response: put the encoded bytes at every offset mod 8,
  // so both the in-place views (aligned columns) and the copy (unaligned) are taken
  const results: { got: SampleBatch; sent: SampleBatch }[] = [];
  for (const sent of [small, large, small]) {
    const bytes = encodeSampleBatch(sent);
    for (let offset = 0; offset < 8; offset++) {
      const response = Buffer.alloc(offset + bytes.length + 5, 0xab);
      bytes.copy(response, offset);
      results.push({ got: decodeSampleBatch(response.subarray(offset, offset + bytes.length)), sent });
    }
  }
  // decoded samples hold numbers, not views into a buffer a later decode reuses
  for (const { got, sent } of results) assert.deepEqual(got, sent);
});

test('sample batch codec: truncated, padded or foreign bytes are DecodeErrors', () => {
  const bytes = encodeSampleBatch(batch('rel-1', 1));
  const decodeError = { name: 'DecodeError' };
  assert.throws(() => decodeSampleBatch(null), decodeError);
  assert.throws(() => decodeSampleBatch(Buffer.from('{"releaseId":"x"}')), decodeError);
  assert.throws(() => decodeSampleBatch(bytes.subarray(0, bytes.length - 1)), decodeError);
  assert.throws(() => decodeSampleBatch(Buffer.concat([bytes, Buffer.alloc(8)])), decodeError);
  const badIndex = Buffer.from(bytes);
  badIndex.writeUInt32LE(99, bytes.length - 12); // the metric index of the only sample
  assert.throws(() => decodeSampleBatch(badIndex), decodeError);
});

test(
  "kafka bus: onRebalance reports each member's assigned, added and revoked partitions",
  { skip: found.skip, timeout: 60_000 },
  async () => {
    const events: KafkaRebalanceEvent[] = [];
    const bus = await createKafkaBus(testOptions(found.brokers ?? [], 'rebalance'), {
      onRebalance: (e) => events.push(e),
    });
    try {
      const latest = (member: string): KafkaRebalanceEvent | undefined =>
        events.filter((e) => e.member === member && e.kind === 'assigned').at(-1);
      const one = await bus.subscribeSamples('g', async (_b, ack) => ack());
      assert.deepEqual(latest(one.member)?.partitions, [0, 1, 2, 3], 'a lone member holds every partition');
      const two = await bus.subscribeSamples('g', async (_b, ack) => ack());
      const deadline = Date.now() + 20_000;
      while (
        (latest(one.member)?.partitions.length ?? 0) + (latest(two.member)?.partitions.length ?? 0) !== 4 ||
        latest(one.member)?.partitions.length === 4
      ) {
        if (Date.now() > deadline) assert.fail(`no rebalance reported: ${JSON.stringify(events)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const a = latest(one.member)!;
      const b = latest(two.member)!;
      assert.deepEqual([...a.partitions, ...b.partitions].sort(), [0, 1, 2, 3], 'the two members split the partitions');
      assert.deepEqual(a.revoked, b.partitions, 'what the first member lost is what the second got');
      assert.deepEqual(b.added, b.partitions);
      assert.ok(
        events.some((e) => e.member === one.member && e.kind === 'rebalancing'),
        'the rebalance start is reported too',
      );
      await two.close();
      const left = events.find((e) => e.member === two.member && e.kind === 'left');
      assert.deepEqual(left?.revoked, b.partitions);
      assert.ok(events.every((e) => e.topic === 'samples' && e.group === 'g'));
    } finally {
      await bus.close();
    }
  },
);
