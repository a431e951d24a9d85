/**
 * The exporter's configuration (YAML or JSON), validated with zod; unknown keys are rejected.
 * Secrets never live in the file: a tenant names the environment variable holding its
 * password (`passwordEnv`), its whole URL (`urlEnv`) or its Odoo API key (`jsonrpc.apiKeyEnv`);
 * a `url` with a password in it is refused.
 *
 * @example
 * listen: { port: 9469 }
 * intervalSeconds: 30
 * statementTimeoutMs: 5000
 * tenants:
 *   - db: shop_eu
 *     url: postgresql://odoo_ro@replica-eu:5432/shop_eu
 *     passwordEnv: SHOP_EU_PGPASSWORD
 *   - db: shop_us
 *     urlEnv: SHOP_US_PG_URL
 *   - db: hosted
 *     jsonrpc: { url: https://hosted.odoo.com, database: hosted, login: exporter@shop.com, apiKeyEnv: HOSTED_ODOO_KEY }
 */
import { z } from 'zod';
import { ConfigError, firstIssuePath, formatFieldPath } from '../analyzer/configError.ts';
import { parseConfigText } from '../analyzer/configText.ts';
import { RESERVATION_BUCKETS } from './signals.ts';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

const JsonRpcTenant = z.strictObject({
  /** base URL of the Odoo server; `/jsonrpc` is appended */
  url: z.url(),
  /** Odoo database name on that server (default: the tenant's `db`) */
  database: z.string().min(1).optional(),
  login: z.string().min(1),
  apiKeyEnv: envName,
});

const Tenant = z
  .strictObject({
    /** tenant label (`db` on every series) and, for SQL, the database it names */
    db: z.string().min(1),
    url: z.string().min(1).optional(),
    urlEnv: envName.optional(),
    passwordEnv: envName.optional(),
    jsonrpc: JsonRpcTenant.optional(),
  })
  .superRefine((t, ctx) => {
    const ways = [t.url, t.urlEnv, t.jsonrpc].filter((x) => x !== undefined).length;
    if (ways !== 1)
      ctx.addIssue({ code: 'custom', message: `tenant "${t.db}": give exactly one of url, urlEnv, jsonrpc` });
    if (t.url !== undefined) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(t.url);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['url'], message: `tenant "${t.db}": url is not a URL` });
      }
      if (parsed && parsed.password !== '')
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: `tenant "${t.db}": no password in url; put it in the variable named by passwordEnv`,
        });
      if (parsed && !/^postgres(ql)?:$/.test(parsed.protocol))
        ctx.addIssue({ code: 'custom', path: ['url'], message: `tenant "${t.db}": url must be postgresql://` });
    }
    if (t.jsonrpc && t.passwordEnv)
      ctx.addIssue({
        code: 'custom',
        message: `tenant "${t.db}": jsonrpc tenants use jsonrpc.apiKeyEnv, not passwordEnv`,
      });
  });

export const OdooExporterConfigSchema = z.strictObject({
  listen: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(9469),
      path: z.string().startsWith('/').default('/metrics'),
    })
    .prefault({}),
  /** seconds between scrapes of every tenant (0: no loop, scrape on demand) */
  intervalSeconds: z.number().min(0).default(30),
  /** server-side statement_timeout of every query (ms) */
  statementTimeoutMs: z.number().int().positive().default(5000),
  connectTimeoutMs: z.number().int().positive().default(5000),
  /**
   * rows committed this many seconds after they were written are still counted: time windows
   * end this far back, rows read by id are re-read this long. Odoo stamps `create_date` at the
   * transaction's start, and a sale confirmation (stock rules, reservation, mail, invoicing) or
   * the stock scheduler (commits every 1,000 moves) commits tens of seconds later.
   */
  lagSeconds: z.number().min(0).default(90),
  /** a cron is overdue once nextcall is this far in the past (Odoo's cron thread polls every 60 s) */
  cronGraceSeconds: z.number().min(0).default(300),
  tracking: z
    .strictObject({
      /** a not-yet-final payment / journal entry / POS draft is re-read at every scrape this long… */
      openTtlHours: z.number().positive().default(24),
      /** …then every this many minutes (not dropped: bills wait days, transfers pend a week)… */
      recheckMinutes: z.number().positive().default(10),
      /** …until this age */
      maxAgeDays: z.number().positive().default(90),
      maxOpen: z.number().int().positive().default(200_000),
      pageSize: z.number().int().positive().default(10_000),
    })
    .prefault({}),
  /**
   * upper bounds (seconds) of the stock-reservation latency histogram. A judge cannot bound a shift
   * finer than the bucket spacing, so a canary analysis that must tell "+25%" from "no change"
   * needs edges closer than 25% around the median (e.g. ×1.1 apart).
   */
  reservationBuckets: z
    .array(z.number().positive().finite())
    .min(1)
    .max(500)
    .refine((b) => b.every((x, i) => i === 0 || x > b[i - 1]), 'reservationBuckets must be strictly increasing')
    .default([...RESERVATION_BUCKETS]),
  tenants: z.array(Tenant).default([]),
});

export type OdooExporterConfigInput = z.input<typeof OdooExporterConfigSchema>;
export type OdooExporterConfig = z.output<typeof OdooExporterConfigSchema>;
export type TenantConfig = OdooExporterConfig['tenants'][number];

export class OdooConfigError extends ConfigError {
  override readonly name = 'OdooConfigError';
}

/** Validates a config object (throws OdooConfigError listing every problem, with the first one's field). */
export function parseOdooExporterConfig(input: unknown): OdooExporterConfig {
  const r = OdooExporterConfigSchema.safeParse(input);
  if (r.success) {
    const seen = new Set<string>();
    r.data.tenants.forEach((t, i) => {
      if (seen.has(t.db))
        throw new OdooConfigError(`odoo-exporter config: tenant "${t.db}" appears twice`, undefined, [
          'tenants',
          i,
          'db',
        ]);
      seen.add(t.db);
    });
    return r.data;
  }
  const lines = r.error.issues.map((i) => `${formatFieldPath(i.path)}: ${i.message}`);
  throw new OdooConfigError(
    `odoo-exporter config is invalid:\n${lines.map((l) => `  ${l}`).join('\n')}`,
    lines,
    firstIssuePath(r.error),
  );
}

/** Parses YAML (JSON is YAML) text into a validated config; errors are placed at `file:line:column`. */
export function parseOdooExporterConfigText(text: string, file = 'odoo-exporter config'): OdooExporterConfig {
  return parseConfigText(text, file).validate((data) => parseOdooExporterConfig(data ?? {}));
}
