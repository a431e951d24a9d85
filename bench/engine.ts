import { loadavg } from 'node:os';
import { ReleaseEngine, type Sample } from '../analyzer/index.ts';
import { benchSpec } from './analyze.ts';
import { lognormal, seeded } from './timing.ts';

/**
 * Sequential engine on pre-parsed batches (target: ≥ 5,000,000 samples/s
 * on one core) and its state size per (release, metric, cohort), which must not grow with the
 * number of samples (target ≤ 16 KB). The rate is given from wall time (best of three runs) and
 * from the process's CPU time (best of the same runs): on a shared machine the process waits for
 * a core part of the wall time, which the CPU time leaves out (it counts the GC's helper threads,
 * so it errs slow, not fast). The load average is printed with them.
 */
export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const perMinute = quick ? 20_000 : 100_000;
  const minutes = 30;
  const random = seeded(11);
  const start = benchSpec.release.startedAt;
  const batches: Sample[][] = [];
  for (let m = 0; m < minutes; m++) {
    const batch: Sample[] = [];
    for (let i = 0; i < perMinute; i++) {
      batch.push({
        ts: start + m * 60_000 + i,
        metric: 'checkout_latency_seconds',
        cohort: random() < 0.25 ? 'canary' : 'baseline',
        value: lognormal(random, 0.35, 0.6),
      });
    }
    batches.push(batch);
  }
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let engine: ReleaseEngine | undefined;
  for (let rep = 0; rep < 3; rep++) {
    engine = new ReleaseEngine(benchSpec, { mode: 'sequential', intervalMs: 60_000 });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let m = 0; m < minutes; m++) {
      engine.advanceTo(start + m * 60_000);
      for (const sample of batches[m]) engine.ingest(sample);
    }
    engine.advanceTo(start + minutes * 60_000);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    const cpu = process.cpuUsage(cpu0);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
  }
  const samples = perMinute * minutes;
  const rate = Math.round(samples / best);
  const cpuRate = Math.round(samples / bestCpu);
  const load = loadavg()[0];
  const snapshot = engine!.snapshot();
  const perJudge = snapshot.judges.map((j) => Buffer.byteLength(JSON.stringify(j)));
  const maxPerCohort = Math.max(...perJudge) / 2;
  console.log(
    `sequential engine: ${samples.toLocaleString('en-US')} pre-parsed samples in ${best.toFixed(3)} s = ${rate.toLocaleString('en-US')} samples/s (incl. ${minutes} looks); CPU time ${bestCpu.toFixed(3)} s = ${cpuRate.toLocaleString('en-US')} samples/s; load average ${load.toFixed(1)}`,
  );
  console.log(
    `state: ${perJudge.map((b) => `${(b / 1024).toFixed(1)} KB`).join(', ')} per metric; ≤ ${(maxPerCohort / 1024).toFixed(1)} KB per (metric, cohort)`,
  );
  return {
    samples,
    samplesPerSecond: rate,
    cpuSamplesPerSecond: cpuRate,
    loadAverage: Math.round(load * 10) / 10,
    stateBytesPerMetric: perJudge,
    maxStateBytesPerMetricCohort: Math.round(maxPerCohort),
  };
}
