/**
 * Helpers for the integration tests against real services started by
 * `bash scripts/services/start.sh` (PostgreSQL, Redis, their Prometheus exporters, Prometheus).
 *
 * Endpoints come from the environment (`source .cache/services/env`) or, when a variable is not
 * set, from the env file the script writes (`.cache/services/env`, or `$RH_SERVICES_DIR/env`).
 *
 * `requireService(t, name)`: under `CI=true` a missing or unreachable service is an error (the
 * test fails — CI must never skip these silently); elsewhere the test is skipped with a message
 * naming the script to run (`scripts/services/kafka.sh start` / `start-cluster` for Kafka).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const START_SCRIPT = 'scripts/services/start.sh';

export type ServiceName =
  | 'postgres'
  | 'redis'
  | 'postgres_exporter'
  | 'redis_exporter'
  | 'prometheus'
  | 'kafka'
  | 'kafka_cluster'
  | 'alertmanager';

/** Env variable holding each service's endpoint. */
export const SERVICE_ENV: Record<ServiceName, string> = {
  postgres: 'RH_PG_URL',
  redis: 'RH_REDIS_URL',
  postgres_exporter: 'RH_PG_EXPORTER_URL',
  redis_exporter: 'RH_REDIS_EXPORTER_URL',
  prometheus: 'RH_PROMETHEUS_URL',
  kafka: 'RH_KAFKA_BROKERS',
  kafka_cluster: 'RH_KAFKA_CLUSTER_BROKERS',
  alertmanager: 'RH_ALERTMANAGER_URL', // scripts/services/alertmanager.sh
};

/** The command that starts a service, for skip and error messages. */
export function startCommand(service: ServiceName): string {
  if (service === 'kafka') return 'scripts/services/kafka.sh start';
  if (service === 'kafka_cluster') return 'scripts/services/kafka.sh start-cluster';
  if (service === 'alertmanager') return 'scripts/services/alertmanager.sh';
  return START_SCRIPT;
}

/** Parses the `export NAME=value` lines of the env file written by start.sh. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (!m) continue;
    let value = m[2].trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
      value = value.slice(1, -1);
    out[m[1]] = value;
  }
  return out;
}

let fileEnv: Record<string, string> | undefined;
function envFile(): Record<string, string> {
  if (fileEnv) return fileEnv;
  const dir = process.env.RH_SERVICES_DIR ?? join(REPO_ROOT, '.cache', 'services');
  const path = join(dir, 'env');
  fileEnv = existsSync(path) ? parseEnvFile(readFileSync(path, 'utf8')) : {};
  return fileEnv;
}

/** A variable from the process environment, else from the env file; undefined when neither has it. */
export function serviceEnv(name: string): string | undefined {
  const v = process.env[name];
  return v !== undefined && v !== '' ? v : envFile()[name];
}

export function inCI(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** Thrown (under CI) when a service the test needs is not there. */
export class ServiceUnavailableError extends Error {
  constructor(service: ServiceName, reason: string) {
    super(
      `integration service "${service}" unavailable: ${reason} (start it with: bash ${startCommand(service)} && source .cache/services/env)`,
    );
    this.name = 'ServiceUnavailableError';
  }
}

/** Runs a command, returning stdout; rejects with stderr in the message on failure. */
export async function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, {
      timeout: timeoutMs,
      env: { ...process.env, PGCONNECT_TIMEOUT: '3' },
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

/** Path of `psql` (the PostgreSQL bin dir recorded by start.sh, else PATH). */
export function psqlBin(): string {
  const dir = serviceEnv('RH_PG_BIN');
  return dir ? join(dir, 'psql') : 'psql';
}

/** Runs SQL against the test PostgreSQL (`RH_PG_URL`) with psql; returns the unaligned output. */
export function psql(sql: string): Promise<string> {
  const url = serviceEnv('RH_PG_URL');
  if (!url) throw new Error('RH_PG_URL is not set');
  return run(psqlBin(), ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql]);
}

/** Runs a redis-cli command against the test Redis (`RH_REDIS_URL`). */
export function redisCli(...args: string[]): Promise<string> {
  const url = new URL(serviceEnv('RH_REDIS_URL') ?? '');
  return run('redis-cli', ['-h', url.hostname, '-p', url.port || '6379', ...args]);
}

/** GET with a timeout; throws on a non-2xx status. */
export async function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<Response> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** Resolves once `host:port` accepts a TCP connection (closed again at once); rejects after `timeoutMs`. */
export function tcpConnect(hostPort: string, timeoutMs = 3_000): Promise<void> {
  const colon = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, colon);
  const port = Number(hostPort.slice(colon + 1));
  if (colon < 1 || !Number.isInteger(port))
    return Promise.reject(new Error(`not host:port: ${JSON.stringify(hostPort)}`));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => socket.destroy(new Error(`${hostPort}: no answer within ${timeoutMs} ms`)));
    socket.once('error', reject);
  });
}

/** The brokers of a comma-separated Kafka broker list (`RH_KAFKA_BROKERS`, `RH_KAFKA_CLUSTER_BROKERS`). */
export function brokerList(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

async function probe(service: ServiceName, endpoint: string): Promise<void> {
  switch (service) {
    case 'postgres': {
      const out = await psql('SELECT 1');
      if (out.trim() !== '1') throw new Error(`SELECT 1 returned ${JSON.stringify(out)}`);
      return;
    }
    case 'redis': {
      const out = await redisCli('ping');
      if (out.trim() !== 'PONG') throw new Error(`PING returned ${JSON.stringify(out)}`);
      return;
    }
    case 'prometheus':
    case 'alertmanager':
      await httpGet(`${endpoint.replace(/\/$/, '')}/-/ready`, {}, 3_000);
      return;
    case 'kafka':
    case 'kafka_cluster': {
      // Kafka speaks its own protocol, not HTTP: every broker of the list must accept a connection.
      const brokers = brokerList(endpoint);
      if (brokers.length === 0) throw new Error('empty broker list');
      await Promise.all(brokers.map((b) => tcpConnect(b, 3_000)));
      return;
    }
    default:
      await httpGet(endpoint, {}, 3_000);
  }
}

/**
 * Returns the service's endpoint when it answers. Otherwise, under CI, throws (the test fails);
 * elsewhere, skips the test (`t.skip('run scripts/services/start.sh …')`) and returns undefined
 * — the caller must then return.
 */
export async function requireService(t: TestContext, service: ServiceName): Promise<string | undefined> {
  const variable = SERVICE_ENV[service];
  const endpoint = serviceEnv(variable);
  let reason: string | undefined;
  if (!endpoint) reason = `${variable} is not set and no .cache/services/env`;
  else {
    try {
      await probe(service, endpoint);
    } catch (err) {
      reason = `${endpoint} does not answer: ${(err as Error).message}`;
    }
  }
  if (reason === undefined) return endpoint;
  if (inCI()) throw new ServiceUnavailableError(service, reason);
  t.skip(serviceSkipMessage(service, reason));
  return undefined;
}

/** What a skipped test says: the script to run first, then why the service was not found. */
export function serviceSkipMessage(service: ServiceName, reason = `${SERVICE_ENV[service]} is not set`): string {
  return `run bash ${startCommand(service)} (${service}: ${reason})`;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 300,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A port nothing listens on right now (bound on 127.0.0.1, then released): for "unreachable" cases and private instances. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * A fresh schema on the shared PostgreSQL for one test: the admin connection that created it and a
 * store URL whose sessions use it (`search_path`). Its cleanup — `beforeDrop` (stopping whatever
 * still uses the schema), the drop, then the disconnect — is registered with `t.after` as soon as
 * the connection is open, before anything that can fail: a setup that failed half-way once left
 * the admin connection open, and the file, its tests all reported, never exited.
 */
export async function scratchSchema(
  t: TestContext,
  pgUrl: string,
  prefix: string,
  beforeDrop?: () => Promise<void>,
): Promise<{ admin: import('pg').Client; schema: string; storeUrl: string }> {
  const pg = (await import('pg')).default;
  const schema = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  t.after(async () => {
    await beforeDrop?.();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const { postgresUrlInSchema } = await import('../../store/index.ts');
  return { admin, schema, storeUrl: postgresUrlInSchema(pgUrl, schema) };
}
