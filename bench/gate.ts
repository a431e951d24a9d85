/**
 * Load and soak of the gate: `serve` runs as a CHILD process (PGlite in a temp dir,
 * in-memory bus) with N active releases × 20 metrics registered over HTTP; its collector scrapes
 * an exporter this process serves (20 gauges × baseline/canary, new values every scrape), so every
 * release is being analysed (one batch per release per scrape, a look every 10 s) while a SECOND
 * child process sends `GET /api/v1/releases/{id}/verdict` (ids rotating) at an evenly paced, open-loop
 * rate (bench/openLoop.ts: latency from each request's scheduled time, so stalls are not hidden),
 * with `/healthz` at 10/s alongside. In the same run, in slices of `--slice` seconds alternating
 * with serve's (so both are measured under the same machine load), the same loader measures a
 * plain node:http server answering the same verdict body while serve keeps analysing: the
 * reference serve's p99 is compared to. The load starts once every release has had its first look
 * (`waitForFirstLooks`), so it reads engine verdicts, not the warming-up placeholder. Both are
 * measured after `--load-warmup` seconds of the same load (serve's first second under load runs
 * its HTTP path cold), reported on a line of its own. Reported: latency p50/p90/p99/p99.9/max for both, the
 * p99 ratio, /healthz latency, requests served, errors, non-2xx, and the serve
 * process's heap after a forced full GC (through its inspector) at the start, every `--heap-every`
 * seconds and at the end of the load — the figure that tells a leak from garbage not yet collected —
 * and its resident memory (VmRSS from /proc/<pid>/status) every 10 s. Prints figures, then one JSON line.
 *
 *   node --import tsx bench/gate.ts [--quick] [--duration 60] [--releases 1000] [--rate 2000] [--connections 50] [--pg] [--heap-every 60] [--warmup 60] [--load-warmup 5] [--interval 10s] [--reference-duration 60] [--slice 2] [--threads 1] [--analysis-nice 10] [--look-spread 1m]
 *   (--pg: the store in a fresh schema of the shared PostgreSQL, RH_PG_URL, instead of PGlite)
 *   (--seed-store: the releases written into the store before serve starts, which resumes them,
 *   instead of registered over HTTP one by one: seeding 5,000 through the API takes minutes)
 *   (or `npm run bench -- gate` once registered in bench/run.ts; `--quick`: 10 s, 200 releases)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { benchNodeFlags } from './imageFlags.ts';
import { runOpenLoop, type OpenLoopResult } from './openLoop.ts';
import { DURATION_EXAMPLES, durationToMs } from '../analyzer/duration.ts';
import { WARMING_UP_REASON } from '../gate/verdicts.ts';

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
  /**
   * seconds of the same load on both servers before the measured one, reported apart (default 5;
   * quick: 2; 0: none): serve's first second under load runs its HTTP path cold
   */
  loadWarmupS?: number;
  /** the engine's look interval as serve's config writes it (default 10s: six times serve's default, a stress) */
  interval?: string;
  /** serve's `engine.analysisThreads` (default: serve's default, 1; 0 runs the judges on the HTTP loop) */
  analysisThreads?: number;
  /** serve's `engine.analysisNice` (default: serve's, 10; 0: the analysis competes with the HTTP thread as an equal) */
  analysisNice?: number;
  /** serve's `engine.lookSpread`, e.g. 0ms (every look as soon as due) or 1m (default: serve's, the interval) */
  lookSpread?: string;
  /** seconds the reference node:http server is loaded, in slices alternating with serve's (default: the duration) */
  referenceS?: number;
  /** length of each alternating slice of serve's and the reference's load, seconds (default 2) */
  sliceS?: number;
  /** write the releases into the store before serve starts (serve resumes them) instead of registering them over HTTP */
  seedStore?: boolean;
  /** seconds between heap-after-GC readings during the load (default 60; 0: start and end only) */
  heapEveryS?: number;
}

export const rssBytes = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
export const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;

/**
 * serve, the reference and the loader each run in a session of their own (setsid). Linux's
 * autogroup scheduling (on by default on desktop and server kernels) shares the CPU between
 * sessions first and between a session's threads second: in one session with this process, the
 * analysis threads of serve starved the loader and the reference (runs where even the reference
 * answered 10 % of its requests). Apart, each is a machine's tenant as a pod is: serve's HTTP
 * thread shares serve's share with serve's own analysis, the reference has a share to itself.
 */
const ownSession = { detached: true } as const;
/**
 * A child in its own session does not get the terminal's signals: it is killed when this process
 * exits, and Ctrl-C or a SIGTERM here exits through the 'exit' handlers.
 */
function killAtExit(child: ChildProcess): void {
  const stop = () => child.kill('SIGKILL');
  process.once('exit', stop);
  child.once('exit', () => process.off('exit', stop));
  if (!exitOnSignals) {
    exitOnSignals = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  }
}
let exitOnSignals = false;

/** nice value of each of a process's threads, from /proc (serve's analysis threads lower theirs) */
function threadNice(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  } catch {
    return [];
  }
}

export interface ServeChild {
  child: ChildProcess;
  url: string;
  /** the serve process's inspector (ws://…), used only to force a GC and read its heap */
  inspector: string;
}

/**
 * The serve child's node flags: the image's (RH_BENCH_IMAGE_FLAGS=0 leaves them out, to compare),
 * then RH_BENCH_SERVE_NODE_ARGS (e.g. --cpu-prof to see where its time goes).
 */
const serveNodeFlags = (): string[] => benchNodeFlags(process.env.RH_BENCH_SERVE_NODE_ARGS);

export function startServe(config: string): Promise<ServeChild> {
  const nodeArgs = serveNodeFlags();
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--inspect=127.0.0.1:0', join(ROOT, 'bin/release-health.js'), 'serve', '--config', config],
    {
      cwd: ROOT,
      env: { ...process.env, RH_TOKENS: `bench:reader:${READER},ci:operator:${OPERATOR}` },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...ownSession,
    },
  );
  killAtExit(child);
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
// one protocol session per isolate: the main thread's over the socket, each worker's (and each
// nested worker's) through NodeWorker.sendMessageToWorker of its parent session
function session(send) {
  let id = 0;
  const pending = new Map();
  const children = new Map();
  const self = {
    children,
    call(method, params = {}) {
      return new Promise((res, rej) => { pending.set(++id, { res, rej }); send(JSON.stringify({ id, method, params })); });
    },
    receive(m) {
      if (m.id !== undefined) {
        const p = pending.get(m.id);
        if (p) { pending.delete(m.id); m.error ? p.rej(new Error(m.error.message)) : p.res(m.result); }
      } else if (m.method === 'NodeWorker.attachedToWorker') {
        const sessionId = m.params.sessionId;
        children.set(sessionId, session((message) => void self.call('NodeWorker.sendMessageToWorker', { sessionId, message })));
      } else if (m.method === 'NodeWorker.receivedMessageFromWorker') {
        children.get(m.params.sessionId)?.receive(JSON.parse(m.params.message));
      }
      if (self.onEvent) self.onEvent(m);
    },
  };
  return self;
}
const main = session((text) => ws.send(text));
ws.onmessage = (e) => main.receive(JSON.parse(e.data));
ws.onerror = () => { console.error('inspector connection failed'); process.exit(1); };
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
// heap after two full collections in this isolate and every worker under it
async function heapOf(s) {
  await s.call('NodeWorker.enable', { waitForDebuggerOnStart: false }).catch(() => undefined);
  await wait(300); // attachedToWorker events for the running workers
  const threads = [];
  for (const child of s.children.values()) threads.push(...(await heapOf(child)));
  await s.call('HeapProfiler.enable');
  await s.call('HeapProfiler.collectGarbage');
  await s.call('HeapProfiler.collectGarbage');
  const r = await s.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
  await s.call('NodeWorker.disable').catch(() => undefined);
  return [JSON.parse(r.result.value), ...threads];
}
ws.onopen = async () => {
  const threads = await heapOf(main);
  const total = { ...threads[0], heapUsed: 0, heapTotal: 0, external: 0, threads: threads.length, mainHeapUsed: threads[0].heapUsed };
  for (const t of threads) { total.heapUsed += t.heapUsed; total.heapTotal += t.heapTotal; total.external += t.external; }
  if (process.argv[2]) {
    const { createWriteStream } = await import('node:fs');
    const file = createWriteStream(process.argv[2]);
    main.onEvent = (m) => { if (m.method === 'HeapProfiler.addHeapSnapshotChunk') file.write(m.params.chunk); };
    await main.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    await new Promise((done) => file.end(done));
  }
  process.stdout.write(JSON.stringify(total));
  ws.close();
  process.exit(0);
};
`;

/** Summed over the main thread and every worker thread (the analysis thread, the judges' threads). */
export interface HeapAfterGc {
  heapUsed: number;
  /** the main (HTTP) thread's share */
  mainHeapUsed: number;
  threads: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

/** `snapshotFile`: also write a heap snapshot there (RH_BENCH_HEAP_SNAPSHOTS=dir; open in Chrome DevTools to compare) */
export function heapAfterGc(inspector: string, snapshotFile?: string): Promise<HeapAfterGc> {
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      [
        '--experimental-websocket',
        '--no-warnings',
        '-e',
        HEAP_PROBE,
        inspector,
        ...(snapshotFile ? [snapshotFile] : []),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? res(JSON.parse(out) as HeapAfterGc) : rej(new Error(`heap probe exited ${code}`)),
    );
  });
}

/**
 * The reference: a plain node:http server in its own process answering one cached body (the
 * verdict body serve returned) with the same content type. Measured by the same loader in the
 * same run, while serve keeps analysing in the background: the floor this machine, this loader
 * and this rate allow, against which serve's latency is judged.
 */
const REFERENCE = `
const { createServer } = require('node:http');
const body = Buffer.from(process.argv[1]);
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
`;

function startReference(body: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', REFERENCE, body], {
    stdio: ['ignore', 'pipe', 'inherit'],
    ...ownSession,
  });
  killAtExit(child);
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) res({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => rej(new Error(`reference server exited ${code}`)));
  });
}

/**
 * The exporter every release's collector scrapes in the scale benches: METRICS gauges for version 1
 * (baseline) and 2 (canary), new values at each scrape, so every look has fresh samples to judge.
 */
export async function startSignalExporter(onScrape: () => void = () => {}): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    onScrape();
    const lines: string[] = [];
    for (let k = 0; k < METRICS; k++) {
      lines.push(`# TYPE shop_signal_${k} gauge`);
      for (const v of ['1', '2'])
        lines.push(`shop_signal_${k}{version="${v}"} ${(100 + k + Math.random() * 10).toFixed(3)}`);
    }
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(lines.join('\n') + '\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` };
}

/** A bench release; its own tenant each, since a release of the same target supersedes the older. */
export const benchRelease = (id: string, startedAt: number) => ({
  id,
  service: 'shop',
  version: '2',
  baselineVersion: '1',
  environment: 'bench',
  tenant: id,
  strategy: 'canary',
  class: 'standard',
  startedAt,
});

/** A port free right now (bound on 127.0.0.1, then released). */
export function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((res) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => res(port));
    }),
  );
}

/** The analysis's counters from its metrics endpoint (engine.metricsPort). */
export async function analysisMetrics(
  port: number,
): Promise<{ looks: number; checkpoints: number; lagP50: number; lagP99: number; lagMax: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  return {
    looks: read(/^release_health_worker_looks_total(?:\{[^}]*\})? (\S+)/m),
    checkpoints: read(/^release_health_worker_checkpoints_total(?:\{[^}]*\})? (\S+)/m),
    lagP50: read(/^release_health_worker_look_lag_ms\{[^}]*quantile="0.5"[^}]*\} (\S+)/m),
    lagP99: read(/^release_health_worker_look_lag_ms\{[^}]*quantile="0.99"[^}]*\} (\S+)/m),
    lagMax: read(/^release_health_worker_look_lag_ms\{[^}]*quantile="1"[^}]*\} (\S+)/m),
  };
}

/**
 * Waits until no release answers the warming-up placeholder (`continue` before its first look) —
 * the verdicts the load then reads are the engine's, the size and shape a controller polls, not
 * the short placeholder — reading every verdict once per round (a round a second), 16 at a time,
 * with a progress line every fifth round on stderr. Returns the seconds waited; throws naming how many never got a look within
 * `timeoutMs` (the analysis cannot keep up, and every figure after would measure placeholders).
 */
export async function waitForFirstLooks(
  url: string,
  paths: readonly string[],
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  let waiting = paths.slice();
  for (let round = 0; ; round++) {
    const still: string[] = [];
    for (let i = 0; i < waiting.length; i += 16) {
      await Promise.all(
        waiting.slice(i, i + 16).map(async (path) => {
          const res = await fetch(`${url}${path}`, { headers });
          if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
          const verdict = (await res.json()) as { reasons?: string[] };
          if (verdict.reasons?.[0]?.startsWith(WARMING_UP_REASON)) still.push(path);
        }),
      );
    }
    waiting = still;
    const waitedMs = performance.now() - started;
    if (waiting.length === 0) return Math.round(waitedMs / 100) / 10;
    if (waitedMs > timeoutMs)
      throw new Error(
        `${waiting.length} of ${paths.length} releases had no look after ${Math.round(waitedMs / 1000)} s (e.g. ${waiting[0]}): the analysis is not keeping up`,
      );
    if (round % 5 === 0)
      console.error(
        `gate bench: ${paths.length - waiting.length}/${paths.length} releases looked at, waiting for the rest`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function run(o: GateBenchOptions): Promise<Record<string, unknown>> {
  const durationS = o.durationS ?? (o.quick ? 10 : 60);
  const releases = o.releases ?? (o.quick ? 200 : 1000);
  const rate = o.rate ?? 2000;
  const connections = o.connections ?? 50;
  const warmupS = o.warmupS ?? (o.quick ? 5 : 60);
  const loadWarmupS = o.loadWarmupS ?? (o.quick ? 2 : 5);
  if (!(Number.isFinite(loadWarmupS) && loadWarmupS >= 0))
    throw new Error(`--load-warmup: seconds >= 0, got ${loadWarmupS}`);
  const referenceS = o.referenceS ?? durationS;
  const sliceS = o.sliceS ?? 2;
  const interval = o.interval ?? '10s';
  for (const [name, value] of [
    ['--interval', interval],
    ['--look-spread', o.lookSpread ?? '0s'],
  ]) {
    // the serve config reads it with the shared grammar; refuse here what it would refuse there
    if (durationToMs(value) === undefined)
      throw new Error(`${name}: a duration such as ${DURATION_EXAMPLES}, got ${JSON.stringify(value)}`);
  }

  let scrapes = 0;
  const { server: exporter, url: exporterUrl } = await startSignalExporter(() => scrapes++);

  const dir = mkdtempSync(join(tmpdir(), 'rh-bench-gate-'));
  const schema = `rh_bench_gate_${process.pid}`;
  let storeUrl = `pglite://${join(dir, 'store')}`;
  const pg = o.pgUrl ? new (await import('pg')).default.Client({ connectionString: o.pgUrl }) : undefined;
  if (pg && o.pgUrl) {
    await pg.connect();
    await pg.query(`CREATE SCHEMA ${schema}`);
    const { postgresUrlInSchema } = await import('../store/index.ts');
    storeUrl = postgresUrlInSchema(o.pgUrl, schema);
  }
  const cohorts =
    '{ by: label, label: version, baseline: ["{{release.baselineVersion}}"], canary: ["{{release.version}}"] }';
  const metricLines = Array.from(
    { length: METRICS },
    (_, k) => `        - { name: shop_signal_${k}, as: signal_${k}, kind: gauge, cohorts: ${cohorts} }`,
  );
  const config = join(dir, 'serve.yaml');
  // the analysis's own metrics (look lag, looks, checkpoints), on a port picked here
  const analysisMetricsPort = await freePort();
  writeFileSync(
    config,
    [
      'listen: { port: 0 }',
      `store: { url: "${storeUrl}" }`,
      `engine: { interval: ${interval}, grace: 0s, metricsPort: ${analysisMetricsPort}${o.analysisThreads !== undefined ? `, analysisThreads: ${o.analysisThreads}` : ''}${o.analysisNice !== undefined ? `, analysisNice: ${o.analysisNice}` : ''}${o.lookSpread !== undefined ? `, lookSpread: ${o.lookSpread}` : ''} }`,
      'logging: { level: warn }',
      'collector:',
      '  targets:',
      `    - name: shop`,
      `      url: ${exporterUrl}`,
      '      intervalMs: 5000',
      '      timeoutMs: 2000',
      '      metrics:',
      ...metricLines,
    ].join('\n'),
  );

  const spec = {
    metrics: Array.from({ length: METRICS }, (_, k) => ({
      name: `signal_${k}`,
      group: 'application',
      kind: 'gauge',
      harm: 'increase',
      tolerance: 0.2,
    })),
  };
  const ids = Array.from({ length: releases }, (_, i) => `bench-${i}`);
  const seedStart = performance.now();
  if (o.seedStore) {
    // written into the store before serve starts, which resumes them as active releases: thousands
    // of registrations over HTTP take minutes on a loaded machine and measure registration, not this
    const { openStore } = await import('../store/index.ts');
    const store = await openStore(storeUrl);
    try {
      await store.migrate();
      const now = Date.now();
      for (const id of ids) {
        const release = benchRelease(id, now);
        await store.createRelease(
          { release, spec: { release, ...spec }, status: 'active', registeredAt: now, registeredBy: 'bench' } as never,
          { at: now, actor: 'bench', action: 'release.register', releaseId: id },
        );
      }
    } finally {
      await store.close();
    }
  }
  const serve = await startServe(config);
  try {
    for (const id of o.seedStore ? [] : ids) {
      const release = benchRelease(id, Date.now());
      const register = () =>
        fetch(`${serve.url}/api/v1/releases`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` },
          body: JSON.stringify({ release, spec }),
        });
      // a reused keep-alive socket the server closed meanwhile resets once; a second try on a fresh
      // one tells that apart from a real failure (409: the first try did register it)
      const res = await register().catch(() => register());
      if (res.status !== 201 && res.status !== 409)
        throw new Error(`registering ${id}: ${res.status} ${await res.text()}`);
    }
    const seedS = (performance.now() - seedStart) / 1000;
    const snapshots = process.env.RH_BENCH_HEAP_SNAPSHOTS;
    // Warm-up without load: the engine state, the batches held until each release's checkpoint
    // (up to checkpointEvery per release) and JIT code reach their working size; growth after
    // this point is what a soak must show flat.
    const heapRegistered = await heapAfterGc(serve.inspector);
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    const headers = { authorization: `Bearer ${READER}` };
    const paths = ids.map((id) => `/api/v1/releases/${id}/verdict`);
    // every release judged at least once before the figures start (see waitForFirstLooks): a
    // spread of looks longer than the warm-up would otherwise leave part of the load on placeholders
    const firstLooksWaitS = await waitForFirstLooks(
      serve.url,
      paths,
      headers,
      Math.max(60_000, 3 * (durationToMs(interval) ?? 0) + (durationToMs(o.lookSpread ?? '0s') ?? 0)),
    );
    const heapStart = await heapAfterGc(serve.inspector, snapshots && join(snapshots, 'start.heapsnapshot'));
    const rssStart = rssBytes(serve.child.pid!);
    const rssSeries: number[] = [rssStart];
    const sampler = setInterval(() => rssSeries.push(rssBytes(serve.child.pid!)), 10_000);
    // the heap after a forced GC every `heapEveryS` during the load (each one pauses serve for a
    // full collection, which shows in the latency; 0 = only at start and end)
    const heapSeries: number[] = [heapStart.heapUsed];
    const heapEveryMs = (o.heapEveryS ?? 60) * 1000;
    const heapSampler =
      heapEveryMs > 0
        ? setInterval(
            () =>
              void heapAfterGc(serve.inspector).then(
                (h) => heapSeries.push(h.heapUsed),
                () => undefined,
              ),
            heapEveryMs,
          )
        : undefined;
    // the reference in the same run, in slices alternating with serve's (bench/openLoop.ts): the
    // same loader, rate, connections and body, under the same machine load minute by minute
    const sampleBody = await (await fetch(`${serve.url}${paths[0]}`, { headers })).text();
    const reference = await startReference(sampleBody);
    // The first second of load on a fresh serve runs its HTTP path cold: an event-loop probe on
    // serve's main thread saw ~30 blocks of 10–40 ms in the first second at 2,000/s, then a few
    // per minute, and that one second held up to 4 % of a 30-s run's requests. A deployment pays
    // it once per process start; the targets are about the steady state. So the same load runs on
    // both servers first, and is reported apart, not dropped.
    let warmLoad: OpenLoopResult | undefined;
    if (loadWarmupS > 0) {
      try {
        warmLoad = await runOpenLoop({
          url: serve.url,
          paths,
          rate,
          durationS: loadWarmupS,
          connections,
          headers,
          reference: { url: reference.url, durationS: loadWarmupS, sliceS },
        });
      } catch (error) {
        reference.child.kill('SIGTERM');
        throw error;
      }
    }
    const load: Record<string, number[]> = { start: loadavg() };
    const analysisBefore = await analysisMetrics(analysisMetricsPort);
    const scrapesBefore = scrapes;
    let result: OpenLoopResult;
    try {
      result = await runOpenLoop({
        url: serve.url,
        paths,
        rate,
        durationS,
        connections,
        headers,
        probe: { path: '/healthz', rate: 10 },
        reference: { url: reference.url, durationS: referenceS, sliceS },
      });
    } finally {
      reference.child.kill('SIGTERM');
    }
    const ref = result.reference!;
    load.end = loadavg();
    const analysisAfter = await analysisMetrics(analysisMetricsPort);
    clearInterval(sampler);
    clearInterval(heapSampler);
    const rssEnd = rssBytes(serve.child.pid!);
    // the witness that the analysis threads run below the HTTP thread (main thread first)
    const serveThreadNice = threadNice(serve.child.pid!);
    rssSeries.push(rssEnd);
    const heapEnd = await heapAfterGc(serve.inspector, snapshots && join(snapshots, 'end.heapsnapshot'));
    heapSeries.push(heapEnd.heapUsed);
    // growth over the second half of the series: what is left once caches, JIT code and in-flight
    // batches have reached their working size (a leak keeps growing there; warm-up does not)
    const half = heapSeries.slice(Math.floor(heapSeries.length / 2));
    // null when either p99 is a failure (JSON has no Infinity)
    const p99Ratio = Number.isFinite(result.latencyMs.p99 / ref.latencyMs.p99)
      ? Math.round((result.latencyMs.p99 / ref.latencyMs.p99) * 100) / 100
      : null;
    const figures = {
      store: pg ? 'postgres' : 'pglite',
      interval,
      analysisThreads: o.analysisThreads ?? 'default (1)',
      analysisNice: o.analysisNice ?? 'default (10)',
      /** how many of serve's threads run at each nice value (its main thread, V8's and libuv's at 0) */
      serveThreadsByNice: Object.fromEntries(
        [...new Set(serveThreadNice)].map((nice) => [nice, serveThreadNice.filter((n) => n === nice).length]),
      ),
      lookSpread: o.lookSpread ?? 'default (the interval)',
      /** the node flags serve ran with: the image's (Dockerfile), then RH_BENCH_SERVE_NODE_ARGS */
      serveNodeFlags: serveNodeFlags(),
      releases,
      metricsPerRelease: METRICS,
      durationS,
      referenceS,
      targetRate: rate,
      connections,
      seedS: Math.round(seedS * 10) / 10,
      loader: "open-loop, evenly paced, latency from each request's scheduled time",
      requests: result.scheduled,
      completed: result.completed,
      rps: result.rps,
      errors: result.errors,
      non2xx: result.non2xx,
      errorKinds: result.errorKinds,
      latencyMs: result.latencyMs,
      referenceLatencyMs: ref.latencyMs,
      referenceErrors: ref.errors + ref.non2xx,
      p99VsReference: p99Ratio,
      healthz: result.probe,
      loaderSendLagP99Ms: result.sendLagP99Ms,
      slices: result.slices,
      warmupS,
      /** seconds after the warm-up until every release had its first look (waitForFirstLooks) */
      firstLooksWaitS,
      /** the load before the measured one (not in the figures above): serve's and the reference's */
      loadWarmup: warmLoad
        ? {
            durationS: loadWarmupS,
            errors: warmLoad.errors + warmLoad.non2xx,
            latencyMs: warmLoad.latencyMs,
            referenceLatencyMs: warmLoad.reference!.latencyMs,
          }
        : null,
      heapAfterGcMiB: {
        registered: mib(heapRegistered.heapUsed),
        start: mib(heapStart.heapUsed),
        end: mib(heapEnd.heapUsed),
        growth: mib(heapEnd.heapUsed - heapStart.heapUsed),
        secondHalfGrowth: mib(half[half.length - 1] - half[0]),
        series: heapSeries.map(mib),
        externalStart: mib(heapStart.external),
        externalEnd: mib(heapEnd.external),
      },
      rssMiB: { start: mib(rssStart), end: mib(rssEnd), growth: mib(rssEnd - rssStart), series: rssSeries.map(mib) },
      scrapesDuringLoad: scrapes - scrapesBefore,
      /** os.loadavg() (1, 5, 15 min) around each phase: the machine is shared */
      loadAverage: Object.fromEntries(
        Object.entries(load).map(([k, v]) => [k, v.map((x) => Math.round(x * 100) / 100)]),
      ),
      heapThreads: heapEnd.threads,
      mainThreadHeapAfterGcMiB: { start: mib(heapStart.mainHeapUsed), end: mib(heapEnd.mainHeapUsed) },
      /** the analysis's own reading: looks during the load and how late they started (last 10,000 looks) */
      looks: {
        duringLoad: analysisAfter.looks - analysisBefore.looks,
        lagMs: { p50: analysisAfter.lagP50, p99: analysisAfter.lagP99, max: analysisAfter.lagMax },
        checkpointsDuringLoad: analysisAfter.checkpoints - analysisBefore.checkpoints,
      },
    };
    const fmt = (x: number) => (Number.isFinite(x) ? String(x) : 'failed');
    const ms = (l: OpenLoopResult['latencyMs']) =>
      `p50 ${fmt(l.p50)}, p90 ${fmt(l.p90)}, p99 ${fmt(l.p99)}, p99.9 ${fmt(l.p999)}, max ${fmt(l.max)}`;
    console.log(
      `gate (${pg ? 'PostgreSQL' : 'PGlite'} store): ${releases} active releases × ${METRICS} metrics, scraped every 5 s, judged every ${interval}; analysis threads ${figures.analysisThreads} (serve's threads by nice value: ${JSON.stringify(figures.serveThreadsByNice)}), look spread ${figures.lookSpread}, node flags ${figures.serveNodeFlags.join(' ') || 'none'} (seeded in ${figures.seedS} s)`,
    );
    console.log(
      `  load: open loop, ${rate}/s evenly paced over ${connections} keep-alive connections; latency from each request's scheduled time`,
    );
    if (warmLoad)
      console.log(
        `  load warm-up first (${loadWarmupS} s each, not counted below): serve errors ${warmLoad.errors + warmLoad.non2xx}, latency ms: ${ms(warmLoad.latencyMs)}; reference ${ms(warmLoad.reference!.latencyMs)}`,
      );
    console.log(
      `  reference (plain node:http, same body, ${referenceS} s in ${sliceS} s slices alternating with serve's, serve analysing throughout): ${ref.completed} answered, errors ${ref.errors + ref.non2xx}; latency ms: ${ms(ref.latencyMs)}`,
    );
    console.log(
      `  serve verdict GETs (${durationS} s): ${result.completed}/${result.scheduled} answered (${result.rps}/s), errors ${result.errors}, non-2xx ${result.non2xx}${result.errors ? `; ${JSON.stringify(result.errorKinds)}` : ''}`,
    );
    console.log(
      `  latency ms (a failed request counts as slower than any answer): ${ms(result.latencyMs)}; p99 = ${p99Ratio ?? 'n/a'} × the reference's`,
    );
    if (result.probe)
      console.log(
        `  /healthz at 10/s alongside: errors ${result.probe.errors + result.probe.non2xx}; latency ms: ${ms(result.probe.latencyMs)}`,
      );
    console.log(
      `  loader's own send lag p99 ms: ${result.sendLagP99Ms} (large: the machine, not the server, was busy)`,
    );
    console.log(
      `  serve heap after full GC MiB: ${figures.heapAfterGcMiB.registered} when registered, then ${warmupS} s of analysis without load (and ${firstLooksWaitS} s more until every release had a look); start ${figures.heapAfterGcMiB.start}, end ${figures.heapAfterGcMiB.end} (growth ${figures.heapAfterGcMiB.growth}, over the second half ${figures.heapAfterGcMiB.secondHalfGrowth}); every ${o.heapEveryS ?? 60} s: ${figures.heapAfterGcMiB.series.join(' ')}; external ${figures.heapAfterGcMiB.externalStart} → ${figures.heapAfterGcMiB.externalEnd}`,
    );
    console.log(
      `  looks during the load: ${figures.looks.duringLoad} (checkpoints ${figures.looks.checkpointsDuringLoad}); look lag ms p50 ${figures.looks.lagMs.p50}, p99 ${figures.looks.lagMs.p99}, max ${figures.looks.lagMs.max}; heap summed over ${figures.heapThreads} threads (main thread ${figures.mainThreadHeapAfterGcMiB.start} → ${figures.mainThreadHeapAfterGcMiB.end} MiB)`,
    );
    console.log(
      `  load average (1/5/15 min): ${Object.entries(figures.loadAverage)
        .map(([k, v]) => `${k} ${v.join(' ')}`)
        .join('; ')}`,
    );
    console.log(
      `  serve RSS MiB: start ${figures.rssMiB.start}, end ${figures.rssMiB.end} (growth ${figures.rssMiB.growth}); every 10 s: ${figures.rssMiB.series.join(' ')}`,
    );
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
    options: {
      quick: { type: 'boolean' },
      pg: { type: 'boolean' },
      duration: { type: 'string' },
      releases: { type: 'string' },
      rate: { type: 'string' },
      connections: { type: 'string' },
      'heap-every': { type: 'string' },
      'reference-duration': { type: 'string' },
      slice: { type: 'string' },
      threads: { type: 'string' },
      'analysis-nice': { type: 'string' },
      'look-spread': { type: 'string' },
      warmup: { type: 'string' },
      'load-warmup': { type: 'string' },
      interval: { type: 'string' },
      'seed-store': { type: 'boolean' },
    },
    strict: true,
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const figures = await run({
    quick: values.quick ?? false,
    durationS: num(values.duration),
    releases: num(values.releases),
    rate: num(values.rate),
    connections: num(values.connections),
    heapEveryS: num(values['heap-every']),
    referenceS: num(values['reference-duration']),
    sliceS: num(values.slice),
    analysisThreads: num(values.threads),
    analysisNice: num(values['analysis-nice']),
    lookSpread: values['look-spread'],
    warmupS: num(values.warmup),
    loadWarmupS: num(values['load-warmup']),
    interval: values.interval,
    seedStore: values['seed-store'] ?? false,
    pgUrl: values.pg ? pgUrlFromEnv() : undefined,
  });
  console.log(JSON.stringify({ bench: { gate: figures } }));
}
