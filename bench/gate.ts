/**
 * Load and soak of the gate (issue 10): `serve` runs as a CHILD process (PGlite in a temp dir,
 * in-memory bus) with N active releases × 20 metrics registered over HTTP; its collector scrapes
 * an exporter this process serves (20 gauges × baseline/canary, new values every scrape), so every
 * release is being analysed (one batch per release per scrape, a look every 10 s) while a SECOND
 * child process runs autocannon against `GET /api/v1/releases/{id}/verdict` (ids rotating) at a
 * steady rate. Reported: latency p50/p90/p99/max, requests served, errors, non-2xx, and the serve
 * process's heap after a forced full GC (through its inspector) at the start, every `--heap-every`
 * seconds and at the end of the load — the figure that tells a leak from garbage not yet collected —
 * and its resident memory (VmRSS from /proc/<pid>/status) every 10 s. Prints figures, then one JSON line.
 *
 *   node --import tsx bench/gate.ts [--quick] [--duration 60] [--releases 1000] [--rate 2000] [--connections 50] [--pg] [--heap-every 60] [--warmup 60] [--interval 10s]
 *   (--pg: the store in a fresh schema of the shared PostgreSQL, RH_PG_URL, instead of PGlite)
 *   (or `npm run bench -- gate` once registered in bench/run.ts; `--quick`: 10 s, 200 releases)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const READER = 'bench-reader-7d2c9a4e1f6b3805';
const OPERATOR = 'bench-operator-3e8b1c5a9d0f2746';
const METRICS = 20;

export interface GateBenchOptions {
  quick: boolean;
  durationS?: number;
  releases?: number;
  rate?: number;
  connections?: number;
  /** a PostgreSQL URL: the store goes in a fresh schema there (dropped after) instead of PGlite */
  pgUrl?: string;
  /** seconds of analysis without load before the start figures (default 60; quick: 5) */
  warmupS?: number;
  /** the engine's look interval as serve's config writes it (default 10s: six times serve's default, a stress) */
  interval?: string;
  /** seconds between heap-after-GC readings during the load (default 60; 0: start and end only) */
  heapEveryS?: number;
}

const rssBytes = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;

interface ServeChild {
  child: ChildProcess;
  url: string;
  /** the serve process's inspector (ws://…), used only to force a GC and read its heap */
  inspector: string;
}

function startServe(config: string): Promise<ServeChild> {
  // RH_BENCH_SERVE_NODE_ARGS: extra node flags for the serve child (e.g. --cpu-prof to see where its time goes)
  const nodeArgs = (process.env.RH_BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--inspect=127.0.0.1:0', join(ROOT, 'bin/release-health.js'), 'serve', '--config', config], {
    cwd: ROOT,
    env: { ...process.env, RH_TOKENS: `bench:reader:${READER},ci:operator:${OPERATOR}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((res, rej) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving on (http:\/\/\S+)/.exec(err);
      const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(err);
      if (m && inspector) res({ child, url: m[1], inspector: inspector[1] });
    });
    child.on('exit', (code) => rej(new Error(`serve exited ${code}: ${err.slice(-2000)}`)));
  });
}

/**
 * Heap after a full GC, read through the serve process's inspector (Chrome DevTools protocol:
 * `HeapProfiler.collectGarbage` twice, then `process.memoryUsage()`). RSS alone cannot tell a leak
 * from garbage the collector has not reclaimed yet; the heap after a forced GC can. A separate
 * node process speaks the protocol because node 20's WebSocket client is behind a flag.
 */
const HEAP_PROBE = `
const ws = new WebSocket(process.argv[1]);
let id = 0;
const pending = new Map();
const call = (method, params = {}) => new Promise((res, rej) => { pending.set(++id, { res, rej }); ws.send(JSON.stringify({ id, method, params })); });
ws.onmessage = (e) => { const m = JSON.parse(e.data); const p = pending.get(m.id); if (p) { pending.delete(m.id); m.error ? p.rej(new Error(m.error.message)) : p.res(m.result); } };
ws.onerror = () => { console.error('inspector connection failed'); process.exit(1); };
ws.onopen = async () => {
  await call('HeapProfiler.enable');
  await call('HeapProfiler.collectGarbage');
  await call('HeapProfiler.collectGarbage');
  const r = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
  if (process.argv[2]) {
    const { createWriteStream } = await import('node:fs');
    const file = createWriteStream(process.argv[2]);
    ws.addEventListener('message', (e) => { const m = JSON.parse(e.data); if (m.method === 'HeapProfiler.addHeapSnapshotChunk') file.write(m.params.chunk); });
    await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    await new Promise((done) => file.end(done));
  }
  process.stdout.write(r.result.value);
  ws.close();
  process.exit(0);
};
`;

interface HeapAfterGc {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

/** `snapshotFile`: also write a heap snapshot there (RH_BENCH_HEAP_SNAPSHOTS=dir; open in Chrome DevTools to compare) */
function heapAfterGc(inspector: string, snapshotFile?: string): Promise<HeapAfterGc> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', HEAP_PROBE, inspector, ...(snapshotFile ? [snapshotFile] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? res(JSON.parse(out) as HeapAfterGc) : rej(new Error(`heap probe exited ${code}`))));
  });
}

/** The load generator, in its own process so it does not share an event loop with either side. */
const LOADER = `
import autocannon from 'autocannon';
const [url, token, ids, duration, rate, connections] = JSON.parse(process.argv[1]);
let i = 0;
const started = Date.now();
const errorKinds = {};
const result = await new Promise((resolve, reject) => {
  const instance = autocannon({
    url, duration, connections, overallRate: rate, timeout: 10,
    headers: { authorization: 'Bearer ' + token },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: '/api/v1/releases/' + ids[i++ % ids.length] + '/verdict' }) }],
  }, (err, res) => (err ? reject(err) : resolve(res)));
  // what the errors were, and when (s into the load): a count alone cannot be diagnosed
  instance.on('reqError', (e) => {
    const kind = e.code ?? e.message;
    const at = Math.round((Date.now() - started) / 1000);
    const k = errorKinds[kind] ??= { count: 0, firstAtS: at, lastAtS: at };
    k.count++;
    k.lastAtS = at;
  });
});
process.stdout.write(JSON.stringify({ ...result, errorKinds }));
`;

function runLoad(args: unknown[]): Promise<Record<string, unknown>> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', LOADER, JSON.stringify(args)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? res(JSON.parse(out) as Record<string, unknown>) : rej(new Error(`autocannon exited ${code}`))));
  });
}

export async function run(o: GateBenchOptions): Promise<Record<string, unknown>> {
  const durationS = o.durationS ?? (o.quick ? 10 : 60);
  const releases = o.releases ?? (o.quick ? 200 : 1000);
  const rate = o.rate ?? 2000;
  const connections = o.connections ?? 50;
  const warmupS = o.warmupS ?? (o.quick ? 5 : 60);
  const interval = o.interval ?? '10s';
  if (!/^\d+(?:ms|s|m)$/.test(interval)) throw new Error(`--interval: a duration like 10s or 1m, got ${JSON.stringify(interval)}`);

  // the exporter every release's collector scrapes: 20 gauges for version 1 (baseline) and 2 (canary)
  let scrapes = 0;
  const exporter = createServer((_req, res) => {
    scrapes++;
    const lines: string[] = [];
    for (let k = 0; k < METRICS; k++) {
      lines.push(`# TYPE shop_signal_${k} gauge`);
      for (const v of ['1', '2']) lines.push(`shop_signal_${k}{version="${v}"} ${(100 + k + Math.random() * 10).toFixed(3)}`);
    }
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(lines.join('\n') + '\n');
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const exporterUrl = `http://127.0.0.1:${(exporter.address() as AddressInfo).port}/metrics`;

  const dir = mkdtempSync(join(tmpdir(), 'rh-bench-gate-'));
  const schema = `rh_bench_gate_${process.pid}`;
  let storeUrl = `pglite://${join(dir, 'store')}`;
  const pg = o.pgUrl ? new (await import('pg')).default.Client({ connectionString: o.pgUrl }) : undefined;
  if (pg && o.pgUrl) {
    await pg.connect();
    await pg.query(`CREATE SCHEMA ${schema}`);
    storeUrl = `${o.pgUrl}${o.pgUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  const cohorts = '{ by: label, label: version, baseline: ["{{release.baselineVersion}}"], canary: ["{{release.version}}"] }';
  const metricLines = Array.from({ length: METRICS }, (_, k) => `        - { name: shop_signal_${k}, as: signal_${k}, kind: gauge, cohorts: ${cohorts} }`);
  const config = join(dir, 'serve.yaml');
  writeFileSync(config, [
    'listen: { port: 0 }',
    `store: { url: "${storeUrl}" }`,
    `engine: { interval: ${interval}, grace: 0s }`,
    'logging: { level: warn }',
    'collector:',
    '  targets:',
    `    - name: shop`,
    `      url: ${exporterUrl}`,
    '      intervalMs: 5000',
    '      timeoutMs: 2000',
    '      metrics:',
    ...metricLines,
  ].join('\n'));

  const serve = await startServe(config);
  try {
    const spec = { metrics: Array.from({ length: METRICS }, (_, k) => ({ name: `signal_${k}`, group: 'application', kind: 'gauge', harm: 'increase', tolerance: 0.2 })) };
    const ids: string[] = [];
    const seedStart = performance.now();
    for (let i = 0; i < releases; i++) {
      const id = `bench-${i}`;
      const release = { id, service: 'shop', version: '2', baselineVersion: '1', environment: 'bench', tenant: id, strategy: 'canary', class: 'standard', startedAt: Date.now() }; // own tenant: a release of the same target supersedes the older
      const res = await fetch(`${serve.url}/api/v1/releases`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` }, body: JSON.stringify({ release, spec }) });
      if (res.status !== 201) throw new Error(`registering ${id}: ${res.status} ${await res.text()}`);
      ids.push(id);
    }
    const seedS = (performance.now() - seedStart) / 1000;
    const snapshots = process.env.RH_BENCH_HEAP_SNAPSHOTS;
    // Warm-up without load: the engine state, the batches held until each release's checkpoint
    // (up to checkpointEvery per release) and JIT code reach their working size; growth after
    // this point is what a soak must show flat.
    const heapRegistered = await heapAfterGc(serve.inspector);
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    const heapStart = await heapAfterGc(serve.inspector, snapshots && join(snapshots, 'start.heapsnapshot'));
    const rssStart = rssBytes(serve.child.pid!);
    const rssSeries: number[] = [rssStart];
    const sampler = setInterval(() => rssSeries.push(rssBytes(serve.child.pid!)), 10_000);
    // the heap after a forced GC every `heapEveryS` during the load (each one pauses serve for a
    // full collection, which shows in the latency; 0 = only at start and end)
    const heapSeries: number[] = [heapStart.heapUsed];
    const heapEveryMs = (o.heapEveryS ?? 60) * 1000;
    const heapSampler = heapEveryMs > 0 ? setInterval(() => void heapAfterGc(serve.inspector).then((h) => heapSeries.push(h.heapUsed), () => undefined), heapEveryMs) : undefined;
    const scrapesBefore = scrapes;
    const result = await runLoad([serve.url, READER, ids, durationS, rate, connections]);
    clearInterval(sampler);
    clearInterval(heapSampler);
    const rssEnd = rssBytes(serve.child.pid!);
    rssSeries.push(rssEnd);
    const heapEnd = await heapAfterGc(serve.inspector, snapshots && join(snapshots, 'end.heapsnapshot'));
    heapSeries.push(heapEnd.heapUsed);
    // growth over the second half of the series: what is left once caches, JIT code and in-flight
    // batches have reached their working size (a leak keeps growing there; warm-up does not)
    const half = heapSeries.slice(Math.floor(heapSeries.length / 2));
    const latency = result.latency as Record<string, number>;
    const requests = result.requests as Record<string, number>;
    const figures = {
      store: pg ? 'postgres' : 'pglite', interval, releases, metricsPerRelease: METRICS, durationS, targetRate: rate, connections, seedS: Math.round(seedS * 10) / 10,
      requests: requests.total, rps: Math.round(requests.average), errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, errorKinds: result.errorKinds,
      latencyMs: { p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max },
      warmupS,
      heapAfterGcMiB: { registered: mib(heapRegistered.heapUsed), start: mib(heapStart.heapUsed), end: mib(heapEnd.heapUsed), growth: mib(heapEnd.heapUsed - heapStart.heapUsed), secondHalfGrowth: mib(half[half.length - 1] - half[0]), series: heapSeries.map(mib), externalStart: mib(heapStart.external), externalEnd: mib(heapEnd.external) },
      rssMiB: { start: mib(rssStart), end: mib(rssEnd), growth: mib(rssEnd - rssStart), series: rssSeries.map(mib) },
      scrapesDuringLoad: scrapes - scrapesBefore,
    };
    console.log(`gate (${pg ? 'PostgreSQL' : 'PGlite'} store): ${releases} active releases × ${METRICS} metrics, scraped every 5 s, judged every ${interval} (seeded in ${figures.seedS} s)`);
    console.log(`  load: ${requests.total} requests in ${durationS} s (${figures.rps}/s, target ${rate}/s, ${connections} connections)`);
    console.log(`  errors ${result.errors} (timeouts included: ${result.timeouts}), non-2xx ${result.non2xx}${result.errors ? `; ${JSON.stringify(result.errorKinds)}` : ''}`);
    console.log(`  latency ms: p50 ${latency.p50}, p90 ${latency.p90}, p99 ${latency.p99}, max ${latency.max}`);
    console.log(`  serve heap after full GC MiB: ${figures.heapAfterGcMiB.registered} when registered, then ${warmupS} s of analysis without load; start ${figures.heapAfterGcMiB.start}, end ${figures.heapAfterGcMiB.end} (growth ${figures.heapAfterGcMiB.growth}, over the second half ${figures.heapAfterGcMiB.secondHalfGrowth}); every ${o.heapEveryS ?? 60} s: ${figures.heapAfterGcMiB.series.join(' ')}; external ${figures.heapAfterGcMiB.externalStart} → ${figures.heapAfterGcMiB.externalEnd}`);
    console.log(`  serve RSS MiB: start ${figures.rssMiB.start}, end ${figures.rssMiB.end} (growth ${figures.rssMiB.growth}); every 10 s: ${figures.rssMiB.series.join(' ')}`);
    return figures;
  } finally {
    serve.child.kill('SIGTERM');
    await new Promise((r) => (serve.child.exitCode !== null ? r(undefined) : serve.child.once('exit', r)));
    exporter.close();
    rmSync(dir, { recursive: true, force: true });
    if (pg) {
      await pg.query(`DROP SCHEMA ${schema} CASCADE`);
      await pg.end();
    }
  }
}

/** `--pg`: the shared test PostgreSQL of scripts/services/start.sh (RH_PG_URL or .cache/services/env). */
function pgUrlFromEnv(): string {
  if (process.env.RH_PG_URL) return process.env.RH_PG_URL;
  const env = readFileSync(join(ROOT, '.cache/services/env'), 'utf8');
  const url = /RH_PG_URL=(\S+)/.exec(env)?.[1];
  if (!url) throw new Error('--pg: RH_PG_URL is not set (run scripts/services/start.sh)');
  return url;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, pg: { type: 'boolean' }, duration: { type: 'string' }, releases: { type: 'string' }, rate: { type: 'string' }, connections: { type: 'string' }, 'heap-every': { type: 'string' }, warmup: { type: 'string' }, interval: { type: 'string' } },
    strict: true,
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const figures = await run({ quick: values.quick ?? false, durationS: num(values.duration), releases: num(values.releases), rate: num(values.rate), connections: num(values.connections), heapEveryS: num(values['heap-every']), warmupS: num(values.warmup), interval: values.interval, pgUrl: values.pg ? pgUrlFromEnv() : undefined });
  console.log(JSON.stringify({ bench: { gate: figures } }));
}
