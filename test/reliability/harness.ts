/**
 * Shared support for the reliability tests (docs/reliability.md): the whole `serve` in-process on port 0
 * (the way test/e2e/serve.test.ts runs it), tokens for the three roles, an HTTP helper, a
 * minute-by-minute feeder of simulator samples through the bus, and a full dump of what the
 * store holds so a test can prove that hostile traffic changed nothing.
 */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { Release, Sample } from '../../analyzer/index.ts';
import { parseServeConfig } from '../../service/config.ts';
import { startService, type RunningService, type StartServiceOptions } from '../../service/service.ts';
import type { Store } from '../../store/index.ts';

export const MINUTE = 60_000;
export const TOKENS = {
  reader: 'rel-reader-3c9a51f0e2b84d17a6',
  operator: 'rel-operator-8e21b4c7d9f0a35e62',
  admin: 'rel-admin-5f7d2a9c0b1e4836d4',
} as const;
export const WRONG_TOKEN = 'rel-wrong-0000000000000000000000';
export const TOKENS_ENV = `argo:reader:${TOKENS.reader},ci:operator:${TOKENS.operator},platform:admin:${TOKENS.admin}`;

/** A pino logger whose every line (JSON text) is kept, to grep a whole run's output. */
export function capturingLogger(level = 'debug'): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level }, sink), text: () => chunks.join('') };
}

export interface EmbeddedOptions extends Omit<StartServiceOptions, 'env'> {
  /** store URL; default an in-memory PGlite */
  storeUrl?: string;
  /** extra YAML sections appended to the config (actions, collector, …) */
  extraYaml?: string;
  /** engine interval / grace in the config's syntax */
  engine?: string;
  env?: Record<string, string>;
}

/** Starts `serve` in-process on a free port with the three tokens; samples come from the caller. */
export async function startEmbedded(options: EmbeddedOptions = {}): Promise<RunningService> {
  const {
    storeUrl = 'pglite:memory',
    extraYaml = '',
    engine = '{ interval: 1m, grace: 0s }',
    env = {},
    ...rest
  } = options;
  const config = parseServeConfig(
    `listen: { port: 0 }\nstore: { urlEnv: RH_STORE_URL }\nengine: ${engine}\n${extraYaml}`,
    'reliability.yaml',
  );
  return startService(config, {
    tickEveryMs: 0,
    scrape: false,
    logger: pino({ level: process.env.RH_TEST_LOG ?? 'silent' }),
    ...rest,
    env: { RH_TOKENS: TOKENS_ENV, RH_STORE_URL: storeUrl, ...env },
  });
}

export interface ApiInit {
  method?: string;
  token?: string;
  body?: unknown;
  /** sent as is (no JSON.stringify) */
  raw?: string;
  headers?: Record<string, string>;
}

export async function api(
  url: string,
  path: string,
  init: ApiInit = {},
): Promise<{ status: number; text: string; json: Record<string, unknown> | undefined }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.headers ?? {}) };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const res = await fetch(url + path, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** Samples grouped by the minute since the release started (the collector's batches). */
export function byMinute(release: Release, samples: readonly Sample[]): [number, Sample[]][] {
  const out = new Map<number, Sample[]>();
  for (const s of samples) {
    const m = Math.floor((s.ts - release.startedAt) / MINUTE);
    const list = out.get(m);
    if (list) list.push(s);
    else out.set(m, [s]);
  }
  return [...out].sort((a, b) => a[0] - b[0]);
}

/** Waits until `check` holds (polling), or throws naming `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Everything the store holds that the API could change, as comparable JSON. */
export async function dumpStore(store: Store): Promise<string> {
  const releases = await store.listReleases({ limit: 10_000 });
  const perRelease = await Promise.all(
    releases.map(async (r) => ({
      release: r,
      verdicts: await store.listVerdicts(r.release.id, 10_000),
      checkpoints: await store.listCheckpoints(r.release.id),
    })),
  );
  const specs = await store.listSpecs();
  return JSON.stringify({
    releases: perRelease,
    specs: await Promise.all(specs.map(async (name) => ({ name, spec: await store.getSpec(name) }))),
    audit: await store.listAudit({ limit: 100_000 }),
    actions: await store.listActions({ limit: 100_000 }),
  });
}

export interface FeedOptions {
  /** sets the service's virtual clock */
  setNow: (now: number) => void;
  /** stop once this holds for the latest stored decision */
  stopWhen?: (decision: string) => boolean;
  /** called before each minute's batch (fault injection points) */
  beforeMinute?: (minute: number) => Promise<void> | void;
  /** the batch's producer name (per-producer sequence marks in the checkpoint) */
  producer?: string;
  /** minutes to feed, default all */
  minutes?: readonly number[];
}

/**
 * The collector's role, minute by minute: publish one batch per minute of samples, advance the
 * clock past it, wait for the pipeline to take it, tick. Returns the last stored decision.
 */
export async function feedMinutes(
  service: RunningService,
  release: Release,
  samples: readonly Sample[],
  o: FeedOptions,
): Promise<string> {
  let decision = '';
  const wanted = o.minutes ? new Set(o.minutes) : undefined;
  for (const [m, batch] of byMinute(release, samples)) {
    if (wanted && !wanted.has(m)) continue;
    await o.beforeMinute?.(m);
    const taken = service.pipeline.stats().batches;
    await service.bus.publishSamples({
      releaseId: release.id,
      batchId: `m${m}`,
      producer: o.producer ?? 'reliability',
      sequence: m,
      samples: batch,
    });
    const now = release.startedAt + (m + 1) * MINUTE;
    o.setNow(now);
    await until(`batch m${m} taken by the pipeline`, () => service.pipeline.stats().batches > taken);
    await service.pipeline.tick(now);
    // the store may be down (fault injection): then the decision is unknown, not an error here
    decision = (await service.store.latestVerdict(release.id).catch(() => undefined))?.decision ?? decision;
    if (o.stopWhen?.(decision)) break;
  }
  return decision;
}
