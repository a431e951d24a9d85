/**
 * `serve --role api` and `serve --role analysis` as two real processes against the real
 * PostgreSQL (a fresh schema) and the real Kafka (a fresh topic prefix), as a split deployment
 * runs: a release registered through the api process is collected for and judged by the
 * analysis process, and its verdict is read back through the api process — faster than the
 * api's store cache would refresh, so it came through the verdict topic. The api process scrapes
 * nothing (the exporter sees no request until the analysis process starts), and a release
 * aborted through the api stops being scraped by the analysis process. Then the default role,
 * `all`, whose analysis runs in a thread of its own beside the HTTP loop: the same flow in one
 * process on PGlite, and a stop that leaves the store whole for the next start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, eventually, requireService, scratchSchema } from '../integration/helpers.ts';

const OPERATOR = 'op-token-roles-0123456789abcdef';
const READER = 'reader-token-roles-0123456789abcdef';

interface ServeProcess {
  child: ChildProcess;
  stderr: () => string;
  /** resolves with the first stderr line matching `pattern` */
  line(pattern: RegExp): Promise<RegExpExecArray>;
  /** SIGTERM; resolves with the exit code */
  stop(): Promise<number | null>;
}

function spawnServe(role: string | undefined, config: string, env: Record<string, string>): ServeProcess {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'bin/release-health.js'), 'serve', ...(role ? ['--role', role] : []), '--config', config],
    { cwd: REPO_ROOT, env: { ...process.env, ...env, RH_FROM_SOURCE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  const waiting: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    for (const w of [...waiting]) {
      const m = w.pattern.exec(err);
      if (m) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    line: (pattern) =>
      Promise.race([
        new Promise<RegExpExecArray>((resolve) => {
          const m = pattern.exec(err);
          if (m) resolve(m);
          else waiting.push({ pattern, resolve });
        }),
        exited.then(() => {
          throw new Error(`serve --role ${role ?? 'all'} exited: ${err.slice(-2000)}`);
        }),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`serve --role ${role ?? 'all'} not ready in 60 s: ${err.slice(-2000)}`)),
            60_000,
          ).unref(),
        ),
      ]),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The canary's latency is ten times the baseline's: the engine's verdicts say so. Counts its scrapes. */
async function startExporter() {
  const counter = { scrapes: 0 };
  const server = createServer((_req, res) => {
    counter.scrapes++;
    const jitter = () => Math.random() * 5;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      `# TYPE shop_latency gauge\nshop_latency{version="1"} ${(100 + jitter()).toFixed(3)}\nshop_latency{version="2"} ${(1000 + jitter()).toFixed(3)}\n`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    get scrapes() {
      return counter.scrapes;
    },
    close: () => server.close(),
  };
}

const RELEASE = {
  id: 'roles-1',
  service: 'shop',
  version: '2',
  baselineVersion: '1',
  environment: 'staging',
  strategy: 'canary',
  class: 'standard',
};
const SPEC = { metrics: [{ name: 'latency', group: 'application', kind: 'gauge', harm: 'increase', tolerance: 0.2 }] };

function collectorLines(exporterUrl: string): string[] {
  return [
    'collector:',
    '  targets:',
    '    - name: shop',
    `      url: ${exporterUrl}`,
    '      intervalMs: 200',
    '      timeoutMs: 200',
    '      metrics:',
    '        - { name: shop_latency, as: latency, kind: gauge, cohorts: { by: label, label: version, baseline: ["{{release.baselineVersion}}"], canary: ["{{release.version}}"] } }',
  ];
}

function caller(url: string) {
  return async (path: string, init: RequestInit & { token?: string } = {}) => {
    const res = await fetch(url + path, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? READER}` },
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
  };
}

const engineVerdict = (body: Record<string, unknown> | undefined) => {
  const reasons = (body?.reasons as string[] | undefined) ?? [];
  return reasons.length > 0 && !reasons[0].startsWith('warming up');
};

test('serve --role api and --role analysis: register via the api, judged by the analysis process, verdict back through the api', async (t) => {
  const pgUrl = await requireService(t, 'postgres');
  if (!pgUrl) return;
  const brokers = await requireService(t, 'kafka');
  if (!brokers) return;
  const { admin, schema, storeUrl } = await scratchSchema(t, pgUrl, 'rh_roles');

  const exporter = await startExporter();
  const exporterUrl = exporter.url;

  const dir = mkdtempSync(join(tmpdir(), 'rh-roles-'));
  const config = join(dir, 'serve.yaml');
  writeFileSync(
    config,
    [
      'listen: { port: 0 }',
      `bus: { kind: kafka, brokersEnv: RH_KAFKA_BROKERS, topicPrefix: "rh-roles-${process.pid}-${Date.now()}.", partitions: 2 }`,
      'engine: { interval: 1s, grace: 0s, releasePoll: 500ms }',
      'logging: { level: warn }',
      ...collectorLines(exporterUrl),
    ].join('\n'),
  );
  const env = {
    RH_STORE_URL: storeUrl,
    RH_KAFKA_BROKERS: brokers,
    RH_TOKENS: `ci:operator:${OPERATOR},argo:reader:${READER}`,
  };
  const processes: ServeProcess[] = [];
  try {
    const apiProcess = spawnServe('api', config, env);
    processes.push(apiProcess);
    const url = (await apiProcess.line(/serving on (http:\/\/\S+)/))[1];
    const call = caller(url);
    const created = await call('/api/v1/releases', {
      method: 'POST',
      token: OPERATOR,
      body: JSON.stringify({ release: { ...RELEASE, startedAt: Date.now() - 1000 }, spec: SPEC }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // read once now: the api caches this answer (no engine verdict yet) for 30 s
    const cachedAt = Date.now();
    const before = await call('/api/v1/releases/roles-1/verdict');
    assert.equal(before.status, 200);
    assert.match(String((before.body.reasons as string[])[0]), /^warming up/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(exporter.scrapes, 0, 'the api process collects nothing');

    const analysisProcess = spawnServe('analysis', config, env);
    processes.push(analysisProcess);
    await analysisProcess.line(/\(analysis\) analysing/);
    const seen = await eventually(
      'an engine verdict through the api',
      async () => {
        const v = await call('/api/v1/releases/roles-1/verdict');
        return v.status === 200 && engineVerdict(v.body) ? v.body : undefined;
      },
      Math.max(0, cachedAt + 29_000 - Date.now()),
      200,
    );
    // the api would serve its cached answer for 30 s: this one came over the verdict topic
    assert.ok(Date.now() - cachedAt < 30_000);
    const stored = await admin.query(`SELECT at, decision FROM ${schema}.verdicts WHERE release_id = 'roles-1'`);
    assert.ok(stored.rows.length > 0, 'the analysis process stored its verdicts');
    assert.ok(
      stored.rows.some((row: { at: string | number }) => Number(row.at) === seen.at),
      `the verdict the api answered (at ${String(seen.at)}) is one the analysis process stored`,
    );
    assert.ok(exporter.scrapes > 0);

    // closed through the api: the analysis process stops collecting for it
    const aborted = await call('/api/v1/releases/roles-1/abort', {
      method: 'POST',
      token: OPERATOR,
      body: JSON.stringify({ reason: 'roles test' }),
    });
    assert.equal(aborted.status, 200, JSON.stringify(aborted.body));
    await new Promise((r) => setTimeout(r, 2500)); // a poll of the store, and a scrape in flight
    const after = exporter.scrapes;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(exporter.scrapes, after, 'no scrape for a closed release');
    assert.equal((await call('/api/v1/releases/roles-1')).body.status, 'aborted');
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    exporter.close();
  }
});

test('serve (role all): the analysis thread judges a release registered over HTTP; a stop leaves the store whole', async () => {
  const exporter = await startExporter();
  const dir = mkdtempSync(join(tmpdir(), 'rh-all-'));
  const config = join(dir, 'serve.yaml');
  writeFileSync(
    config,
    [
      'listen: { port: 0 }',
      `store: { url: "pglite://${join(dir, 'store')}" }`,
      'engine: { interval: 1s, grace: 0s }',
      'logging: { level: warn }',
      ...collectorLines(exporter.url),
    ].join('\n'),
  );
  const env = { RH_TOKENS: `ci:operator:${OPERATOR},argo:reader:${READER}` };
  const processes: ServeProcess[] = [];
  try {
    const first = spawnServe(undefined, config, env);
    processes.push(first);
    const call = caller((await first.line(/serving on (http:\/\/\S+)/))[1]);
    const created = await call('/api/v1/releases', {
      method: 'POST',
      token: OPERATOR,
      body: JSON.stringify({ release: { ...RELEASE, startedAt: Date.now() - 1000 }, spec: SPEC }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const seen = await eventually(
      'an engine verdict',
      async () => {
        const v = await call('/api/v1/releases/roles-1/verdict');
        return v.status === 200 && engineVerdict(v.body) ? v.body : undefined;
      },
      20_000,
      200,
    );
    assert.ok(exporter.scrapes > 0);
    const aborted = await call('/api/v1/releases/roles-1/abort', { method: 'POST', token: OPERATOR, body: '{}' });
    assert.equal(aborted.status, 200, JSON.stringify(aborted.body));
    assert.equal(await first.stop(), 0, first.stderr());

    // the store (PGlite, owned by the analysis thread) was closed cleanly: the next start reads it
    const second = spawnServe(undefined, config, env);
    processes.push(second);
    const again = caller((await second.line(/serving on (http:\/\/\S+)/))[1]);
    const record = await again('/api/v1/releases/roles-1');
    assert.equal(record.status, 200);
    assert.equal(record.body.status, 'aborted');
    const timeline = record.body.timeline as { at: number }[];
    assert.ok(
      timeline.some((v) => v.at === seen.at),
      'the verdict answered before the stop is stored',
    );
    assert.equal(await second.stop(), 0, second.stderr());
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    exporter.close();
  }
});
