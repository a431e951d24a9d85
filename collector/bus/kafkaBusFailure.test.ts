/**
 * What only a networked bus can get wrong, against the real broker (`scripts/services/kafka.sh
 * start`): malformed messages on the topic go to the dead-letter topic without stopping the
 * partition; a consumer that dies mid-stream (closes without acking) hands exactly its
 * unacknowledged batches to a member of another bus instance (another process, as far as Kafka
 * can tell), which also drops a producer's resends by the marks carried in the commit metadata.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Bus, SampleBatch } from './bus.ts';
import { batch, Recorder, tags } from './testing/contractKit.ts';
import { encodeSampleBatch } from './kafka/codec.ts';
import { decodeMarks, encodeMarks } from './kafka/marks.ts';
import { uniquePrefix } from './testing/kafkaBroker.ts';
import { createKafkaBus, type KafkaBusOptions } from './kafkaBus.ts';
import { SequenceMarks } from './sequenceMarks.ts';
import { brokerList, requireService } from '../../test/integration/helpers.ts';

const TIMEOUT = 30_000;

/** The broker list of `scripts/services/kafka.sh start`, or undefined when the test was skipped. */
async function kafkaBrokers(t: TestContext): Promise<string[] | undefined> {
  const endpoint = await requireService(t, 'kafka');
  return endpoint === undefined ? undefined : brokerList(endpoint);
}

const options = (brokers: string[], topicPrefix: string): KafkaBusOptions => ({
  brokers,
  topicPrefix,
  partitions: 4,
  heartbeatIntervalMs: 100,
  maxWaitTimeMs: 50,
  pollMs: 50,
  sessionTimeoutMs: 6000,
});

async function withBuses(
  brokers: string[],
  prefix: string,
  n: number,
  fn: (buses: Bus[]) => Promise<void>,
): Promise<void> {
  const buses: Bus[] = [];
  try {
    for (let i = 0; i < n; i++) buses.push(await createKafkaBus(options(brokers, prefix)));
    await fn(buses);
  } finally {
    await Promise.all(buses.map((b) => b.close()));
  }
}

test(
  'a malformed message goes to the dead-letter topic with its reason, and the partition goes on',
  { timeout: TIMEOUT },
  async (t) => {
    const brokers = await kafkaBrokers(t);
    if (!brokers) return;
    const prefix = uniquePrefix('dlq');
    await withBuses(brokers, prefix, 1, async ([bus]) => {
      const rec = new Recorder<SampleBatch>(TIMEOUT);
      const errors: unknown[] = [];
      await bus.subscribeSamples('g', rec.handler('A'), { onError: (e) => errors.push(e) });
      const kafka = new Kafka({ brokers, clientId: 'dlq-test', logLevel: logLevel.NOTHING });
      const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await raw.connect();
      try {
        // Same key as the good batches: same partition, so a stuck partition would show.
        await raw.send({
          topic: `${prefix}samples`,
          messages: [
            { key: 'rel-1', value: Buffer.from('{"not":"a batch"}') },
            { key: 'rel-1', value: encodeSampleBatch({ ...batch('rel-1', 1), producer: '' }) },
          ],
        });
      } finally {
        await raw.disconnect();
      }
      await bus.publishSamples(batch('rel-1', 2));
      await rec.count(1);
      assert.deepEqual(tags(rec.of('A')), ['rel-1/2']);
      assert.deepEqual(errors, []);
      assert.deepEqual(
        (await bus.lag()).map((l) => l.pendingBatches),
        [0],
        'dead-lettered messages count as acknowledged',
      );

      const reader = kafka.consumer({ groupId: `${prefix}dlq-reader`, maxWaitTimeInMs: 50 });
      const dead: { reason: string; offset: string; value: string }[] = [];
      await reader.connect();
      try {
        await reader.subscribe({ topics: [`${prefix}dead-letter`], fromBeginning: true });
        await new Promise<void>((resolve) => {
          void reader.run({
            eachMessage: async ({ message }) => {
              const h = message.headers ?? {};
              dead.push({
                reason: String(h['rh-reason']),
                offset: String(h['rh-source-offset']),
                value: message.value?.toString('latin1') ?? '',
              });
              if (dead.length === 2) resolve();
            },
          });
        });
      } finally {
        await reader.disconnect();
      }
      dead.sort((a, b) => Number(a.offset) - Number(b.offset));
      assert.match(dead[0].reason, /^DecodeError: sample batch: not the RHS v1 format/);
      assert.equal(dead[0].value, '{"not":"a batch"}', 'the original bytes are kept');
      assert.match(dead[1].reason, /^BusError: invalid sample batch: producer must be a non-empty string/);
    });
  },
);

test(
  'a consumer killed mid-stream: its unacknowledged batches go to a member of another instance, resends dropped',
  { timeout: TIMEOUT },
  async (t) => {
    const brokers = await kafkaBrokers(t);
    if (!brokers) return;
    const prefix = uniquePrefix('crash');
    await withBuses(brokers, prefix, 2, async ([first, second]) => {
      const rec = new Recorder<SampleBatch>(TIMEOUT);
      const acked = new Set<string>();
      // A acknowledges sequences 1-3 of every release and "dies" holding 4-6.
      const a = await first.subscribeSamples(
        'analyzer',
        rec.handler('A', {
          ack: false,
          onMessage: async (b) => {
            if (b.sequence > 3) return;
            const delivery = rec.deliveries[rec.deliveries.length - 1];
            await delivery.ack();
            acked.add(`${b.releaseId}/${b.sequence}`);
          },
        }),
      );
      const ids = ['rel-a', 'rel-b', 'rel-c', 'rel-d', 'rel-e', 'rel-f'];
      const sent: SampleBatch[] = [];
      for (let seq = 1; seq <= 6; seq++) {
        for (const id of ids) {
          sent.push(batch(id, seq));
          await first.publishSamples(batch(id, seq));
        }
      }
      await rec.count(sent.length);
      await a.close(); // the crash: no ack for 4-6
      // A restarted collector resends what it is unsure of: acknowledged ones and unacknowledged ones.
      for (const id of ids) {
        await second.publishSamples({ ...batch(id, 3), batchId: 'resend' });
        await second.publishSamples({ ...batch(id, 5), batchId: 'resend' });
      }
      await second.subscribeSamples('analyzer', rec.handler('B'));
      await rec.until('B caught up', () => rec.of('B').length >= ids.length * 3);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const got = tags(rec.of('B'));
      const expected = ids.flatMap((id) => [4, 5, 6].map((seq) => `${id}/${seq}`));
      assert.deepEqual([...got].sort(), expected.sort(), 'exactly the unacknowledged batches, each once');
      for (const id of ids) {
        assert.deepEqual(
          rec
            .of('B')
            .filter((b) => b.releaseId === id)
            .map((b) => b.sequence),
          [4, 5, 6],
          `order of ${id}`,
        );
      }
      assert.equal(acked.size, ids.length * 3);
      assert.deepEqual(
        (await second.lag()).map((l) => [l.group, l.members, l.pendingBatches]),
        [['analyzer', 1, 0]],
      );
    });
  },
);

test('commit metadata keeps the most recent marks when they do not fit', () => {
  const marks = new SequenceMarks(1000);
  for (let i = 0; i < 200; i++)
    marks.record({ releaseId: `release-${i}`, producer: 'scrape:target', sequence: 1_700_000_000_000 + i });
  const text = encodeMarks(marks, 4096);
  assert.ok(Buffer.byteLength(text) <= 4096);
  const kept = decodeMarks(text, 1000);
  assert.ok(kept.size > 40 && kept.size < 200, `kept ${kept.size}`);
  assert.ok(
    kept.isDuplicate({ releaseId: 'release-199', producer: 'scrape:target', sequence: 1_700_000_000_199 }),
    'the latest is kept',
  );
  assert.ok(
    !kept.isDuplicate({ releaseId: 'release-0', producer: 'scrape:target', sequence: 1_700_000_000_000 }),
    'the oldest is dropped',
  );
  assert.equal(decodeMarks(encodeMarks(marks, 1_000_000), 1000).size, 200);
  assert.equal(decodeMarks('garbage', 10).size, 0);
  assert.equal(decodeMarks(null, 10).size, 0);
});
