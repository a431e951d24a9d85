/**
 * The subset of Odoo's PostgreSQL schema the exporter reads, with Odoo's own table, column and
 * index names, so the simulator writes what Odoo writes and the exporter's query plans are the
 * ones it will get in production.
 *
 * How Odoo builds it (odoo/models.py, odoo/fields.py, odoo/tools/sql.py — 16.0 to 18.0):
 * - table = model name with dots → underscores; `id SERIAL NOT NULL PRIMARY KEY`;
 * - `create_uid/create_date/write_uid/write_date` on every model unless `_log_access = False`
 *   (OCA `queue_job` sets it: it has `date_created` … instead); Datetime = `timestamp` (UTC,
 *   naive), Date = `date`, Char/Selection = `varchar`, Many2one = `int4`, Monetary = `numeric`,
 *   Float = `float8`/`numeric`, translated Char (`ir_act_server.name`) = `jsonb` since 16.0;
 * - `index=True` → btree `<table>__<column>_index` (double underscore since 16.0; 15.0 and older
 *   used `<table>_<column>_index`); `index='btree_not_null'` → partial `WHERE col IS NOT NULL`;
 *   `index='trigram'` needs pg_trgm (left out here: the exporter never searches names).
 *
 * What was checked in stored copies of public source (2026-11-27), and what was not:
 * - odoo/odoo addons/sale/models/sale_order.py (a 17.x/18.0 branch: `create_index`, `SQL`,
 *   `_sql_constraints`): `company_id`, `partner_id`, `state`, `create_date` (overridden for it),
 *   `user_id` `index=True`; `date_order` has no `index=True` — `init()` creates
 *   `sale_order_date_order_id_idx (date_order desc, id desc)`; states draft|sent|sale|cancel.
 *   16.0 and older declared `date_order` `index=True` (seen in third-party overrides copying the
 *   16.0 field) and had `done` (replaced by `locked` in 17.0);
 * - addons/payment/models/payment_transaction.py (a post-18.0 branch): `company_id` and `state`
 *   indexed, `last_state_change` not, `reference` unique;
 * - odoo/addons/base/models/ir_cron.py (post-18.0): `failure_count`, `first_failure_date`,
 *   `cron_name` stored, no `numbercall`/`doall` (those are 17.0 and older — from memory, not
 *   re-checked here);
 * - OCA/queue queue_job/models/queue_job.py (10.0 and a 17.0+ derivative): `_log_access = False`,
 *   `uuid`, `state`, `channel`, `company_id` indexed, the partial `identity_key` index;
 * - pos_order: 16.0/17.0 states include `invoiced`; 18.0's do not (a stored 18.0 analysis).
 * stock_move / stock_move_line / mail_mail / account_move indexes are as declared in 17.0 to our
 * reading and were not re-checked; the exporter relies only on `stock_move.state`,
 * `stock_move_line.move_id` and primary keys there.
 */
import type { SqlQuery } from './query.ts';

export type OdooVersion = '16.0' | '17.0' | '18.0';
export const ODOO_VERSIONS: readonly OdooVersion[] = ['16.0', '17.0', '18.0'];

/** Odoo modules whose tables are optional: absent module = absent signals, never an error. */
export type OdooModule = 'sale' | 'point_of_sale' | 'payment' | 'stock' | 'queue_job' | 'mail' | 'account';
export const ODOO_MODULES: readonly OdooModule[] = ['sale', 'point_of_sale', 'payment', 'stock', 'queue_job', 'mail', 'account'];

/** Tables of `base`, present in every Odoo database. */
export const BASE_TABLES = ['res_company', 'ir_act_server', 'ir_cron'] as const;
/** Optional tables and the module that creates them. */
export const MODULE_TABLES: Record<OdooModule, readonly string[]> = {
  sale: ['sale_order', 'sale_order_line'],
  point_of_sale: ['pos_order'],
  payment: ['payment_transaction'],
  stock: ['stock_move', 'stock_move_line'],
  queue_job: ['queue_job'],
  mail: ['mail_mail'],
  account: ['account_move'],
};

const LOG_ACCESS = `create_uid int4, create_date timestamp, write_uid int4, write_date timestamp`;

function idx(table: string, column: string, where = ''): string {
  return `CREATE INDEX IF NOT EXISTS ${table}__${column}_index ON ${table} (${column})${where ? ` WHERE ${where}` : ''};`;
}

/** DDL of one table (CREATE TABLE + the indexes Odoo creates), for an Odoo version. */
export function tableDdl(table: string, version: OdooVersion): string {
  const v16 = version === '16.0';
  const v18 = version === '18.0';
  switch (table) {
    case 'res_company':
      return `CREATE TABLE IF NOT EXISTS res_company (id SERIAL NOT NULL PRIMARY KEY, name varchar NOT NULL, currency_id int4, ${LOG_ACCESS});`;
    case 'ir_act_server':
      // ir.actions.server (_table 'ir_act_server', _inherit 'ir.actions.actions'): name translated → jsonb
      return `CREATE TABLE IF NOT EXISTS ir_act_server (id SERIAL NOT NULL PRIMARY KEY, name jsonb NOT NULL, type varchar NOT NULL DEFAULT 'ir.actions.server', usage varchar, state varchar NOT NULL DEFAULT 'code', model_id int4, code text, ${LOG_ACCESS});`;
    case 'ir_cron':
      return [
        `CREATE TABLE IF NOT EXISTS ir_cron (id SERIAL NOT NULL PRIMARY KEY, ir_actions_server_id int4 NOT NULL, cron_name varchar, user_id int4, active bool DEFAULT true,`,
        ` interval_number int4 NOT NULL DEFAULT 1, interval_type varchar NOT NULL DEFAULT 'months', nextcall timestamp NOT NULL, lastcall timestamp, priority int4 DEFAULT 5,`,
        // 18.0 removed numbercall/doall and added consecutive-failure tracking (base/models/ir_cron.py)
        v18 ? ` failure_count int4 DEFAULT 0, first_failure_date timestamp,` : ` numbercall int4 DEFAULT -1, doall bool,`,
        ` ${LOG_ACCESS});`,
        idx('ir_cron', 'ir_actions_server_id'),
      ].join('\n');
    case 'sale_order':
      return [
        // state: draft|sent|sale|cancel (17.0, 18.0); 16.0 also 'done' (replaced by `locked` in 17.0)
        `CREATE TABLE IF NOT EXISTS sale_order (id SERIAL NOT NULL PRIMARY KEY, name varchar NOT NULL, company_id int4 NOT NULL, partner_id int4 NOT NULL,`,
        ` user_id int4, state varchar, date_order timestamp NOT NULL, origin varchar, amount_total numeric, ${v16 ? '' : 'locked bool,'} ${LOG_ACCESS});`,
        idx('sale_order', 'company_id'), idx('sale_order', 'partner_id'), idx('sale_order', 'state'),
        idx('sale_order', 'create_date'), idx('sale_order', 'user_id'),
        v16 ? idx('sale_order', 'date_order') : `CREATE INDEX IF NOT EXISTS sale_order_date_order_id_idx ON sale_order (date_order DESC, id DESC);`,
      ].join('\n');
    case 'sale_order_line':
      return [
        `CREATE TABLE IF NOT EXISTS sale_order_line (id SERIAL NOT NULL PRIMARY KEY, order_id int4 NOT NULL, company_id int4, product_id int4, product_uom_qty numeric, price_unit numeric, state varchar, ${LOG_ACCESS});`,
        idx('sale_order_line', 'order_id'), idx('sale_order_line', 'company_id'), idx('sale_order_line', 'product_id'),
      ].join('\n');
    case 'pos_order':
      return [
        // state: draft|cancel|paid|done|invoiced (16.0, 17.0); 18.0 dropped 'invoiced' (is_invoiced instead)
        `CREATE TABLE IF NOT EXISTS pos_order (id SERIAL NOT NULL PRIMARY KEY, name varchar NOT NULL, company_id int4 NOT NULL, session_id int4 NOT NULL, state varchar, date_order timestamp, amount_total numeric NOT NULL, ${LOG_ACCESS});`,
        idx('pos_order', 'session_id'), idx('pos_order', 'state'), idx('pos_order', 'date_order'),
      ].join('\n');
    case 'payment_transaction':
      return [
        // state: draft|pending|authorized|done|cancel|error in 16.0–18.0; `last_state_change` has no index
        `CREATE TABLE IF NOT EXISTS payment_transaction (id SERIAL NOT NULL PRIMARY KEY, provider_id int4 NOT NULL, company_id int4, reference varchar NOT NULL, amount numeric NOT NULL,`,
        ` currency_id int4, state varchar NOT NULL, state_message text, last_state_change timestamp, operation varchar, partner_id int4, ${LOG_ACCESS},`,
        ` CONSTRAINT payment_transaction_reference_uniq UNIQUE (reference));`,
        idx('payment_transaction', 'company_id'), idx('payment_transaction', 'state'), idx('payment_transaction', 'operation'),
      ].join('\n');
    case 'stock_move':
      return [
        // state: draft|waiting|confirmed|partially_available|assigned|done|cancel; no "reserved at"
        // column — `reservation_date` is a Date meaning "date to reserve"
        `CREATE TABLE IF NOT EXISTS stock_move (id SERIAL NOT NULL PRIMARY KEY, name varchar, company_id int4 NOT NULL, product_id int4 NOT NULL, product_uom_qty numeric NOT NULL,`,
        ` state varchar, date timestamp NOT NULL, reservation_date date, origin varchar, picking_id int4, sale_line_id int4, location_id int4, location_dest_id int4, ${LOG_ACCESS});`,
        idx('stock_move', 'company_id'), idx('stock_move', 'product_id'), idx('stock_move', 'state'), idx('stock_move', 'date'),
        idx('stock_move', 'picking_id'), idx('stock_move', 'sale_line_id', 'sale_line_id IS NOT NULL'),
      ].join('\n');
    case 'stock_move_line':
      return [
        // 17.0 merged reserved_uom_qty/qty_done into `quantity` + `picked`
        `CREATE TABLE IF NOT EXISTS stock_move_line (id SERIAL NOT NULL PRIMARY KEY, move_id int4, company_id int4 NOT NULL, product_id int4, picking_id int4,`,
        v16 ? ` reserved_uom_qty numeric, qty_done numeric,` : ` quantity numeric, picked bool,`,
        ` ${LOG_ACCESS});`,
        idx('stock_move_line', 'move_id'), idx('stock_move_line', 'product_id'), idx('stock_move_line', 'picking_id'),
      ].join('\n');
    case 'queue_job':
      return [
        // OCA queue_job (16.0–18.0): state wait_dependencies|pending|enqueued|started|done|cancelled|failed
        `CREATE TABLE IF NOT EXISTS queue_job (id SERIAL NOT NULL PRIMARY KEY, uuid varchar NOT NULL, graph_uuid varchar, user_id int4, company_id int4, name varchar,`,
        ` model_name varchar, method_name varchar, func_string varchar, state varchar NOT NULL, priority int4, exc_name varchar, exc_message varchar, exc_info text, result text,`,
        ` date_created timestamp, date_started timestamp, date_enqueued timestamp, date_done timestamp, exec_time float8, date_cancelled timestamp, eta timestamp,`,
        ` retry int4, max_retries int4, channel_method_name varchar, job_function_id int4, channel varchar, identity_key varchar, worker_pid int4);`,
        idx('queue_job', 'uuid'), idx('queue_job', 'graph_uuid'), idx('queue_job', 'company_id'), idx('queue_job', 'state'), idx('queue_job', 'channel'),
        `CREATE INDEX IF NOT EXISTS queue_job_identity_key_state_partial_index ON queue_job (identity_key) WHERE state in ('pending', 'enqueued', 'wait_dependencies') AND identity_key IS NOT NULL;`,
      ].join('\n');
    case 'mail_mail':
      return [
        // state: outgoing|sent|received|exception|cancel; sent mails are usually deleted (auto_delete)
        `CREATE TABLE IF NOT EXISTS mail_mail (id SERIAL NOT NULL PRIMARY KEY, mail_message_id int4 NOT NULL, state varchar, scheduled_date timestamp, failure_type varchar,`,
        ` failure_reason text, auto_delete bool, email_to text, ${LOG_ACCESS});`,
        idx('mail_mail', 'mail_message_id'),
      ].join('\n');
    case 'account_move':
      return [
        // state: draft|posted|cancel; there is no "posted at" column (only posted_before)
        `CREATE TABLE IF NOT EXISTS account_move (id SERIAL NOT NULL PRIMARY KEY, name varchar, company_id int4, journal_id int4 NOT NULL, move_type varchar NOT NULL,`,
        ` state varchar NOT NULL DEFAULT 'draft', date date NOT NULL, payment_state varchar, posted_before bool, amount_total numeric, ${LOG_ACCESS});`,
        idx('account_move', 'company_id'), idx('account_move', 'journal_id'), idx('account_move', 'state'), idx('account_move', 'date'),
      ].join('\n');
    default:
      throw new RangeError(`odoo schema: unknown table "${table}"`);
  }
}

export interface CreateSchemaOptions {
  version?: OdooVersion;
  /** modules installed (default: all); `base` tables are always created */
  modules?: readonly OdooModule[];
}

/** Creates the subset of an Odoo database's schema (idempotent). Returns the tables created. */
export async function createOdooSchema(db: SqlQuery, options: CreateSchemaOptions = {}): Promise<string[]> {
  const version = options.version ?? '17.0';
  if (!ODOO_VERSIONS.includes(version)) throw new RangeError(`odoo schema: unknown version "${version}"; known: ${ODOO_VERSIONS.join(', ')}`);
  const modules = options.modules ?? ODOO_MODULES;
  for (const m of modules) if (!ODOO_MODULES.includes(m)) throw new RangeError(`odoo schema: unknown module "${m}"; known: ${ODOO_MODULES.join(', ')}`);
  const tables = [...BASE_TABLES, ...modules.flatMap((m) => MODULE_TABLES[m])];
  for (const t of tables) {
    for (const statement of tableDdl(t, version).split(/;\n/)) {
      const s = statement.trim().replace(/;$/, '');
      if (s) await db.query(s);
    }
  }
  return tables;
}
