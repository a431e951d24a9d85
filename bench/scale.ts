/**
 * What one release costs the analysis, at 20 metrics: CPU per look and heap per release, measured
 * on the pipeline's own release state (`ReleaseRun`: engine, watch, producer marks) in this
 * process, in three shapes: the gate bench's spec (`scraped`: 20 gauges, baseline and canary, one
 * value per cohort every 5 s); `dense`, 300 values per cohort and metric per minute of a narrow
 * gauge (uniform within ±5 %: 4–5 log buckets, so a few large rank groups — the large-support
 * tilted sums); and `latency`, 300 latencies per cohort and metric per minute, lognormal with
 * σ = 0.6 (a typical web latency, as `power.ts` assumes: ~150 occupied buckets, 32 rank groups —
 * the Horner sums), kind `latency`. Heap is read after a forced full
 * GC (run with --expose-gc; the bench re-executes itself with it) before and after the releases
 * exist, divided by their number. Prints figures, then one JSON line.
 *
 * Each shape runs twice, on fresh releases each time: first in a process that has taken no look
 * yet (the figure this bench always gave), then again, before the collection that measures the
 * first set's heap (a forced full collection throws compiled code away). The first pass carries
 * V8's warm-up — the look's code interpreted until it is hot, then compiled, and compiled again
 * when the releases, all in lockstep, reach a code path in the same minute — spread over however
 * many looks the run takes, so it shrinks as the run grows. The second pass is closer to what a
 * long-running analysis process pays per look. Both are the process's CPU time; the part spent on
 * threads other than the main one (V8's compiler threads and the GC's helpers;
 * /proc/self/task/<tid>/schedstat, Linux) is given apart. Before each look the bench waits
 * until those threads are idle (the bench's own loops and the ingestion path are compiled there
 * too), and after it adds what they used until idle again (the look's code being compiled, the
 * GC's concurrent marking). The heap figure is the first set's.
 *
 *   node --import tsx bench/scale.ts [--quick] [--releases 500] [--minutes 5]
 *     [--shapes scraped,dense,latency] [--per-minute 300]
 *
 * `--per-minute N` sets the values per cohort and metric per minute of the dense shapes (the
 * scraped one stays a value per 5 s): a latency look's cost grows with traffic, since the
 * permutation e-values walk each rank group's hypergeometric law over ~18 standard deviations.
 *
 * `--serve`: the same releases in a real `serve` process (role `all`, a CHILD process: PGlite in a
 * temp dir, the in-memory bus), seeded into its store before it starts, scraping an exporter this
 * process serves (20 gauges × baseline/canary every 5 s), no HTTP load. After `--warmup` seconds it
 * reads the analysis's own metrics (engine.metricsPort) for `--window` seconds: looks taken, how late
 * they started after their scheduled time (p50/p99/max over the last 10,000 looks, so a window of
 * ≥ 10,000 looks holds only looks of the window), checkpoints, batches; the serve process's CPU
 * (cores used over the window, /proc), its heap after a full GC summed over every thread (through
 * its inspector) and RSS, and the load average. Prints figures, then one JSON line.
 *
 *   node --import tsx bench/scale.ts --serve [--releases 5000] [--warmup 90] [--window 120]
 *     [--threads N] [--checkpoint-every 10] [--max-pending N] [--interval 1m]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { AnalysisSpec, MetricSpec } from '../analyzer/index.ts';
import { ReleaseRun } from '../pipeline/releaseRun.ts';
import type { ReleaseRecord } from '../store/index.ts';
import { runServeScale, type ServeScaleOptions } from './scaleServe.ts';
import { seeded } from './timing.ts';

const METRICS = 20;
const MINUTE = 60_000;
const START = Date.UTC(2026, 11, 1, 10, 0, 0);

function record(id: string, kind: MetricSpec['kind']): ReleaseRecord {
  const metrics: MetricSpec[] = Array.from({ length: METRICS }, (_, k) => ({
    name: `signal_${k}`,
    group: 'application',
    kind,
    harm: 'increase',
    tolerance: 0.2,
  }));
  const spec: AnalysisSpec = {
    release: {
      id,
      service: 'shop',
      version: '2',
      baselineVersion: '1',
      environment: 'bench',
      strategy: 'canary',
      class: 'standard',
      startedAt: START,
    },
    metrics,
    policy: { observeMs: 60 * MINUTE },
  } as AnalysisSpec;
  return { release: spec.release, spec, status: 'active', registeredAt: START, registeredBy: 'bench' };
}

interface Shape {
  /** the shape's key in the JSON line and in --shapes */
  key: string;
  /** its description, for `perMinute` values per cohort and metric in one minute */
  name(perMinute: number): string;
  /** values per cohort and metric in one minute (--per-minute overrides it, but for `scraped`) */
  perMinute: number;
  kind: MetricSpec['kind'];
  /** one value of metric k, from uniform draws in [0, 1) */
  value(k: number, random: () => number): number;
}

/** a standard normal draw from two uniform ones (Box–Muller) */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

const SHAPES: readonly Shape[] = [
  {
    key: 'scraped',
    name: () => 'scraped gauges (1 value per cohort per 5 s)',
    perMinute: 12,
    kind: 'gauge',
    value: (k, random) => 100 + k + random() * 10,
  },
  {
    key: 'dense',
    name: (perMinute) => `dense narrow gauges (${perMinute} values per cohort per minute, within ±5 %)`,
    perMinute: 300,
    kind: 'gauge',
    value: (k, random) => 100 + k + random() * 10,
  },
  {
    key: 'latency',
    name: (perMinute) => `dense latencies (${perMinute} values per cohort per minute, lognormal σ = 0.6)`,
    perMinute: 300,
    kind: 'latency',
    value: (k, random) => 0.08 * (1 + k / 10) * Math.exp(0.6 * normal(random)),
  },
];

/**
 * CPU seconds so far of this process's main thread and of all its other threads (the first field
 * of /proc/self/task/<tid>/schedstat: nanoseconds on a CPU), or undefined where there is no such
 * file. A thread that exits between two readings takes its time with it: the split is a reading,
 * the process total (`process.cpuUsage`) is the figure.
 */
function threadCpuSeconds(): { main: number; others: number } | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
    readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8');
  } catch {
    return undefined;
  }
  let main = 0;
  let others = 0;
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const seconds = Number(stat.slice(0, stat.indexOf(' '))) / 1e9;
    if (Number(tid) === process.pid) main += seconds;
    else others += seconds;
  }
  return { main, others };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits, the main thread asleep, until the process's other threads have gone idle (their CPU time
 * grew by less than 0.2 ms over 20 ms; at most 2 s), and returns the CPU seconds they used
 * meanwhile; 0 at once where there is no /proc (`threadCpuSeconds`).
 */
function settle(): number {
  const start = threadCpuSeconds();
  if (!start) return 0;
  let last = start.others;
  for (let step = 0; step < 100; step++) {
    Atomics.wait(pause, 0, 0, 20);
    const now = threadCpuSeconds()!.others;
    const grew = now - last;
    last = now;
    if (grew < 0.0002) break;
  }
  return Math.max(0, last - start.others);
}

interface Looked {
  lookMsPerRelease: number;
  /** of the look's CPU time, the main thread's and the other threads' (undefined without /proc) */
  mainThreadMs?: number;
  otherThreadsMs?: number;
  looks: number;
}

interface Measured extends Looked {
  heapKiBPerRelease: number;
  /** the same looks again on fresh releases, in the same process (no heap figure) */
  again: Looked;
}

/** `minutes` minutes of scrapes and looks of `runs`, the looks timed alone */
function drive(runs: ReleaseRun[], shape: Shape, minutes: number): Looked {
  const random = seeded(11);
  let lookMs = 0;
  let mainS = 0;
  let othersS = 0;
  let looks = 0;
  let sequence = 0;
  for (let minute = 0; minute < minutes; minute++) {
    // one batch per release per 5-s scrape, as the collector publishes them
    const scrapes = 12;
    const perScrape = Math.max(1, Math.round(shape.perMinute / scrapes));
    for (let s = 0; s < scrapes; s++) {
      const ts = START + minute * MINUTE + s * 5000;
      sequence++;
      for (const run of runs) {
        const samples = [];
        for (let k = 0; k < METRICS; k++) {
          for (const cohort of ['baseline', 'canary'] as const) {
            for (let j = 0; j < perScrape; j++)
              samples.push({ ts: ts + j, metric: `signal_${k}`, cohort, value: shape.value(k, random) });
          }
        }
        run.ingest({ releaseId: run.id, batchId: `${run.id}@${sequence}`, producer: 'bench', sequence, samples });
      }
    }
    // the look at the minute's end, timed alone (the ingestion above is not part of it)
    const at = START + (minute + 1) * MINUTE;
    // CPU time, not wall time: on a shared machine the process is descheduled while it waits.
    // V8 compiles hot code on background threads, the bench's own loops and the ingestion path
    // too: let that finish first, so none of it is counted as the look's.
    settle();
    const threads0 = threadCpuSeconds();
    const t0 = process.cpuUsage();
    for (const run of runs) looks += run.advanceTo(at).length;
    const used = process.cpuUsage(t0);
    const threads1 = threadCpuSeconds();
    // and what the look set going on those threads (compiling the look's code, the GC's
    // concurrent marking) and was still running when the look returned is the look's
    const after = settle();
    lookMs += (used.user + used.system) / 1000 + after * 1000;
    if (threads0 && threads1) {
      mainS += threads1.main - threads0.main;
      othersS += threads1.others - threads0.others + after;
    }
  }
  const perLook = (ms: number) => Math.round((ms / looks) * 1000) / 1000;
  return {
    lookMsPerRelease: perLook(lookMs),
    ...(threadCpuSeconds() ? { mainThreadMs: perLook(mainS * 1000), otherThreadsMs: perLook(othersS * 1000) } : {}),
    looks,
  };
}

function fresh(releases: number, pass: string, shape: Shape): ReleaseRun[] {
  return Array.from({ length: releases }, (_, i) =>
    ReleaseRun.fresh(
      record(`scale-${shape.key}-${pass}-${i}`, shape.kind),
      { mode: 'sequential', intervalMs: MINUTE },
      0,
    ),
  );
}

/**
 * `drive` on releases made here: when this returns they are garbage (made in the caller, its
 * frame would keep them alive through the collection that measures the first set's heap)
 */
function driveFresh(releases: number, shape: Shape, minutes: number): Looked {
  return drive(fresh(releases, 'again', shape), shape, minutes);
}

function measure(shape: Shape, releases: number, minutes: number): Measured {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  const before = process.memoryUsage();
  const runs = fresh(releases, 'first', shape);
  const first = drive(runs, shape, minutes);
  // Again on fresh releases, before the collection below: a forced full collection (gc()) throws
  // V8's compiled code away, and the pass after it paid the compiling again (its first look cost
  // as much as a fresh process's).
  const again = driveFresh(releases, shape, minutes);
  gc();
  gc();
  const after = process.memoryUsage();
  // the first releases only: the second set is garbage by now
  const held = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  if (runs.length !== releases) throw new Error('unreachable');
  return { ...first, heapKiBPerRelease: Math.round(held / releases / 1024), again };
}

/** the comma-separated shape keys of --shapes, each one of SHAPES */
function shapeKeys(list: string): string[] {
  const keys = list.split(',').map((key) => key.trim());
  const unknown = keys.filter((key) => !SHAPES.some((shape) => shape.key === key));
  if (unknown.length > 0 || keys.length === 0)
    throw new Error(
      `--shapes: unknown shape ${unknown.join(', ')}; the shapes are ${SHAPES.map((shape) => shape.key).join(', ')}`,
    );
  return keys;
}

export async function run({
  quick,
  releases,
  minutes,
  shapes,
  perMinute,
  serve,
}: {
  quick: boolean;
  releases?: number;
  minutes?: number;
  /** the keys of the shapes to run (SHAPES); all by default */
  shapes?: readonly string[];
  /** values per cohort and metric per minute of the dense shapes (default 300): what a look costs as traffic grows */
  perMinute?: number;
  serve?: Omit<ServeScaleOptions, 'releases'>;
}): Promise<Record<string, unknown>> {
  // the values of a minute go out in its 12 scrapes, an equal number in each
  if (perMinute !== undefined && !(Number.isInteger(perMinute) && perMinute >= 12 && perMinute % 12 === 0))
    throw new Error(
      `--per-minute must be a positive multiple of 12 (values per scrape × 12 scrapes), got ${perMinute}`,
    );
  if (serve) return { serve: await runServeScale({ releases: releases ?? (quick ? 500 : 5000), ...serve }) };
  if (!(globalThis as { gc?: unknown }).gc) {
    // re-run with --expose-gc: heap per release needs a full collection before and after
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        ...(quick ? ['--quick'] : []),
        ...(releases ? ['--releases', String(releases)] : []),
        ...(minutes ? ['--minutes', String(minutes)] : []),
        ...(shapes ? ['--shapes', shapes.join(',')] : []),
        ...(perMinute ? ['--per-minute', String(perMinute)] : []),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) throw new Error(`bench scale exited ${child.status}`);
    const lines = child.stdout.trimEnd().split('\n');
    for (const line of lines.slice(0, -1)) console.log(line);
    return (JSON.parse(lines.at(-1)!) as { bench: { scale: Record<string, unknown> } }).bench.scale;
  }
  const n = releases ?? (quick ? 100 : 500);
  const m = minutes ?? (quick ? 3 : 5);
  const figures: Record<string, unknown> = { releases: n, minutes: m, metricsPerRelease: METRICS };
  if (perMinute !== undefined) figures.perMinute = perMinute;
  const chosen = SHAPES.filter((s) => shapes === undefined || shapes.includes(s.key)).map((s) =>
    perMinute === undefined || s.key === 'scraped' ? s : { ...s, perMinute },
  );
  for (const shape of chosen) {
    const first = measure(shape, n, m);
    const { again } = first;
    figures[shape.key] = first;
    const threads = (r: Looked) =>
      r.mainThreadMs === undefined ? '' : ` (main thread ${r.mainThreadMs}, other threads ${r.otherThreadsMs})`;
    console.log(
      `scale, ${shape.name(shape.perMinute)}: ${n} releases × ${METRICS} metrics, ${m} looks each: look CPU time ${first.lookMsPerRelease} ms per release${threads(first)}, then ${again.lookMsPerRelease} ms on fresh releases in the same process${threads(again)}; heap after GC ${first.heapKiBPerRelease} KiB per release (JS heap + ArrayBuffers); load average ${loadavg()[0].toFixed(1)}`,
    );
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      releases: { type: 'string' },
      minutes: { type: 'string' },
      shapes: { type: 'string' },
      'per-minute': { type: 'string' },
      serve: { type: 'boolean' },
      warmup: { type: 'string' },
      window: { type: 'string' },
      threads: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'max-pending': { type: 'string' },
      interval: { type: 'string' },
    },
    strict: true,
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const quick = values.quick ?? false;
  const figures = await run({
    quick,
    releases: num(values.releases),
    minutes: num(values.minutes),
    shapes: values.shapes === undefined ? undefined : shapeKeys(values.shapes),
    perMinute: num(values['per-minute']),
    ...(values.serve
      ? {
          serve: {
            warmupS: num(values.warmup) ?? (quick ? 30 : 90),
            windowS: num(values.window) ?? (quick ? 30 : 120),
            threads: num(values.threads),
            checkpointEvery: num(values['checkpoint-every']),
            maxPendingBatches: num(values['max-pending']),
            interval: values.interval ?? '1m',
          },
        }
      : {}),
  });
  console.log(JSON.stringify({ bench: { scale: figures } }));
}
