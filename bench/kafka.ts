/**
 * Kafka bus throughput (target ≥ 1,000,000 samples/s end to end for one instance with
 * batched messages), against the real broker of `bash scripts/services/kafka.sh start`:
 * - `codec`: the wire format of sample batches — the columnar binary codec the bus uses vs JSON
 *   with a replacer/reviver for NaN/±Infinity — encode + decode of one 2,000-sample batch;
 * - `e2e`: publish → broker (idempotent producer, acks=all) → consumer group → handler, for
 *   1 and 2 members of one group (in this process: the JS thread is shared, so this shows the
 *   bus's cost, not scale-out across cores), acknowledging each batch with and without awaiting
 *   the commit. Samples/s counts samples handled, from the first publish to the last delivery.
 *
 * Run alone: `node --import tsx bench/kafka.ts [--quick]` (prints figures and one JSON line);
 * `run()` is the `npm run bench -- kafka` entry once bench/run.ts lists it.
 */
import { pathToFileURL } from 'node:url';
import type { Sample } from '../analyzer/types.ts';
import type { SampleBatch } from '../collector/bus/bus.ts';
import { decodeJson, decodeSampleBatch, encodeJson, encodeSampleBatch } from '../collector/bus/kafka/codec.ts';
import { findBrokers, uniquePrefix } from '../collector/bus/testing/kafkaBroker.ts';
import { createKafkaBus } from '../collector/bus/kafkaBus.ts';
import { bestOf, seeded } from './timing.ts';

const METRICS = [
  'orders_total',
  'checkout_success_ratio',
  'stock_reservation_seconds',
  'job_queue_depth',
  'pg_stat_database_xact_commit',
];

function makeBatch(releaseId: string, sequence: number, size: number, random: () => number): SampleBatch {
  const labels = [
    { tenant: 'acme', service: 'odoo-canary@file' },
    { tenant: 'acme', service: 'odoo-stable@file' },
  ];
  const samples: Sample[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const canary = i % 2 === 0;
    samples[i] = {
      ts: 1_700_000_000_000 + sequence * 1000 + i,
      metric: METRICS[i % METRICS.length],
      cohort: canary ? 'canary' : 'baseline',
      value: i % 97 === 0 ? Number.NaN : random() * 100,
      labels: labels[canary ? 0 : 1],
    };
  }
  return { releaseId, batchId: `${releaseId}/${sequence}`, producer: 'bench', sequence, samples };
}

function codecFigures(quick: boolean): Record<string, unknown> {
  const random = seeded(9);
  const sample = makeBatch('rel-0', 1, 2000, random);
  const runs = quick ? 5 : 20;
  const loops = 20;
  const binary = bestOf(runs, () => {
    let n = 0;
    for (let i = 0; i < loops; i++) n += decodeSampleBatch(encodeSampleBatch(sample)).samples.length;
    return n;
  });
  const json = bestOf(runs, () => {
    let n = 0;
    for (let i = 0; i < loops; i++) n += (decodeJson(encodeJson(sample)) as SampleBatch).samples.length;
    return n;
  });
  const rate = (ms: number): number => Math.round((loops * 2000) / (ms / 1000));
  const figures = {
    binarySamplesPerSecond: rate(binary.ms),
    jsonSamplesPerSecond: rate(json.ms),
    binaryBytesPerSample: Number((encodeSampleBatch(sample).length / 2000).toFixed(1)),
    jsonBytesPerSample: Number((encodeJson(sample).length / 2000).toFixed(1)),
  };
  console.log(
    `codec (encode+decode, 2,000-sample batch): binary ${figures.binarySamplesPerSecond.toLocaleString('en-US')} samples/s ` +
      `(${figures.binaryBytesPerSample} B/sample), JSON+reviver ${figures.jsonSamplesPerSecond.toLocaleString('en-US')} samples/s (${figures.jsonBytesPerSample} B/sample)`,
  );
  return figures;
}

interface E2eCase {
  members: number;
  awaitAck: boolean;
}

async function e2e(
  brokers: string[],
  c: E2eCase,
  totalSamples: number,
  batchSize: number,
): Promise<Record<string, number>> {
  const bus = await createKafkaBus({
    brokers,
    topicPrefix: uniquePrefix('bench'),
    partitions: 8,
    maxPendingBatches: 400,
    heartbeatIntervalMs: 200,
  });
  try {
    const releases = 64;
    const batches = Math.ceil(totalSamples / batchSize);
    let handled = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    for (let m = 0; m < c.members; m++) {
      await bus.subscribeSamples('bench', async (b, ack) => {
        handled += b.samples.length;
        if (c.awaitAck) await ack();
        else void ack();
        if (handled >= batches * batchSize) done();
      });
    }
    const random = seeded(42);
    // Pre-built batches: the bench measures the bus, not the batch factory.
    const template = Array.from({ length: 8 }, (_, i) => makeBatch('x', i, batchSize, random));
    const t0 = performance.now();
    let next = 0;
    // One publisher per release, each waiting for its previous publish (the seam's rule).
    await Promise.all(
      Array.from({ length: releases }, async (_, r) => {
        for (let seq = 1; ; seq++) {
          if (next >= batches) return;
          next++;
          const t = template[seq % template.length];
          await bus.publishSamples({ ...t, releaseId: `rel-${r}`, batchId: `rel-${r}/${seq}`, sequence: seq });
        }
      }),
    );
    const published = performance.now() - t0;
    await finished;
    const total = performance.now() - t0;
    return {
      samples: batches * batchSize,
      publishSamplesPerSecond: Math.round((batches * batchSize) / (published / 1000)),
      e2eSamplesPerSecond: Math.round((batches * batchSize) / (total / 1000)),
      e2eMs: Math.round(total),
    };
  } finally {
    await bus.close();
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const figures: Record<string, unknown> = { codec: codecFigures(quick) };
  const found = await findBrokers('kafka');
  if (!('brokers' in found)) {
    console.log(`e2e: skipped — no broker (${found.reason}); run bash scripts/services/kafka.sh start`);
    figures.e2e = { skipped: found.reason };
    return figures;
  }
  const batchSize = 2000;
  const totalSamples = quick ? 1_000_000 : 4_000_000;
  const cases: [string, E2eCase][] = [
    ['oneMember', { members: 1, awaitAck: false }],
    ['oneMemberAwaitAck', { members: 1, awaitAck: true }],
    ['twoMembers', { members: 2, awaitAck: false }],
  ];
  // Warm the JIT and the broker's page cache with a short run first.
  await e2e(found.brokers, { members: 1, awaitAck: false }, 200_000, batchSize);
  const e2eFigures: Record<string, unknown> = { batchSize };
  for (const [name, c] of cases) {
    const f = await e2e(found.brokers, c, totalSamples, batchSize);
    console.log(
      `e2e ${name.padEnd(18)} ${f.samples.toLocaleString('en-US')} samples in ${batchSize}-sample batches: ` +
        `publish ${f.publishSamplesPerSecond.toLocaleString('en-US')} samples/s, end to end ${f.e2eSamplesPerSecond.toLocaleString('en-US')} samples/s (${f.e2eMs} ms)`,
    );
    e2eFigures[name] = f;
  }
  figures.e2e = e2eFigures;
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await run({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify({ bench: { kafka: figures } }));
}
