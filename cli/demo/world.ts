/**
 * The demo's virtual retail estate: one PGlite database per tenant written by the Odoo-schema
 * simulator, the real odoo-exporter reading them with its SQL reader, and a virtual Traefik whose
 * weights come from the Traefik dynamic-config file the gate's action rewrites — so a rollback
 * really moves traffic in the story. `advanceTo(t)` moves everything to virtual time t and returns
 * what each scrape target would have answered then.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { parse as parseYaml } from 'yaml';
import {
  createSqlReader,
  fromPglite,
  startOdooExporter,
  type OdooExporter,
  type SqlQuery,
} from '../../odoo-exporter/index.ts';
import { createOdooSimulation, createRng, VirtualTraefik, type OdooSimulation } from '../../simulator/index.ts';
import {
  DEMO_ODOO_MODULES,
  DEMO_RESERVATION_BUCKETS,
  DEMO_TRAEFIK_BUCKETS,
  MINUTE,
  STORY_START,
  TENANTS,
  WAVE_REGRESSION,
  WAVE_REGRESSION_AT,
  WAVE_TENANTS,
} from './story.ts';

export interface Expositions {
  traefik: string;
  odoo: string;
}

export interface World {
  advanceTo(t: number): Promise<Expositions>;
  /** canary share of odoo-web traffic as Traefik routes it now (from the file) */
  canaryWeight(): number;
  close(): Promise<void>;
}

type WeightedFile = {
  http?: { services?: Record<string, { weighted?: { services?: { name: string; weight: number }[] } }> };
};

/** Traefik's dynamic config at the start: both services 90/10 (Flagger's naming). */
export function initialTraefikConfig(): string {
  const weighted = (name: string) =>
    `    ${name}:\n      weighted:\n        services:\n          - { name: ${name}-primary, weight: 90 }\n          - { name: ${name}-canary, weight: 10 }\n`;
  const lb = (name: string, host: string) =>
    `    ${name}:\n      loadBalancer:\n        servers:\n          - url: http://${host}:8069\n`;
  return `# Traefik file provider (written by release-health demo; the gate's Traefik action rewrites the weights)\nhttp:\n  services:\n${weighted('odoo-web')}${weighted('odoo')}${lb('odoo-web-primary', 'odoo-stable')}${lb('odoo-web-canary', 'odoo-canary')}${lb('odoo-primary', 'odoo-stable')}${lb('odoo-canary', 'odoo-canary')}`;
}

export function readWeights(file: string, service: string): Record<string, number> {
  const doc = parseYaml(readFileSync(file, 'utf8')) as WeightedFile;
  const services = doc.http?.services?.[service]?.weighted?.services ?? [];
  return Object.fromEntries(services.map((s) => [`${s.name}@file`, s.weight]));
}

/** Requests per second over the lunch hour: rising and falling again, with the usual noise. */
const checkoutRate = (t: number) => 100 * (1 + 0.3 * Math.sin(((t - STORY_START) / (90 * MINUTE)) * Math.PI));

/**
 * Tenant databases as schemas of ONE PGlite: a PGlite instance takes seconds to start, and the demo
 * must start fast. PGlite has a single connection, so each tenant's queries run under a lock after
 * switching `search_path` to its schema — the simulator and the exporter see one database each,
 * with Odoo's unqualified table names, exactly as on a real server.
 */
function tenantSchemas(db: PGlite, names: readonly string[]): SqlQuery[] {
  const raw = fromPglite(db);
  let current = '';
  let queue: Promise<unknown> = Promise.resolve();
  return names.map((name) => ({
    query<R extends object>(text: string, params?: unknown[]) {
      const run = queue.then(async () => {
        if (current !== name) {
          await db.exec(`CREATE SCHEMA IF NOT EXISTS ${name}; SET search_path TO ${name}`);
          current = name;
        }
        return raw.query<R>(text, params);
      });
      queue = run.catch(() => undefined);
      return run;
    },
  }));
}

export async function createWorld(traefikFile: string, seed = 2026): Promise<World> {
  writeFileSync(traefikFile, initialTraefikConfig());
  const database = new PGlite();
  const databases = [database];
  const queries = tenantSchemas(
    database,
    TENANTS.map((t) => t.name),
  );
  const sim: OdooSimulation = await createOdooSimulation({
    seed,
    start: STORY_START - 10 * MINUTE, // some history, so the exporter's counters have a base
    ordersPerMinute: 30,
    posOrdersPerMinute: 2,
    tenants: TENANTS.map((t, i) => ({
      name: t.name,
      db: queries[i],
      scale: t.scale,
      modules: [...DEMO_ODOO_MODULES],
    })),
    release: { at: WAVE_REGRESSION_AT, tenants: [...WAVE_TENANTS], regressions: { ...WAVE_REGRESSION } },
  });
  await sim.runUntil(STORY_START - MINUTE);
  const readers = TENANTS.map((t, i) =>
    createSqlReader({
      db: t.name,
      connect: () => ({ query: queries[i].query, close: async () => {} }),
      lagMs: 0,
      cronGraceSeconds: 300,
      tracking: { openTtlMs: 86_400_000, maxOpen: 100_000, pageSize: 5000 },
    }),
  );
  const exporter: OdooExporter = await startOdooExporter(
    { intervalSeconds: 0, reservationBuckets: [...DEMO_RESERVATION_BUCKETS] },
    { readers, serve: false, clock: sim.now, log: () => {} },
  );
  const traefik = new VirtualTraefik({
    services: [
      { name: 'odoo-web-primary@file', medianSeconds: 0.35, sigma: 0.55, errorRatio: 0.01 },
      { name: 'odoo-web-canary@file', medianSeconds: 0.35, sigma: 0.55, errorRatio: 0.01 },
    ],
    weights: readWeights(traefikFile, 'odoo-web'),
    requestsPerSecond: checkoutRate,
    buckets: [...DEMO_TRAEFIK_BUCKETS],
    rng: createRng(seed, 'demo/traefik'),
    startAt: STORY_START - MINUTE,
  });
  let weights = readWeights(traefikFile, 'odoo-web');
  return {
    async advanceTo(t) {
      weights = readWeights(traefikFile, 'odoo-web');
      traefik.setWeights(weights);
      traefik.advance(t);
      await sim.runUntil(t);
      await exporter.scrapeOnce();
      return { traefik: traefik.exposition(), odoo: await exporter.collect() };
    },
    canaryWeight() {
      // read again: an action of the look just taken may have rewritten the file since advanceTo
      weights = readWeights(traefikFile, 'odoo-web');
      const total = Object.values(weights).reduce((a, b) => a + b, 0);
      return total > 0 ? (weights['odoo-web-canary@file'] ?? 0) / total : 0;
    },
    async close() {
      await exporter.close();
      await Promise.all(databases.map((db) => db.close()));
    },
  };
}
