/**
 * `bench/scale.ts --serve`: thousands of releases in one real `serve` process (role `all`, started
 * as a CHILD process: PGlite in a temp dir, the in-memory bus), written into its store before it
 * starts (it resumes them), every release scraping an exporter this process serves (20 gauges ×
 * baseline/canary, new values every 5-s scrape), no HTTP load. After `warmupS` it reads the
 * analysis's own metrics (engine.metricsPort) at the start and end of a `windowS` window: looks
 * taken, how late each started after its scheduled time (p50/p99/max over the last 10,000 looks,
 * so a window of at least 10,000 looks holds only looks of the window), checkpoints, batches; the
 * serve process's CPU over the window (/proc/<pid>/stat, in cores), its heap after a full GC summed
 * over every thread (through its inspector) and its RSS, and the load average of the shared
 * machine around the window. Prints figures; scale.ts prints the JSON line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analysisMetrics,
  benchRelease,
  freePort,
  heapAfterGc,
  mib,
  rssBytes,
  startServe,
  startSignalExporter,
} from './gate.ts';
import { openStore } from '../store/index.ts';
import { DURATION_EXAMPLES, durationToMs } from '../analyzer/duration.ts';

const METRICS = 20;

export interface ServeScaleOptions {
  releases: number;
  warmupS: number;
  windowS: number;
  /** serve's `engine.analysisThreads` (judge threads); default: serve's own default */
  threads?: number;
  /** serve's `engine.checkpointEvery`; default: serve's own */
  checkpointEvery?: number;
  /** the look interval, e.g. 1m */
  interval: string;
  /** the in-memory bus's `maxPendingBatches` (the pipeline holds at most half as many acks); default: the bus's */
  maxPendingBatches?: number;
}

/** user + system CPU of a process so far, in seconds (/proc/<pid>/stat, clock ticks of 1/100 s) */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function runServeScale(o: ServeScaleOptions): Promise<Record<string, unknown>> {
  // serve reads it with the shared grammar; refused here as it would be there
  const intervalMs = durationToMs(o.interval);
  if (intervalMs === undefined)
    throw new Error(`--interval: a duration such as ${DURATION_EXAMPLES}, got ${JSON.stringify(o.interval)}`);
  const { server: exporter, url: exporterUrl } = await startSignalExporter();
  const dir = mkdtempSync(join(tmpdir(), 'rh-bench-scale-'));
  const storeUrl = `pglite://${join(dir, 'store')}`;
  const cohorts =
    '{ by: label, label: version, baseline: ["{{release.baselineVersion}}"], canary: ["{{release.version}}"] }';
  const metricsPort = await freePort();
  const engine = [
    `interval: ${o.interval}`,
    'grace: 0s',
    `metricsPort: ${metricsPort}`,
    ...(o.threads !== undefined ? [`analysisThreads: ${o.threads}`] : []),
    ...(o.checkpointEvery !== undefined ? [`checkpointEvery: ${o.checkpointEvery}`] : []),
  ];
  const config = join(dir, 'serve.yaml');
  writeFileSync(
    config,
    [
      'listen: { port: 0 }',
      `store: { url: "${storeUrl}" }`,
      ...(o.maxPendingBatches !== undefined
        ? [`bus: { kind: memory, maxPendingBatches: ${o.maxPendingBatches} }`]
        : []),
      `engine: { ${engine.join(', ')} }`,
      'logging: { level: warn }',
      'collector:',
      '  targets:',
      '    - name: shop',
      `      url: ${exporterUrl}`,
      '      intervalMs: 5000',
      '      timeoutMs: 2000',
      '      metrics:',
      ...Array.from(
        { length: METRICS },
        (_, k) => `        - { name: shop_signal_${k}, as: signal_${k}, kind: gauge, cohorts: ${cohorts} }`,
      ),
    ].join('\n'),
  );
  const metrics = Array.from({ length: METRICS }, (_, k) => ({
    name: `signal_${k}`,
    group: 'application',
    kind: 'gauge',
    harm: 'increase',
    tolerance: 0.2,
  }));
  const seedStart = performance.now();
  const store = await openStore(storeUrl);
  try {
    await store.migrate();
    const now = Date.now();
    for (let i = 0; i < o.releases; i++) {
      const id = `scale-${i}`;
      // one wave: every release starts together, so their look boundaries coincide (the spread's case)
      const release = benchRelease(id, now);
      await store.createRelease(
        { release, spec: { release, metrics }, status: 'active', registeredAt: now, registeredBy: 'bench' } as never,
        { at: now, actor: 'bench', action: 'release.register', releaseId: id },
      );
    }
  } finally {
    await store.close();
  }
  const seedS = (performance.now() - seedStart) / 1000;
  const serve = await startServe(config);
  try {
    const pid = serve.child.pid!;
    const startedAt = performance.now();
    await new Promise((r) => setTimeout(r, o.warmupS * 1000));
    const loadStart = loadavg();
    const before = await analysisMetrics(metricsPort);
    const cpuBefore = cpuSeconds(pid);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, o.windowS * 1000));
    const after = await analysisMetrics(metricsPort);
    const cpuUsed = cpuSeconds(pid) - cpuBefore;
    const windowS = (performance.now() - t0) / 1000;
    const loadEnd = loadavg();
    const rss = rssBytes(pid);
    const heap = await heapAfterGc(serve.inspector);
    const looks = after.looks - before.looks;
    const figures = {
      releases: o.releases,
      metricsPerRelease: METRICS,
      interval: o.interval,
      scrapeEveryS: 5,
      analysisThreads: o.threads ?? 'default',
      checkpointEvery: o.checkpointEvery ?? 'default',
      maxPendingBatches: o.maxPendingBatches ?? 'default',
      cores: cpus().length,
      seedS: round(seedS, 1),
      warmupS: round((t0 - startedAt) / 1000, 1),
      windowS: round(windowS, 1),
      looks,
      looksPerSecond: round(looks / windowS, 1),
      /** releases × windowS / interval: the looks the window should hold if every look is taken */
      looksDue: Math.round((o.releases * windowS * 1000) / intervalMs),
      lagMs: { p50: after.lagP50, p99: after.lagP99, max: after.lagMax, overLastLooks: Math.min(10_000, after.looks) },
      lagWindowOnly: looks >= 10_000,
      checkpoints: after.checkpoints - before.checkpoints,
      serveCpuCores: round(cpuUsed / windowS),
      heapAfterGcMiB: mib(heap.heapUsed),
      heapThreads: heap.threads,
      heapKiBPerRelease: Math.round(heap.heapUsed / o.releases / 1024),
      externalMiB: mib(heap.external),
      rssMiB: mib(rss),
      loadAverage: { start: loadStart.map((x) => round(x)), end: loadEnd.map((x) => round(x)) },
    };
    console.log(
      `scale, serve (role all, PGlite, in-memory bus): ${o.releases} releases × ${METRICS} metrics, scraped every 5 s, a look every ${o.interval}; analysis threads ${figures.analysisThreads}, checkpointEvery ${figures.checkpointEvery}, bus maxPendingBatches ${figures.maxPendingBatches} (seeded in ${figures.seedS} s, warm-up ${figures.warmupS} s)`,
    );
    console.log(
      `  window ${figures.windowS} s: ${looks} looks (${figures.looksPerSecond}/s, ${figures.looksDue} due); look lag ms p50 ${after.lagP50}, p99 ${after.lagP99}, max ${after.lagMax} (over the last ${figures.lagMs.overLastLooks} looks${figures.lagWindowOnly ? ', all in the window' : ', some before the window'}); checkpoints ${figures.checkpoints}`,
    );
    console.log(
      `  serve CPU ${figures.serveCpuCores} cores of ${figures.cores}; heap after full GC ${figures.heapAfterGcMiB} MiB over ${heap.threads} threads (${figures.heapKiBPerRelease} KiB per release), external ${figures.externalMiB} MiB, RSS ${figures.rssMiB} MiB`,
    );
    console.log(
      `  load average (1/5/15 min): window start ${figures.loadAverage.start.join(' ')}, end ${figures.loadAverage.end.join(' ')}`,
    );
    return figures;
  } finally {
    serve.child.kill('SIGTERM');
    await new Promise((r) => (serve.child.exitCode !== null ? r(undefined) : serve.child.once('exit', r)));
    exporter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
