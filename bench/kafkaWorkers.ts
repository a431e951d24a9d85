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
 *   stored and checkpointed, offsets committed). `publish…` is the producer's own rate on the shared
 *   cores: the bus's back-pressure bound (20,000 pending batches) is above a case's 4,376 batches.
 * - `backlog{1,2}`: the whole stream is published first with no member running (`publish…` and
 *   the publisher's CPU are then the publisher alone), then the workers consume it: samples/s =
 *   samples / time from every partition assigned to lag 0, with no publisher competing for the cores.
 * - `recovery`: 2 workers, one SIGKILLed when ~30 % of the samples are in; `takeoverMs` = kill →
 *   the survivor owns every partition (bounded below by the session timeout, 6 s here);
 *   `resumedMs` = kill → the survivor restored one of the victim's releases from its checkpoint;
 *   `drainedMs` = kill → lag 0 with everything processed (mostly the remaining backlog at one
 *   instance's rate).
 *
 * - per case, what each side used: every worker's CPU time (from /proc) and its samples per
 *   second of that CPU time — its rate with a core to itself, which the end-to-end figure is not
 *   on a 2-core machine shared with the broker, PostgreSQL, this publisher and other work — the
 *   same over the second half of each worker's samples (warm: a fresh process first compiles),
 *   the checkpoints stored, the publisher's CPU time, and how busy the whole machine was;
 * - `inProcess`: the same stream through the engines alone (no bus, no store) in this process,
 *   per CPU-second: the ceiling a worker's bus and store overhead is measured against.
 *
 * Run: `node --import tsx bench/kafkaWorkers.ts [--quick] [--only inProcess,workers1,workers2,recovery]
 * [--cpu-prof-dir DIR]` (a CPU profile of each worker, see kafkaWorkerProfile.ts); `run()` is the
 * `npm run bench -- kafka-workers` entry. RH_BENCH_WORKER_ARGS adds `analyze-worker` flags to
 * every worker (e.g. "--checkpoint-every 40"; a later flag wins over the bench's own).
 * Workers run with the image's node flags (the Dockerfile ENTRYPOINT's; RH_BENCH_IMAGE_FLAGS=0
 * leaves them out), then RH_BENCH_WORKER_NODE_ARGS; NODE_OPTIONS reaches them too.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Partitioners } from 'kafkajs';
import pg from 'pg';
import type { SampleBatch } from '../collector/bus/bus.ts';
import { findBrokers, uniquePrefix } from '../collector/bus/testing/kafkaBroker.ts';
import { createKafkaBus } from '../collector/bus/kafkaBus.ts';
import { decodeSampleBatch, encodeSampleBatch } from '../collector/bus/kafka/codec.ts';
import { ReleaseRun } from '../pipeline/releaseRun.ts';
import { generateScenario } from '../simulator/index.ts';
import { openStore, postgresUrlInSchema } from '../store/index.ts';
import { serviceEnv } from '../test/integration/helpers.ts';
import { spawnWorker, type WorkerProcess } from '../cli/analyzeWorkerProcess.ts';
import { benchNodeFlags } from './imageFlags.ts';

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
  /** engine checkpoints the workers stored (each: snapshot, JSON, an upsert of ~30 kB here) */
  checkpoints?: number;
  /** samples ingested twice after a rebalance (backlog cases: a member joining late) */
  replayedSamples?: number;
  /** CPU time (user + system) of each worker process during the case, ms */
  workerCpuMs: number[];
  /** samples each worker ingested per second of its own CPU time: its rate if it had a core to itself */
  workerSamplesPerCpuSecond: number[];
  /** the same over the second half of each worker's samples (from the first progress poll past half): warm, without start-up compilation */
  workerSamplesPerCpuSecondWarm: number[];
  /** CPU time of this process (the publisher: encoding, producing, lag reads), ms */
  publisherCpuMs: number;
  /** busy share of the whole machine during the case (all processes, every engineer's): 1 = every core busy */
  machineBusy: number;
}

/** CPU time (user + system) of a process so far, ms, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // fields after the command: state is [0], utime [11], stime [12] (clock ticks, 100 per second)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Busy and total jiffies of the whole machine (/proc/stat), to tell a loaded machine from a slow worker. */
function machineJiffies(): { busy: number; total: number } {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = cpu[3] + (cpu[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
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
  backlog: boolean,
  workerEnv: Record<string, string | undefined>,
  workerNodeFlags: readonly string[],
): Promise<Case> {
  const scenario = generateScenario({ seed: 11, durationMinutes: minutes, ...DENSITY });
  const schema = `rh_bench_workers_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const storeUrl = postgresUrlInSchema(pgUrl, schema);
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
      ...(process.env.RH_BENCH_WORKER_ARGS?.split(' ').filter(Boolean) ?? []),
    ];
    for (let i = 0; i < instances; i++) workers.push(spawnWorker(args, workerEnv, workerNodeFlags));
    await Promise.all(workers.map((w) => w.ready));
    await sleep(3000); // the group's initial rebalances settle (the broker delays the first by 3 s)
    const lag = async (): Promise<number> =>
      (await bus.lag()).find((l) => l.topic === 'samples' && l.group === 'pipeline')?.pendingBatches ?? -1;
    // every release publishes its batches in order, all releases at once (the bus batches them)
    const publishAll = (): Promise<unknown> =>
      Promise.all(
        batches.map(async (list) => {
          for (const b of list) await bus.publishSamples(b);
        }),
      );
    let publishedAlone: { ms: number; cpuMs: number } | undefined;
    if (backlog) {
      // The group now exists with its start offsets committed: stop its members, publish the whole
      // stream with nobody consuming (the publisher alone), then start the members again and time
      // them from the moment every partition is assigned to lag 0 — the workers without a
      // publisher competing for the cores.
      await Promise.all(workers.map((w) => w.stop()));
      workers.length = 0;
      const p0 = performance.now();
      const pc0 = process.cpuUsage();
      await publishAll();
      const pc = process.cpuUsage(pc0);
      publishedAlone = { ms: performance.now() - p0, cpuMs: Math.round((pc.user + pc.system) / 1000) };
      for (let i = 0; i < instances; i++) workers.push(spawnWorker(args, workerEnv, workerNodeFlags));
      await Promise.all(workers.map((w) => w.ready));
      // from the first assignment: a member that joins later (after the broker's 3-s initial
      // delay) takes partitions over in a rebalance, and the batches the first one had not yet
      // checkpointed are ingested again (counted in replayedSamples)
      while (!workers.some((w) => w.logs.some((l) => l.event === 'partitions-assigned'))) await sleep(20);
    }

    const t0 = performance.now();
    const cpu0 = workers.map((w) => processCpuMs(w.pid));
    const publisherCpu0 = process.cpuUsage();
    const machine0 = machineJiffies();
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
    if (!backlog) await publishAll();
    const published = publishedAlone?.ms ?? performance.now() - t0;
    // Each worker's ingested samples and CPU time every ~500 ms: the rate over the second half of
    // its samples is the warm worker's. A backlog case starts fresh processes, whose first seconds
    // also go to compiling (V8's lazy and optimizing compilers on kafkajs, pg and the engines) —
    // a cost a long-running worker pays once.
    const progress: { samples: number; cpuMs: number }[][] = workers.map(() => []);
    let polled = 0;
    for (;;) {
      if ((await lag()) === 0 && (!kill || takeoverAt !== undefined)) break;
      if (!kill && performance.now() - polled >= 500) {
        polled = performance.now();
        for (const [i, w] of workers.entries())
          progress[i].push({ samples: await metric(w, 'samples_total'), cpuMs: processCpuMs(w.pid) });
      }
      await sleep(50);
    }
    const end = performance.now();
    const cpu1 = workers.map((w, i) => (w === victim && kill ? cpu0[i] : processCpuMs(w.pid)));
    const publisherCpu = process.cpuUsage(publisherCpu0);
    const machine1 = machineJiffies();
    await watcher;
    const ms = end - t0;
    const workerCpuMs = cpu1.map((c, i) => Math.round(c - cpu0[i]));
    const workerSamples = kill ? [] : await Promise.all(workers.map((w) => metric(w, 'samples_total')));
    const result: Case = {
      samples: total,
      publishSamplesPerSecond: Math.round(total / (published / 1000)),
      samplesPerSecond: Math.round(total / (ms / 1000)),
      ms: Math.round(ms),
      looksPerSecond: Math.round((releases * minutes) / (ms / 1000)),
      workerCpuMs,
      workerSamplesPerCpuSecond: workerCpuMs.map((c, i) => (kill ? 0 : Math.round(workerSamples[i] / (c / 1000)))),
      workerSamplesPerCpuSecondWarm: kill
        ? []
        : workerSamples.map((samples, i) => {
            const half = progress[i].find((p) => p.samples >= samples / 2);
            const cpuMs = cpu1[i] - (half?.cpuMs ?? Number.NaN);
            return half && cpuMs > 0 ? Math.round((samples - half.samples) / (cpuMs / 1000)) : 0;
          }),
      publisherCpuMs: publishedAlone?.cpuMs ?? Math.round((publisherCpu.user + publisherCpu.system) / 1000),
      machineBusy: Number(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)).toFixed(2)),
    };
    if (!kill) {
      let ingested = 0;
      for (const w of workers) ingested += await metric(w, 'samples_total');
      if (ingested < total || (!backlog && ingested !== total))
        throw new Error(`workers ingested ${ingested} samples, expected ${total}`);
      if (backlog) result.replayedSamples = ingested - total;
      result.checkpoints = 0;
      for (const w of workers) result.checkpoints += await metric(w, 'checkpoints_total');
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

/**
 * The same stream through the same per-release code a worker runs (`ReleaseRun`: the engines and
 * their looks), in this process, with no bus and no store: what one worker could do at most on a
 * core of its own. Counted in CPU time of this process, so other work on the machine does not
 * enter it. `decoded` also decodes each batch from the bus's wire format first, as a worker does.
 */
function inProcessCeiling(releases: number, minutes: number): Record<string, number> {
  const scenario = generateScenario({ seed: 11, durationMinutes: minutes, ...DENSITY });
  const wire: Buffer[][] = [];
  for (let r = 0; r < releases; r++) {
    const id = `bench-${r}`;
    const list: Buffer[] = [];
    for (let i = 0; i * BATCH < scenario.samples.length; i++)
      list.push(
        encodeSampleBatch({
          releaseId: id,
          batchId: `${id}/${i}`,
          producer: 'bench',
          sequence: i + 1,
          samples: scenario.samples.slice(i * BATCH, (i + 1) * BATCH),
        }),
      );
    wire.push(list);
  }
  const pass = (decodeEach: boolean): { samplesPerCpuSecond: number; verdicts: number } => {
    const predecoded = decodeEach ? [] : wire.map((list) => list.map((bytes) => decodeSampleBatch(bytes)));
    const before = process.cpuUsage();
    let samples = 0;
    let verdicts = 0;
    for (let r = 0; r < releases; r++) {
      const id = `bench-${r}`;
      const release = { ...scenario.spec.release, id };
      const record = {
        release,
        spec: { ...scenario.spec, release },
        status: 'active' as const,
        registeredAt: release.startedAt,
        registeredBy: 'bench',
      };
      const run = ReleaseRun.fresh(record, { mode: 'sequential', intervalMs: 60_000 }, 0);
      for (let i = 0; i < wire[r].length; i++) {
        const batch = decodeEach ? decodeSampleBatch(wire[r][i]) : predecoded[r][i];
        verdicts += run.ingest(batch).verdicts.length;
        samples += batch.samples.length;
      }
    }
    const used = process.cpuUsage(before);
    return { samplesPerCpuSecond: Math.round(samples / ((used.user + used.system) / 1e6)), verdicts };
  };
  const engine = pass(false);
  const decoded = pass(true);
  return {
    engineSamplesPerCpuSecond: engine.samplesPerCpuSecond,
    decodeAndEngineSamplesPerCpuSecond: decoded.samplesPerCpuSecond,
    verdicts: engine.verdicts,
  };
}

export async function run({
  quick,
  only,
  cpuProfileDir,
}: {
  quick: boolean;
  /** case names to run (default all) */
  only?: readonly string[];
  /** write a V8 CPU profile of each worker process into this directory (node --cpu-prof) */
  cpuProfileDir?: string;
}): Promise<Record<string, unknown>> {
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
  const workerNodeFlags = benchNodeFlags(process.env.RH_BENCH_WORKER_NODE_ARGS);
  console.log(
    `kafka-workers: worker node flags ${workerNodeFlags.join(' ') || 'none'} (the image's; RH_BENCH_IMAGE_FLAGS=0 leaves them out)`,
  );
  const figures: Record<string, unknown> = {
    batchSize: BATCH,
    partitions: PARTITIONS,
    releases,
    cores: (await import('node:os')).availableParallelism(),
    workerNodeFlags,
  };
  const line = (name: string, c: Case): void => {
    console.log(
      `${name.padEnd(10)} ${c.samples.toLocaleString('en-US')} samples: end to end ${c.samplesPerSecond.toLocaleString('en-US')} samples/s, ${c.looksPerSecond} looks/s (${c.ms} ms; the publisher's own rate: ${c.publishSamplesPerSecond.toLocaleString('en-US')} samples/s)` +
        (c.takeoverMs !== undefined
          ? `; after SIGKILL: takeover ${c.takeoverMs} ms, the victim's releases resumed after ${c.resumedMs ?? '?'} ms, lag 0 after ${c.drainedMs} ms (survivor skipped ${c.survivorSkippedBatches} covered batches, re-emitted ${c.survivorReplayedVerdicts} stored verdicts)`
          : '') +
        `\n${''.padEnd(10)} worker CPU ${c.workerCpuMs.map((m) => `${(m / 1000).toFixed(1)} s (${Math.round((100 * m) / c.ms)} % of the wall time)`).join(', ')}` +
        (c.takeoverMs !== undefined
          ? ''
          : `; ${c.workerSamplesPerCpuSecond.map((r) => r.toLocaleString('en-US')).join(', ')} samples per worker CPU-second (second half of its samples: ${c.workerSamplesPerCpuSecondWarm.map((r) => r.toLocaleString('en-US')).join(', ')})`) +
        `; publisher CPU ${(c.publisherCpuMs / 1000).toFixed(1)} s; machine busy ${Math.round(c.machineBusy * 100)} %` +
        (c.checkpoints !== undefined ? `; ${c.checkpoints.toLocaleString('en-US')} checkpoints` : '') +
        (c.replayedSamples
          ? `; ${c.replayedSamples.toLocaleString('en-US')} samples ingested again after a rebalance`
          : ''),
    );
  };
  if (!only || only.includes('inProcess')) {
    const ceiling = inProcessCeiling(releases, minutes);
    console.log(
      `inProcess  the same stream through the engines alone (no bus, no store), per CPU-second of one core: ${ceiling.engineSamplesPerCpuSecond.toLocaleString('en-US')} samples/s; decoding each batch from the wire format too: ${ceiling.decodeAndEngineSamplesPerCpuSecond.toLocaleString('en-US')} samples/s (${ceiling.verdicts} verdicts)`,
    );
    figures.inProcess = ceiling;
  }
  const workerEnv = cpuProfileDir
    ? {
        ...process.env,
        RH_BENCH_CPU_PROFILE_DIR: cpuProfileDir,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import tsx --import ${new URL('./kafkaWorkerProfile.ts', import.meta.url).href}`,
      }
    : process.env;
  for (const [name, instances, kill, backlog] of [
    ['workers1', 1, false, false],
    ['workers2', 2, false, false],
    ['recovery', 2, true, false],
    ['backlog1', 1, false, true],
    ['backlog2', 2, false, true],
  ] as const) {
    if (only && !only.includes(name)) continue;
    const c = await oneCase(
      found.brokers,
      pgUrl,
      instances,
      releases,
      minutes,
      kill,
      backlog,
      workerEnv,
      workerNodeFlags,
    );
    line(name, c);
    figures[name] = c;
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const option = (name: string): string | undefined => {
    const at = process.argv.indexOf(name);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const figures = await run({
    quick: process.argv.includes('--quick'),
    only: option('--only')?.split(','),
    cpuProfileDir: option('--cpu-prof-dir'),
  });
  console.log(JSON.stringify({ bench: { 'kafka-workers': figures } }));
}
