/**
 * `startOdooExporter(config)`: many tenant databases from one process. Every `intervalSeconds`
 * all tenants are scraped concurrently (each on its own single connection); a tenant's failure
 * (wrong password, database dropped, timeout, broken table) sets its `odoo_exporter_up{db}` to 0,
 * counts `odoo_exporter_scrape_errors_total{db,source}` and logs a line naming the tenant —
 * when the error starts or changes, and when it clears — while the other tenants keep serving.
 */
import {
  parseOdooExporterConfig,
  type OdooExporterConfig,
  type OdooExporterConfigInput,
  type TenantConfig,
} from './config.ts';
import { createJsonRpcReader } from './jsonrpc/reader.ts';
import { createOdooMetrics, type OdooMetrics } from './metrics.ts';
import { describeError, type TenantReader } from './signals.ts';
import { pgConnection } from './sql/connect.ts';
import { createSqlReader } from './sql/reader.ts';

export interface OdooExporterOptions {
  /**
   * epoch ms, for replays (the simulator passes its virtual clock): SQL tenants then take "now"
   * from it. Default: SQL tenants read `now()` from their database, the clock Odoo stamps rows
   * with; Date.now stamps the exporter's own series.
   */
  clock?: () => number;
  /** one line per tenant error change; default: stderr */
  log?: (line: string) => void;
  /** where `passwordEnv` / `urlEnv` / `apiKeyEnv` are looked up; default process.env */
  env?: Record<string, string | undefined>;
  /** readers added programmatically (e.g. over PGlite), next to the configured tenants */
  readers?: TenantReader[];
  /** false: do not listen (tests read `collect()`) */
  serve?: boolean;
}

export interface OdooExporter {
  readonly url: string | undefined;
  readonly tenants: readonly string[];
  /** scrapes every tenant once (the loop calls this; tests and replays call it directly) */
  scrapeOnce(): Promise<void>;
  /** the exposition text /metrics would answer */
  collect(): Promise<string>;
  close(): Promise<void>;
}

function sqlUrl(t: TenantConfig, env: Record<string, string | undefined>): string {
  if (t.urlEnv !== undefined) {
    const v = env[t.urlEnv];
    if (!v) throw new Error(`environment variable ${t.urlEnv} (urlEnv) is not set`);
    return v;
  }
  const u = new URL(t.url!);
  if (u.pathname === '' || u.pathname === '/') u.pathname = `/${t.db}`;
  return u.toString();
}

export function readerFor(
  t: TenantConfig,
  config: OdooExporterConfig,
  env: Record<string, string | undefined>,
  clock: 'database' | 'caller' = 'database',
): TenantReader {
  const tracking = {
    openTtlMs: config.tracking.openTtlHours * 3_600_000,
    recheckMs: config.tracking.recheckMinutes * 60_000,
    maxAgeMs: config.tracking.maxAgeDays * 86_400_000,
    maxOpen: config.tracking.maxOpen,
    pageSize: config.tracking.pageSize,
  };
  if (t.jsonrpc) {
    const rpc = t.jsonrpc;
    return createJsonRpcReader({
      db: t.db,
      url: rpc.url,
      database: rpc.database ?? t.db,
      login: rpc.login,
      apiKey: () => {
        const key = env[rpc.apiKeyEnv];
        if (!key) throw new Error(`environment variable ${rpc.apiKeyEnv} (jsonrpc.apiKeyEnv) is not set`);
        return key;
      },
      timeoutMs: config.statementTimeoutMs + config.connectTimeoutMs,
      lagMs: config.lagSeconds * 1000,
      cronGraceSeconds: config.cronGraceSeconds,
    });
  }
  return createSqlReader({
    db: t.db,
    clock,
    lagMs: config.lagSeconds * 1000,
    cronGraceSeconds: config.cronGraceSeconds,
    tracking,
    connect: () => {
      let password: string | undefined;
      if (t.passwordEnv !== undefined) {
        password = env[t.passwordEnv];
        if (password === undefined) throw new Error(`environment variable ${t.passwordEnv} (passwordEnv) is not set`);
      }
      return pgConnection({
        url: sqlUrl(t, env),
        password,
        statementTimeoutMs: config.statementTimeoutMs,
        connectTimeoutMs: config.connectTimeoutMs,
      });
    },
  });
}

export async function startOdooExporter(
  input: OdooExporterConfigInput | OdooExporterConfig,
  options: OdooExporterOptions = {},
): Promise<OdooExporter> {
  const config = parseOdooExporterConfig(input);
  const clock = options.clock ?? Date.now;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = options.env ?? process.env;
  const readers = [
    ...config.tenants.map((t) => readerFor(t, config, env, options.clock ? 'caller' : 'database')),
    ...(options.readers ?? []),
  ];
  if (readers.length === 0) throw new Error('odoo-exporter: no tenants configured');
  const names = readers.map((r) => r.db);
  if (new Set(names).size !== names.length)
    throw new Error(`odoo-exporter: duplicate tenant names in ${names.join(', ')}`);

  const metrics: OdooMetrics = await createOdooMetrics({
    host: config.listen.host,
    port: config.listen.port,
    endpoint: config.listen.path,
    serve: options.serve,
    reservationBuckets: config.reservationBuckets,
  });
  const lastError = new Map<string, string>(); // `${db}\0${source}` → message

  const scrapeTenant = async (reader: TenantReader): Promise<void> => {
    const t0 = performance.now();
    const at = clock();
    const outcomes = await reader.scrape(at).catch((err: Error) => [{ source: 'connection', error: err, seconds: 0 }]);
    const failed = metrics.record(reader.db, outcomes, (performance.now() - t0) / 1000, at);
    const now = new Set<string>();
    for (const o of failed) {
      const key = `${reader.db}\u0000${o.source}`;
      const message = describeError(o.error);
      now.add(key);
      if (lastError.get(key) !== message)
        log(`odoo-exporter: tenant "${reader.db}" source ${o.source} failed: ${message}`);
      lastError.set(key, message);
    }
    for (const key of [...lastError.keys()]) {
      if (!key.startsWith(`${reader.db}\u0000`) || now.has(key)) continue;
      // a source skipped because the connection failed has not recovered: only report real recoveries
      const source = key.split('\u0000')[1];
      if (outcomes.some((o) => o.source === source && !o.error)) {
        log(`odoo-exporter: tenant "${reader.db}" source ${source} recovered`);
        lastError.delete(key);
      }
    }
  };

  let running: Promise<void> | undefined;
  const scrapeOnce = (): Promise<void> => {
    running ??= Promise.all(readers.map(scrapeTenant))
      .then(() => undefined)
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  let timer: NodeJS.Timeout | undefined;
  if (config.intervalSeconds > 0) {
    void scrapeOnce();
    timer = setInterval(() => void scrapeOnce(), config.intervalSeconds * 1000);
    timer.unref?.();
  }

  let closing: Promise<void> | undefined;
  return {
    get url() {
      return metrics.url;
    },
    tenants: names,
    scrapeOnce,
    collect: () => metrics.collect(),
    close() {
      closing ??= (async () => {
        if (timer) clearInterval(timer);
        await running?.catch(() => undefined);
        await Promise.all(readers.map((r) => r.close().catch(() => undefined)));
        await metrics.close();
      })();
      return closing;
    },
  };
}
