/**
 * Scale-out on Kafka (docs/scale-out.md): samples/s through real `analyze-worker` PROCESSES (Kafka bus →
 * pipeline → engines → verdicts and checkpoints in PostgreSQL), with 1 and 2 instances, and the
 * recovery after one instance is SIGKILLed. Needs `bash scripts/services/kafka.sh start` and the
 * PostgreSQL of scripts/services/start.sh (RH_PG_URL); a fresh topic prefix and schema per case.
 *
 * Data: one simulator release scenario (real metrics of a spec, so the engines do real work; dense,
 * see DENSITY) replayed as many releases with distinct ids, cut into 2,000-sample batches.
 * - `workers{1,2}`: the batches are published while the workers run; samples/s = samples / time
 *   from the first publish to the group's lag back to 0 (every batch processed, its verdicts
 *   stored and checkpointed, offsets committed). `publish…` is the producer's own rate, held back
 *   by the bus's back-pressure (1,000 pending batches) whenever the workers fall behind.
 * - `recovery`: 2 workers, one SIGKILLed when ~30 % of the samples are in; `takeoverMs` = kill →
 *   the survivor owns every partition (bounded below by the session timeout, 6 s here);
 *   `resumedMs` = kill → the survivor restored one of the victim's releases from its checkpoint;
 *   `drainedMs` = kill → lag 0 with everything processed (mostly the remaining backlog at one
 *   instance's rate).
 *
 * Run: `node --import tsx bench/kafkaWorkers.ts [--quick]`; `run()` is the `npm run bench --
 * kafka-workers` entry once bench/run.ts lists it.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Partitioners } from 'kafkajs';
import pg from 'pg';
import type { SampleBatch } from '../collector/bus/bus.ts';
import { findBrokers, uniquePrefix } from '../collector/bus/testing/kafkaBroker.ts';
import { createKafkaBus } from '../collector/bus/kafkaBus.ts';
import { generateScenario } from '../simulator/index.ts';
import { openStore } from '../store/index.ts';
import { serviceEnv } from '../test/integration/helpers.ts';
import { spawnWorker, type WorkerProcess } from '../cli/analyzeWorkerProcess.ts';

const BATCH = 2000;
/**
 * A busy shop (10× the simulator's default checkouts and stock reservations: ~4,400 samples per
 * release and minute). The engine's cost is mostly per look (one per release and minute, ~6 ms
 * for this spec's four metrics, see docs/scale-out.md), so samples/s grows with the density of
 * the stream; at the default density (~600/min) the same workers do ~40,000 samples/s each.
 */
const DENSITY = { checkoutPerMinute: 4000, stockPerMinute: 400 };
const PARTITIONS = 12;

interface Case {
  samples: number;
  publishSamplesPerSecond: number;
  samplesPerSecond: number;
  ms: number;
  /** looks (one per release and minute of data) per second */
  looksPerSecond: number;
  takeoverMs?: number;
  /** kill → the survivor has restored from its checkpoint a release the victim held */
  resumedMs?: number;
  drainedMs?: number;
  survivorSkippedBatches?: number;
  survivorReplayedVerdicts?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function metric(w: WorkerProcess, name: string): Promise<number> {
  const url = w.logs.find((l) => l.event === 'ready')?.metrics as string | undefined;
  if (!url) return 0;
  const text = await (await fetch(url)).text().catch(() => '');
  const m = new RegExp(`^release_health_worker_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

async function oneCase(
  brokers: string[],
  pgUrl: string,
  instances: number,
  releases: number,
  minutes: number,
  kill: boolean,
): Promise<Case> {
  const scenario = generateScenario({ seed: 11, durationMinutes: minutes, ...DENSITY });
  const schema = `rh_bench_workers_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const storeUrl = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const prefix = uniquePrefix('bench-workers');
  const bus = await createKafkaBus({
    brokers,
    topicPrefix: prefix,
    partitions: PARTITIONS,
    pollMs: 20,
    lagCacheMs: 200,
  });
  const store = await openStore(storeUrl);
  const workers: WorkerProcess[] = [];
  try {
    await store.migrate();
    const batches: SampleBatch[][] = [];
    for (let r = 0; r < releases; r++) {
      const id = `bench-${r}`;
      const release = { ...scenario.spec.release, id };
      await store.createRelease(
        {
          release,
          spec: { ...scenario.spec, release },
          status: 'active',
          registeredAt: release.startedAt,
          registeredBy: 'bench',
        },
        { at: release.startedAt, actor: 'bench', action: 'release.register', releaseId: id },
      );
      const mine: SampleBatch[] = [];
      for (let i = 0; i * BATCH < scenario.samples.length; i++) {
        mine.push({
          releaseId: id,
          batchId: `${id}/${i}`,
          producer: 'bench',
          sequence: i + 1,
          samples: scenario.samples.slice(i * BATCH, (i + 1) * BATCH),
        });
      }
      batches.push(mine);
    }
    const total = batches.flat().reduce((n, b) => n + b.samples.length, 0);
    const args = [
      '--kafka',
      brokers.join(','),
      '--store',
      storeUrl,
      '--topic-prefix',
      prefix,
      '--partitions',
      String(PARTITIONS),
      '--tick-every-ms',
      '0',
      '--checkpoint-interval-ms',
      '2000',
      '--session-timeout-ms',
      '6000',
      '--metrics-port',
      '0',
      '--log-level',
      'info',
    ];
    for (let i = 0; i < instances; i++) workers.push(spawnWorker(args));
    await Promise.all(workers.map((w) => w.ready));
    await sleep(3000); // the group's initial rebalances settle (the broker delays the first by 3 s)
    const lag = async (): Promise<number> =>
      (await bus.lag()).find((l) => l.topic === 'samples' && l.group === 'pipeline')?.pendingBatches ?? -1;

    const t0 = performance.now();
    let killedAt: number | undefined;
    let killedEpoch = 0;
    let victimReleases = new Set<string>();
    let takeoverAt: number | undefined;
    const victim = workers[1];
    const survivor = workers[0];
    const takeovers = (): number =>
      survivor.logs.filter((l) => l.event === 'partitions-assigned' && (l.partitions as number[]).length === PARTITIONS)
        .length;
    const before = takeovers();
    const watcher = (async () => {
      if (!kill) return;
      while ((await metric(victim, 'samples_total')) + (await metric(survivor, 'samples_total')) < total * 0.3)
        await sleep(50);
      // the victim's releases: those its latest partitions hold (the bus's murmur2 partitioner)
      const held = (victim.logs.filter((l) => l.event === 'partitions-assigned').at(-1)?.partitions ?? []) as number[];
      const partitionOf = Partitioners.DefaultPartitioner();
      const metadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0 }));
      victimReleases = new Set(
        batches
          .map((list) => list[0].releaseId)
          .filter((id) =>
            held.includes(
              partitionOf({
                topic: 'samples',
                partitionMetadata: metadata as never,
                message: { key: id, value: null },
              }),
            ),
          ),
      );
      await victim.kill();
      killedAt = performance.now();
      killedEpoch = Date.now();
      while (takeovers() === before) await sleep(20);
      takeoverAt = performance.now();
    })();
    // every release publishes its batches in order, all releases at once (the bus batches them)
    await Promise.all(
      batches.map(async (list) => {
        for (const b of list) await bus.publishSamples(b);
      }),
    );
    const published = performance.now() - t0;
    for (;;) {
      if ((await lag()) === 0 && (!kill || takeoverAt !== undefined)) break;
      await sleep(50);
    }
    const end = performance.now();
    await watcher;
    const ms = end - t0;
    const result: Case = {
      samples: total,
      publishSamplesPerSecond: Math.round(total / (published / 1000)),
      samplesPerSecond: Math.round(total / (ms / 1000)),
      ms: Math.round(ms),
      looksPerSecond: Math.round((releases * minutes) / (ms / 1000)),
    };
    if (!kill) {
      let ingested = 0;
      for (const w of workers) ingested += await metric(w, 'samples_total');
      if (ingested !== total) throw new Error(`workers ingested ${ingested} samples, expected ${total}`);
    } else {
      result.takeoverMs = Math.round((takeoverAt ?? end) - (killedAt ?? end));
      const resumed = survivor.logs.find(
        (l) =>
          (l.time as number) >= killedEpoch &&
          victimReleases.has(l.releaseId as string) &&
          String(l.msg).includes('resumed from its checkpoint'),
      );
      if (resumed) result.resumedMs = Math.round((resumed.time as number) - killedEpoch);
      result.drainedMs = Math.round(end - (killedAt ?? end));
      result.survivorSkippedBatches = await metric(survivor, 'skipped_batches_total');
      result.survivorReplayedVerdicts = await metric(survivor, 'duplicate_verdicts_total');
    }
    return result;
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()));
    await bus.close();
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const found = await findBrokers('kafka');
  const pgUrl = serviceEnv('RH_PG_URL');
  if (!('brokers' in found) || !pgUrl) {
    const reason = 'brokers' in found ? 'RH_PG_URL is not set' : found.reason;
    console.log(
      `kafka-workers: skipped — ${reason}; run bash scripts/services/start.sh and bash scripts/services/kafka.sh start`,
    );
    return { skipped: reason };
  }
  const releases = quick ? 16 : 48;
  const minutes = quick ? 20 : 30;
  const figures: Record<string, unknown> = {
    batchSize: BATCH,
    partitions: PARTITIONS,
    releases,
    cores: (await import('node:os')).availableParallelism(),
  };
  const line = (name: string, c: Case): void => {
    console.log(
      `${name.padEnd(10)} ${c.samples.toLocaleString('en-US')} samples: end to end ${c.samplesPerSecond.toLocaleString('en-US')} samples/s, ${c.looksPerSecond} looks/s (${c.ms} ms; publishing, back-pressured by the lag: ${c.publishSamplesPerSecond.toLocaleString('en-US')} samples/s)` +
        (c.takeoverMs !== undefined
          ? `; after SIGKILL: takeover ${c.takeoverMs} ms, the victim's releases resumed after ${c.resumedMs ?? '?'} ms, lag 0 after ${c.drainedMs} ms (survivor skipped ${c.survivorSkippedBatches} covered batches, re-emitted ${c.survivorReplayedVerdicts} stored verdicts)`
          : ''),
    );
  };
  for (const [name, instances, kill] of [
    ['workers1', 1, false],
    ['workers2', 2, false],
    ['recovery', 2, true],
  ] as const) {
    const c = await oneCase(found.brokers, pgUrl, instances, releases, minutes, kill);
    line(name, c);
    figures[name] = c;
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await run({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify({ bench: { 'kafka-workers': figures } }));
}
