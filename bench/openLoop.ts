/**
 * An evenly paced, open-loop HTTP load generator. Request i is SCHEDULED at start + i/rate,
 * whatever happened to the earlier ones, and its latency is counted from that scheduled time to
 * the end of its response. A server that stalls for 500 ms therefore shows ~1,000 slow requests
 * at 2,000 req/s (every request that should have been sent meanwhile), not one: the stall is not
 * hidden by the generator waiting for it ("coordinated omission").
 *
 * Why not autocannon's `overallRate`: it hands each connection its quota at the start of every
 * second, so the requests of a second leave in a burst and queue on the connections; its p99 at
 * 2k req/s was mostly that queue (135–242 ms where an evenly paced loader saw 2–6 ms on the same
 * gate).
 *
 * Requests go through one keep-alive agent with `connections` sockets; a request due while every
 * socket is busy waits in the agent's queue, and that wait is part of its latency. A second,
 * slower stream (`probe`, e.g. `/healthz` at 10/s) is paced and reported on its own, each request
 * on a new connection: what a Kubernetes probe would see. Run it in its own process (see `runOpenLoop`), so it shares no event
 * loop with the server it measures.
 *
 * `reference`: a second server measured in the same run, in alternating slices of `sliceS`
 * seconds (the same pacing, paths and sockets per origin), each reported on its own. On a shared
 * machine whose load swings by the minute, two servers measured one after the other are measured
 * under different loads; slices a few seconds long put both under the same ones. Slices stay
 * shorter than node:http's 5 s keep-alive timeout, so the idle side's sockets are still open when
 * its turn comes back. The probe is sent during the main server's slices only.
 *
 *   node --import tsx bench/openLoop.ts '{"url":"http://127.0.0.1:8080","paths":["/healthz"],"rate":1000,"durationS":10}'
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface OpenLoopOptions {
  /** origin, e.g. http://127.0.0.1:8080 */
  url: string;
  /** request paths, used in turn */
  paths: string[];
  /** requests per second, evenly paced */
  rate: number;
  durationS: number;
  /** keep-alive sockets (default 50) */
  connections?: number;
  headers?: Record<string, string>;
  /** a request not answered within this is an error of kind "timeout" (default 10 s) */
  timeoutMs?: number;
  /** a second paced stream, reported separately (e.g. `/healthz` at 10/s) */
  probe?: { path: string; rate: number };
  /**
   * a second origin loaded in alternating slices with `url` (see above): `durationS` seconds of
   * `url` and `durationS` seconds of the reference, `url` first; default slice 2 s
   */
  reference?: { url: string; durationS: number; sliceS?: number };
}

export interface LatencySummary {
  /** requests scheduled during the run */
  scheduled: number;
  /** answered with a complete response (any status) */
  completed: number;
  /** answered with a status outside 2xx */
  non2xx: number;
  /** failed without a response (socket error, timeout) */
  errors: number;
  errorKinds: Record<string, { count: number; firstAtS: number; lastAtS: number }>;
  /** completed per second of the run */
  rps: number;
  /**
   * from each request's scheduled time to the end of its response, ms, over every scheduled
   * request: a failed one counts as infinitely slow (null in JSON); `mean` is over answered ones
   */
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
}

export interface OpenLoopResult extends LatencySummary {
  probe?: LatencySummary;
  /** the reference origin's requests, when one was given */
  reference?: LatencySummary;
  /** the slices as run: `[main seconds, reference seconds]` */
  slices?: { sliceS: number; main: number; reference: number };
  /** the loader's own lag: how late requests left after their scheduled time (its p99, ms) */
  sendLagP99Ms: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const round = (x: number) => Math.round(x * 100) / 100;

class Stream {
  readonly latencies: number[] = [];
  scheduled = 0;
  completed = 0;
  non2xx = 0;
  errors = 0;
  readonly errorKinds: LatencySummary['errorKinds'] = {};

  summary(durationS: number): LatencySummary {
    // a request that failed (timeout, socket error) counts as slower than any answer: percentiles
    // are over every scheduled request, so a server answering 1 % of them cannot show a good p99
    const all = new Float64Array(this.latencies.length + this.errors);
    all.set(this.latencies);
    all.fill(Number.POSITIVE_INFINITY, this.latencies.length);
    const sorted = all.sort();
    let sum = 0;
    for (const x of this.latencies) sum += x;
    return {
      scheduled: this.scheduled,
      completed: this.completed,
      non2xx: this.non2xx,
      errors: this.errors,
      errorKinds: this.errorKinds,
      rps: Math.round(this.completed / durationS),
      latencyMs: {
        p50: round(percentile(sorted, 0.5)),
        p90: round(percentile(sorted, 0.9)),
        p99: round(percentile(sorted, 0.99)),
        p999: round(percentile(sorted, 0.999)),
        max: round(sorted.length ? sorted[sorted.length - 1] : Number.NaN),
        mean: round(this.latencies.length ? sum / this.latencies.length : Number.NaN),
      },
    };
  }
}

/** Which origin each stretch of the run loads: `url`'s and the reference's, interleaved in proportion. */
function slicePlan(o: OpenLoopOptions): { reference: boolean; startMs: number; endMs: number }[] {
  const mainMs = o.durationS * 1000;
  if (!o.reference) return [{ reference: false, startMs: 0, endMs: mainMs }];
  const refMs = o.reference.durationS * 1000;
  const sliceMs = (o.reference.sliceS ?? 2) * 1000;
  if (!(sliceMs > 0)) throw new RangeError(`reference.sliceS must be > 0, got ${o.reference.sliceS}`);
  const plan: { reference: boolean; startMs: number; endMs: number }[] = [];
  let mainDone = 0;
  let refDone = 0;
  let at = 0;
  while (mainDone < mainMs || refDone < refMs) {
    // the origin further behind its share goes next (url's first on a tie)
    const reference = mainDone >= mainMs || (refDone < refMs && refDone / refMs < mainDone / mainMs);
    const length = Math.min(sliceMs, reference ? refMs - refDone : mainMs - mainDone);
    plan.push({ reference, startMs: at, endMs: at + length });
    at += length;
    if (reference) refDone += length;
    else mainDone += length;
  }
  return plan;
}

/** Runs the load in THIS process (use `runOpenLoop` to get a separate one). */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const origins = { main: new URL(o.url), reference: o.reference ? new URL(o.reference.url) : undefined };
  const connections = o.connections ?? 50;
  const timeoutMs = o.timeoutMs ?? 10_000;
  // maxSockets is per origin: each server gets its own `connections` sockets
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const main = new Stream();
  const reference = o.reference ? new Stream() : undefined;
  const probe = o.probe ? new Stream() : undefined;
  const sendLags: number[] = [];
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const plan = slicePlan(o);
  const t0 = performance.now();
  const endAt = t0 + plan[plan.length - 1].endMs;

  // the probe on a connection of its own each time, as kubelet's HTTP probes: queued behind the
  // load's keep-alive sockets it would measure the loader's queue, not the server's answer
  const probeAgent = new Agent({ keepAlive: false });
  const send = (stream: Stream, target: URL, path: string, scheduledAt: number): void => {
    stream.scheduled++;
    inFlight++;
    let done = false;
    const finish = (outcome: { status: number } | { error: string }) => {
      if (done) return;
      done = true;
      inFlight--;
      if ('status' in outcome) {
        stream.completed++;
        stream.latencies.push(performance.now() - scheduledAt);
        if (outcome.status < 200 || outcome.status >= 300) stream.non2xx++;
      } else {
        stream.errors++;
        const at = Math.round((performance.now() - t0) / 1000);
        const k = (stream.errorKinds[outcome.error] ??= { count: 0, firstAtS: at, lastAtS: at });
        k.count++;
        k.lastAtS = at;
      }
      if (inFlight === 0 && drained) drained();
    };
    const req = request(
      {
        agent: stream === probe ? probeAgent : agent,
        host: target.hostname,
        port: target.port,
        path,
        method: 'GET',
        headers: o.headers,
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => finish({ status: res.statusCode ?? 0 }));
        res.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
      },
    );
    // from the scheduled time, not from when a socket was free: a request still queued in the
    // agent after `timeoutMs` has failed as surely as one the server never answered
    const timer = setTimeout(
      () => {
        finish({ error: 'timeout' });
        req.destroy();
      },
      Math.max(0, scheduledAt + timeoutMs - performance.now()),
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    req.end();
  };

  await new Promise<void>((resolve) => {
    let next = 0;
    let nextProbe = 0;
    let slice = 0;
    let mainPaths = 0;
    let referencePaths = 0;
    const gap = 1000 / o.rate;
    const probeGap = o.probe ? 1000 / o.probe.rate : Number.POSITIVE_INFINITY;
    // the slice a scheduled time falls in (times only move forward)
    const sliceAt = (at: number) => {
      while (slice < plan.length - 1 && at - t0 >= plan[slice].endMs) slice++;
      return plan[slice];
    };
    const pump = () => {
      const now = performance.now();
      // every request due by now leaves now, stamped with the time it was due
      for (let at = t0 + next * gap; at <= now && at < endAt; at = t0 + next * gap) {
        sendLags.push(now - at);
        if (sliceAt(at).reference && reference && origins.reference)
          send(reference, origins.reference, o.paths[referencePaths++ % o.paths.length], at);
        else send(main, origins.main, o.paths[mainPaths++ % o.paths.length], at);
        next++;
      }
      for (
        let at = t0 + nextProbe * probeGap;
        o.probe && probe && at <= now && at < endAt;
        at = t0 + nextProbe * probeGap
      ) {
        // /healthz while the main server is under load: its slices only
        if (!sliceAt(at).reference) send(probe, origins.main, o.probe.path, at);
        nextProbe++;
      }
      if (now >= endAt) resolve();
      else setTimeout(pump, Math.max(0, Math.min(t0 + next * gap, t0 + nextProbe * probeGap) - performance.now()));
    };
    pump();
  });
  // the last requests get their answer (or their timeout)
  if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  agent.destroy();
  probeAgent.destroy();
  const sortedLags = Float64Array.from(sendLags).sort();
  const mainS = o.durationS;
  return {
    ...main.summary(mainS),
    ...(probe ? { probe: probe.summary(mainS) } : {}),
    ...(reference && o.reference
      ? {
          reference: reference.summary(o.reference.durationS),
          slices: {
            sliceS: o.reference.sliceS ?? 2,
            main: plan.filter((s) => !s.reference).length,
            reference: plan.filter((s) => s.reference).length,
          },
        }
      : {}),
    sendLagP99Ms: round(percentile(sortedLags, 0.99)),
  };
}

const SELF = fileURLToPath(import.meta.url);

/** Runs `openLoop` in a child process (its own event loop and CPU time), resolving to its result. */
export function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  return new Promise((resolve, reject) => {
    // the options on stdin: thousands of paths exceed one argument's limit (128 KiB, E2BIG)
    // in a session of its own (setsid): with Linux's autogroup scheduling, the CPU is shared between
    // sessions first, so the loader is not starved by the server it measures (as if on another machine)
    const child = spawn(process.execPath, ['--import', 'tsx', SELF], {
      stdio: ['pipe', 'pipe', 'inherit'],
      detached: true,
    });
    const stop = () => child.kill('SIGKILL');
    process.once('exit', stop);
    child.once('exit', () => process.off('exit', stop));
    child.stdin.end(JSON.stringify(o));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // JSON carries a failed percentile (Infinity) as null: back to Infinity, never to 0 in arithmetic
    const revive = (key: string, value: unknown) =>
      value === null && ['p50', 'p90', 'p99', 'p999', 'max'].includes(key) ? Number.POSITIVE_INFINITY : value;
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out, revive) as OpenLoopResult)
        : reject(new Error(`open-loop loader exited ${code}`)),
    );
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const result = await openLoop(JSON.parse(text) as OpenLoopOptions);
  process.stdout.write(JSON.stringify(result));
}
