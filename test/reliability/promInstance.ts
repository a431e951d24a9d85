/**
 * A private Prometheus for fault injection: the Debian binary (`/usr/bin/prometheus`, or
 * RH_PROMETHEUS_BIN, or the first `prometheus` on PATH) started the way scripts/services/start.sh
 * starts the shared one, but on a free port with its own temp config and tsdb dir. It scrapes
 * ITSELF every second under each of the given job names, so every job reads the same `up` (1)
 * and the instance needs no other service. Tests kill (SIGKILL) or stop (SIGTERM) and restart
 * THIS one, on the same port and data dir; the shared Prometheus on 59090 is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { serviceEnv } from '../integration/helpers.ts';
import { freePort } from './pgInstance.ts';

export function findPrometheusBin(): string | undefined {
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const fromEnv = serviceEnv('RH_PROMETHEUS_BIN');
  if (fromEnv && executable(fromEnv)) return fromEnv;
  if (executable('/usr/bin/prometheus')) return '/usr/bin/prometheus';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'prometheus'))) return join(dir, 'prometheus');
  }
  return undefined;
}

export interface PromInstance {
  /** base URL, e.g. http://127.0.0.1:41234 (the same across restarts) */
  url: string;
  /** true while the process started last has not exited */
  readonly running: boolean;
  /** SIGKILL (a crash: no flush, no staleness markers) or SIGTERM (graceful); resolves once it has exited */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** starts it again on the same port and data dir; resolves once every job's target is up */
  start(): Promise<void>;
  /** its stdout/stderr so far (for failure messages) */
  log(): string;
  /** kills it and removes its directory */
  destroy(): Promise<void>;
}

/** ready, and every job scraped successfully since `sinceMs` (not a value from before a restart) */
async function ready(url: string, jobs: number, sinceMs: number): Promise<boolean> {
  try {
    const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    if (!r.ok) return false;
    const query = `count(timestamp(up == 1) >= ${Math.floor(sinceMs / 1000)})`;
    const q = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, {
      signal: AbortSignal.timeout(2_000),
    });
    const body = (await q.json()) as { data?: { result?: { value?: [number, string] }[] } };
    return Number(body.data?.result?.[0]?.value?.[1] ?? 0) >= jobs;
  } catch {
    return false;
  }
}

/**
 * Starts a private Prometheus scraping itself once per job name (each job a cohort of the tests).
 * `startTimeoutMs` bounds each start (the machine may be busy).
 */
export async function startPromInstance(
  bin: string,
  jobs: readonly string[],
  startTimeoutMs = 60_000,
): Promise<PromInstance> {
  const root = mkdtempSync(join(tmpdir(), 'rh-faults-prom-'));
  const data = join(root, 'data');
  const logPath = join(root, 'prometheus.log');
  const port = await freePort();
  const host = '127.0.0.1';
  const url = `http://${host}:${port}`;
  const config = [
    '# written by test/reliability/promInstance.ts',
    'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    ...jobs.map(
      (job) => `  - { job_name: ${JSON.stringify(job)}, static_configs: [{ targets: ["${host}:${port}"] }] }`,
    ),
    '',
  ].join('\n');
  writeFileSync(join(root, 'prometheus.yml'), config);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let alive = false;
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit); // never leave it behind, even when the test process dies

  const start = async () => {
    if (alive) throw new Error('prometheus is already running');
    const fd = openSync(logPath, 'a');
    try {
      child = spawn(
        bin,
        [
          `--config.file=${join(root, 'prometheus.yml')}`,
          `--storage.tsdb.path=${data}`,
          '--storage.tsdb.retention.time=1h',
          `--web.listen-address=${host}:${port}`,
        ],
        { stdio: ['ignore', fd, fd] },
      );
    } finally {
      closeSync(fd);
    }
    alive = true;
    const proc = child;
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    void exited.then(() => {
      if (child === proc) alive = false;
    });
    const since = Date.now();
    const deadline = since + startTimeoutMs;
    while (!(await ready(url, jobs.length, since))) {
      if (!alive) throw new Error(`prometheus exited at start:\n${tail()}`);
      if (Date.now() > deadline)
        throw new Error(
          `prometheus on ${url} not ready (all ${jobs.length} jobs up) within ${startTimeoutMs} ms:\n${tail()}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const tail = () =>
    existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n') : '(no log)';
  const stop = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    if (!alive || !child) return;
    child.kill(signal);
    await exited;
    alive = false;
  };
  try {
    await start();
  } catch (error) {
    await stop('SIGKILL');
    process.removeListener('exit', onExit);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    get running() {
      return alive;
    },
    start,
    stop,
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    async destroy() {
      await stop('SIGKILL');
      process.removeListener('exit', onExit);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
