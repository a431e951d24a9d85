/**
 * Options of the Odoo-schema retail simulator: one typed object with defaults; unknown keys and
 * out-of-range values are rejected (STYLE 4), never silently replaced.
 */
import type { OdooModule, OdooVersion, SqlQuery } from '../../odoo-exporter/db/index.ts';
import type { Promotion } from './shape.ts';

export interface OdooTenantSpec {
  /** tenant name (the exporter's `db` label) */
  name: string;
  db: SqlQuery;
  /** res_company names (default one company named after the tenant) */
  companies?: string[];
  /** traffic multiplier of this tenant (default 1) */
  scale?: number;
  /** Odoo modules installed (default all): a tenant without queue_job writes no jobs */
  modules?: OdooModule[];
  version?: OdooVersion;
}

/** What the release breaks, from `release.at` on, in the tenants it reaches. */
export interface OdooRegressions {
  /** reservation latency multiplier, e.g. 5 */
  reservationSlowdown?: number;
  /** probability that a paid order fails to confirm (stays a quotation) */
  confirmFailureRate?: number;
  /** every attempt of this channel's jobs fails with this probability */
  failingChannel?: { channel: string; failureRate: number };
  /** this cron stops running (nextcall stays in the past) */
  stalledCron?: string;
}

export interface OdooRelease {
  /** epoch ms (virtual) */
  at: number;
  regressions: OdooRegressions;
  /** tenants upgraded (tenant waves); default all */
  tenants?: string[];
}

export interface OdooSimOptions {
  seed: number;
  /** virtual start, epoch ms */
  start: number;
  tenants: OdooTenantSpec[];
  /** web orders per minute at the evening peak, per tenant before `scale` (default 6) */
  ordersPerMinute?: number;
  /** POS orders per minute at peak (default 3) */
  posOrdersPerMinute?: number;
  promotions?: Promotion[];
  release?: OdooRelease;
  /** create the Odoo schema subset first (default true) */
  createSchema?: boolean;
}

export class OdooSimOptionsError extends Error {
  override name = 'OdooSimOptionsError';
}

const KNOWN = new Set([
  'seed',
  'start',
  'tenants',
  'ordersPerMinute',
  'posOrdersPerMinute',
  'promotions',
  'release',
  'createSchema',
]);
const KNOWN_TENANT = new Set(['name', 'db', 'companies', 'scale', 'modules', 'version']);
const KNOWN_REGRESSION = new Set(['reservationSlowdown', 'confirmFailureRate', 'failingChannel', 'stalledCron']);

const rate = (what: string, v: number | undefined): void => {
  if (v !== undefined && !(v >= 0 && v <= 1)) throw new OdooSimOptionsError(`${what} must be in [0, 1], got ${v}`);
};

export function validateOdooSimOptions(o: OdooSimOptions): void {
  for (const k of Object.keys(o))
    if (!KNOWN.has(k)) throw new OdooSimOptionsError(`unknown option "${k}"; known: ${[...KNOWN].join(', ')}`);
  if (!Number.isSafeInteger(o.seed)) throw new OdooSimOptionsError(`seed must be a safe integer, got ${o.seed}`);
  if (!Number.isFinite(o.start)) throw new OdooSimOptionsError('start must be epoch ms');
  if (!Array.isArray(o.tenants) || o.tenants.length === 0) throw new OdooSimOptionsError('tenants: at least one');
  const names = new Set<string>();
  for (const t of o.tenants) {
    for (const k of Object.keys(t))
      if (!KNOWN_TENANT.has(k)) throw new OdooSimOptionsError(`tenant "${t.name}": unknown option "${k}"`);
    if (!t.name || names.has(t.name))
      throw new OdooSimOptionsError(`tenant names must be unique and non-empty ("${t.name}")`);
    names.add(t.name);
    if (t.scale !== undefined && !(t.scale >= 0))
      throw new OdooSimOptionsError(`tenant "${t.name}": scale must be >= 0`);
  }
  for (const [k, v] of [
    ['ordersPerMinute', o.ordersPerMinute],
    ['posOrdersPerMinute', o.posOrdersPerMinute],
  ] as const) {
    if (v !== undefined && !(v >= 0 && Number.isFinite(v)))
      throw new OdooSimOptionsError(`${k} must be a finite number >= 0`);
  }
  for (const p of o.promotions ?? [])
    if (!(p.end > p.start && p.factor > 0)) throw new OdooSimOptionsError('promotion: end > start and factor > 0');
  if (o.release) {
    const r = o.release.regressions;
    for (const k of Object.keys(r))
      if (!KNOWN_REGRESSION.has(k))
        throw new OdooSimOptionsError(`unknown regression "${k}"; known: ${[...KNOWN_REGRESSION].join(', ')}`);
    rate('confirmFailureRate', r.confirmFailureRate);
    rate('failingChannel.failureRate', r.failingChannel?.failureRate);
    if (r.reservationSlowdown !== undefined && !(r.reservationSlowdown > 0))
      throw new OdooSimOptionsError('reservationSlowdown must be > 0');
    for (const t of o.release.tenants ?? [])
      if (!names.has(t)) throw new OdooSimOptionsError(`release.tenants: unknown tenant "${t}"`);
  }
}
