/**
 * The subset of Odoo's PostgreSQL schema the exporter reads, with Odoo's own table, column and
 * index names, so the simulator writes what Odoo writes and the exporter's query plans are the
 * ones it will get in production.
 *
 * How Odoo builds it (odoo/models.py, odoo/fields.py, odoo/tools/sql.py):
 * - table = model name with dots → underscores; `id SERIAL NOT NULL PRIMARY KEY`;
 * - `create_uid/create_date/write_uid/write_date` on every model unless `_log_access = False`
 *   (OCA `queue_job` sets it: it has `date_created` … instead); Datetime = `timestamp` (UTC,
 *   naive), Date = `date`, Char/Selection = `varchar`, Many2one = `int4`, Monetary = `numeric`,
 *   Float = `float8`/`numeric`, translated Char (`ir_act_server.name`) = `jsonb` since 16.0;
 * - `index=True` → btree `<table>__<column>_index`; `index='btree_not_null'` → partial
 *   `WHERE col IS NOT NULL`; `index='trigram'` needs pg_trgm (left out: the exporter never
 *   searches names); `required=True` → NOT NULL; a Many2many → `<rel>(id1, id2)` with a primary
 *   key on both and an index on `(id2, id1)`.
 *
 * Checked line by line (2026-12-06) against Odoo 17.0 — a copy of odoo/odoo at 17.0
 * (`odoo/release.py` version_info (17, 0, 0, FINAL)) — and OCA/queue branch 17.0
 * (queue_job 17.0.1.0.5). Each table below names the file its columns come from. 16.0 and 18.0
 * variants are kept for the columns the exporter reads; they were not re-checked here.
 */
import type { SqlQuery } from './query.ts';

export type OdooVersion = '16.0' | '17.0' | '18.0';
export const ODOO_VERSIONS: readonly OdooVersion[] = ['16.0', '17.0', '18.0'];

/** Odoo modules whose tables are optional: absent module = absent signals, never an error. */
export type OdooModule = 'sale' | 'point_of_sale' | 'payment' | 'stock' | 'queue_job' | 'mail' | 'account';
export const ODOO_MODULES: readonly OdooModule[] = [
  'sale',
  'point_of_sale',
  'payment',
  'stock',
  'queue_job',
  'mail',
  'account',
];

/** Tables of `base`, present in every Odoo database. */
export const BASE_TABLES = ['res_company', 'ir_act_server', 'ir_cron', 'ir_cron_trigger'] as const;
/** Optional tables and the module that creates them (`product` comes with `sale` and `stock`). */
export const MODULE_TABLES: Record<OdooModule, readonly string[]> = {
  sale: ['sale_order', 'sale_order_line'],
  point_of_sale: ['pos_order'],
  payment: ['payment_transaction'],
  stock: [
    'stock_location',
    'product_template',
    'product_product',
    'stock_move',
    'stock_move_move_rel',
    'stock_move_line',
  ],
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
      // odoo/addons/base/models/res_company.py (17.0): name (related partner name, stored) required
      // and unique, currency_id required
      return `CREATE TABLE IF NOT EXISTS res_company (id SERIAL NOT NULL PRIMARY KEY, name varchar NOT NULL, currency_id int4 NOT NULL, ${LOG_ACCESS}, CONSTRAINT res_company_name_uniq UNIQUE (name));`;
    case 'ir_act_server':
      // odoo/addons/base/models/ir_actions.py (17.0) ir.actions.server (_table 'ir_act_server'): name
      // required + translate=True → jsonb; usage required (default 'ir_actions_server'), state required
      // (default 'object_write'), model_id required + indexed
      return [
        `CREATE TABLE IF NOT EXISTS ir_act_server (id SERIAL NOT NULL PRIMARY KEY, name jsonb NOT NULL, type varchar NOT NULL DEFAULT 'ir.actions.server', usage varchar NOT NULL DEFAULT 'ir_actions_server',`,
        ` state varchar NOT NULL DEFAULT 'object_write', model_id int4 NOT NULL, code text, ${LOG_ACCESS});`,
        idx('ir_act_server', 'model_id'),
      ].join('\n');
    case 'ir_cron':
      // odoo/addons/base/models/ir_cron.py (17.0): ir_actions_server_id required (delegate), user_id
      // required, interval_number default 1, interval_type default 'months', numbercall default 1
      // (-1 = no limit), doall, nextcall required; 18.0 dropped numbercall/doall for failure_count.
      return [
        `CREATE TABLE IF NOT EXISTS ir_cron (id SERIAL NOT NULL PRIMARY KEY, ir_actions_server_id int4 NOT NULL, cron_name varchar, user_id int4 NOT NULL, active bool DEFAULT true,`,
        ` interval_number int4 DEFAULT 1, interval_type varchar DEFAULT 'months', nextcall timestamp NOT NULL, lastcall timestamp, priority int4 DEFAULT 5,`,
        v18
          ? ` failure_count int4 DEFAULT 0, first_failure_date timestamp,`
          : ` numbercall int4 DEFAULT 1, doall bool,`,
        ` ${LOG_ACCESS});`,
        idx('ir_cron', 'ir_actions_server_id'),
      ].join('\n');
    case 'ir_cron_trigger':
      // odoo/addons/base/models/ir_cron.py (17.0) class ir_cron_trigger: cron_id, call_at, both index=True
      return [
        `CREATE TABLE IF NOT EXISTS ir_cron_trigger (id SERIAL NOT NULL PRIMARY KEY, cron_id int4, call_at timestamp, ${LOG_ACCESS});`,
        idx('ir_cron_trigger', 'cron_id'),
        idx('ir_cron_trigger', 'call_at'),
      ].join('\n');
    case 'sale_order':
      // addons/sale/models/sale_order.py (17.0): company_id, partner_id, state, create_date, user_id
      // index=True; date_order required, indexed by init() as (date_order desc, id desc); the
      // `date_order_conditional_required` constraint; states draft|sent|sale|cancel (16.0 also 'done').
      return [
        `CREATE TABLE IF NOT EXISTS sale_order (id SERIAL NOT NULL PRIMARY KEY, name varchar NOT NULL, company_id int4 NOT NULL, partner_id int4 NOT NULL,`,
        ` user_id int4, state varchar, date_order timestamp NOT NULL, origin varchar, amount_total numeric, ${v16 ? '' : 'locked bool,'} ${LOG_ACCESS}`,
        v16
          ? ');'
          : `, CONSTRAINT sale_order_date_order_conditional_required CHECK ((state = 'sale' AND date_order IS NOT NULL) OR state != 'sale'));`,
        idx('sale_order', 'company_id'),
        idx('sale_order', 'partner_id'),
        idx('sale_order', 'state'),
        idx('sale_order', 'create_date'),
        idx('sale_order', 'user_id'),
        v16
          ? idx('sale_order', 'date_order')
          : `CREATE INDEX IF NOT EXISTS sale_order_date_order_id_idx ON sale_order (date_order DESC, id DESC);`,
      ].join('\n');
    case 'sale_order_line':
      // addons/sale/models/sale_order_line.py (17.0): order_id required+indexed, company_id (related,
      // stored) indexed, product_id btree_not_null, product_uom_qty and price_unit required, state
      // related (stored). Not read by the exporter; written by the simulator's shape only.
      return [
        `CREATE TABLE IF NOT EXISTS sale_order_line (id SERIAL NOT NULL PRIMARY KEY, order_id int4 NOT NULL, company_id int4, product_id int4, product_uom_qty numeric NOT NULL, price_unit numeric NOT NULL, state varchar, ${LOG_ACCESS});`,
        idx('sale_order_line', 'order_id'),
        idx('sale_order_line', 'company_id'),
        idx('sale_order_line', 'product_id', 'product_id IS NOT NULL'),
      ].join('\n');
    case 'pos_order':
      // addons/point_of_sale/models/pos_order.py (17.0): state draft|cancel|paid|done|invoiced
      // (index=True), date_order (index=True, sent by the till), company_id/session_id required and
      // indexed, pos_reference indexed, amount_total required. 18.0 dropped 'invoiced'.
      return [
        `CREATE TABLE IF NOT EXISTS pos_order (id SERIAL NOT NULL PRIMARY KEY, name varchar NOT NULL, company_id int4 NOT NULL, session_id int4 NOT NULL, state varchar, date_order timestamp, pos_reference varchar, amount_total numeric NOT NULL, ${LOG_ACCESS});`,
        idx('pos_order', 'session_id'),
        idx('pos_order', 'state'),
        idx('pos_order', 'date_order'),
        idx('pos_order', 'company_id'),
        idx('pos_order', 'pos_reference'),
      ].join('\n');
    case 'payment_transaction':
      // addons/payment/models/payment_transaction.py (17.0): provider_id, reference, amount,
      // currency_id, state, partner_id required; company_id (related, stored), state and operation
      // index=True; last_state_change not indexed; reference unique.
      return [
        `CREATE TABLE IF NOT EXISTS payment_transaction (id SERIAL NOT NULL PRIMARY KEY, provider_id int4 NOT NULL, company_id int4, reference varchar NOT NULL, amount numeric NOT NULL,`,
        ` currency_id int4 NOT NULL, state varchar NOT NULL, state_message text, last_state_change timestamp, operation varchar, partner_id int4 NOT NULL, ${LOG_ACCESS},`,
        ` CONSTRAINT payment_transaction_reference_uniq UNIQUE (reference));`,
        idx('payment_transaction', 'company_id'),
        idx('payment_transaction', 'state'),
        idx('payment_transaction', 'operation'),
      ].join('\n');
    case 'stock_location':
      // addons/stock/models/stock_location.py (17.0): usage required, index=True, default 'internal'
      // (supplier|view|internal|customer|inventory|production|transit); scrap_location; company_id indexed
      return [
        `CREATE TABLE IF NOT EXISTS stock_location (id SERIAL NOT NULL PRIMARY KEY, name varchar NOT NULL, complete_name varchar, usage varchar NOT NULL, scrap_location bool, company_id int4, active bool DEFAULT true, ${LOG_ACCESS});`,
        idx('stock_location', 'usage'),
        idx('stock_location', 'company_id'),
      ].join('\n');
    case 'product_template':
      // addons/product/models/product_template.py (17.0): detailed_type required (consu|service, stock
      // adds 'product'); `type` stored, computed from it — what stock.move._should_bypass_reservation reads.
      // 18.0 replaced 'product' by is_storable.
      return `CREATE TABLE IF NOT EXISTS product_template (id SERIAL NOT NULL PRIMARY KEY, name jsonb NOT NULL, ${v18 ? 'type varchar, is_storable bool,' : 'detailed_type varchar NOT NULL, type varchar,'} ${LOG_ACCESS});`;
    case 'product_product':
      return [
        `CREATE TABLE IF NOT EXISTS product_product (id SERIAL NOT NULL PRIMARY KEY, product_tmpl_id int4 NOT NULL, active bool DEFAULT true, ${LOG_ACCESS});`,
        idx('product_product', 'product_tmpl_id'),
      ].join('\n');
    case 'stock_move':
      // addons/stock/models/stock_move.py (17.0): state draft|waiting|confirmed|partially_available|
      // assigned|done|cancel (index=True); no "confirmed at" or "reserved at" column
      // (`reservation_date` is a Date: "date to reserve"); company_id, product_id, location_id,
      // location_dest_id, date, picking_id indexed; procure_method required; sale_line_id
      // (sale_stock) btree_not_null.
      return [
        `CREATE TABLE IF NOT EXISTS stock_move (id SERIAL NOT NULL PRIMARY KEY, name varchar NOT NULL, company_id int4 NOT NULL, product_id int4 NOT NULL, product_uom_qty numeric NOT NULL,`,
        ` state varchar, date timestamp NOT NULL, reservation_date date, origin varchar, picking_id int4, sale_line_id int4, location_id int4 NOT NULL, location_dest_id int4 NOT NULL,`,
        ` procure_method varchar NOT NULL DEFAULT 'make_to_stock', picking_type_id int4, ${LOG_ACCESS});`,
        idx('stock_move', 'company_id'),
        idx('stock_move', 'product_id'),
        idx('stock_move', 'state'),
        idx('stock_move', 'date'),
        idx('stock_move', 'location_id'),
        idx('stock_move', 'location_dest_id'),
        idx('stock_move', 'picking_id'),
        idx('stock_move', 'sale_line_id', 'sale_line_id IS NOT NULL'),
      ].join('\n');
    case 'stock_move_move_rel':
      // stock.move move_orig_ids / move_dest_ids (Many2many 'stock_move_move_rel', 'move_dest_id', 'move_orig_id')
      return [
        `CREATE TABLE IF NOT EXISTS stock_move_move_rel (move_orig_id int4 NOT NULL, move_dest_id int4 NOT NULL, PRIMARY KEY (move_orig_id, move_dest_id));`,
        `CREATE INDEX IF NOT EXISTS stock_move_move_rel_move_dest_id_move_orig_id_idx ON stock_move_move_rel (move_dest_id, move_orig_id);`,
      ].join('\n');
    case 'stock_move_line':
      // addons/stock/models/stock_move_line.py (17.0): move_id, picking_id, product_id indexed,
      // company_id required+indexed; 17.0 merged reserved_uom_qty/qty_done into `quantity` + `picked`
      return [
        `CREATE TABLE IF NOT EXISTS stock_move_line (id SERIAL NOT NULL PRIMARY KEY, move_id int4, company_id int4 NOT NULL, product_id int4, picking_id int4,`,
        v16 ? ` reserved_uom_qty numeric, qty_done numeric,` : ` quantity numeric, picked bool,`,
        ` ${LOG_ACCESS});`,
        idx('stock_move_line', 'move_id'),
        idx('stock_move_line', 'company_id'),
        idx('stock_move_line', 'product_id'),
        idx('stock_move_line', 'picking_id'),
      ].join('\n');
    case 'queue_job':
      // OCA/queue 17.0 queue_job/models/queue_job.py: `_log_access = False`; uuid (required),
      // graph_uuid, company_id, state (required), channel indexed; init() creates the partial
      // identity_key index on ('pending', 'enqueued'); states from queue_job/job.py STATES.
      return [
        `CREATE TABLE IF NOT EXISTS queue_job (id SERIAL NOT NULL PRIMARY KEY, uuid varchar NOT NULL, graph_uuid varchar, user_id int4, company_id int4, name varchar,`,
        ` model_name varchar, method_name varchar, func_string varchar, state varchar NOT NULL, priority int4, exc_name varchar, exc_message varchar, exc_info text, result text,`,
        ` date_created timestamp, date_started timestamp, date_enqueued timestamp, date_done timestamp, exec_time float8, date_cancelled timestamp, eta timestamp,`,
        ` retry int4, max_retries int4, channel_method_name varchar, job_function_id int4, channel varchar, identity_key varchar, worker_pid int4);`,
        idx('queue_job', 'uuid'),
        idx('queue_job', 'graph_uuid'),
        idx('queue_job', 'company_id'),
        idx('queue_job', 'state'),
        idx('queue_job', 'channel'),
        `CREATE INDEX IF NOT EXISTS queue_job_identity_key_state_partial_index ON queue_job (identity_key) WHERE state in ('pending', 'enqueued') AND identity_key IS NOT NULL;`,
      ].join('\n');
    case 'mail_mail':
      // addons/mail/models/mail_mail.py (17.0): mail_message_id required+indexed; state
      // outgoing|sent|received|exception|cancel (not indexed); scheduled_date Datetime (16.0: Char)
      return [
        `CREATE TABLE IF NOT EXISTS mail_mail (id SERIAL NOT NULL PRIMARY KEY, mail_message_id int4 NOT NULL, state varchar, scheduled_date ${v16 ? 'varchar' : 'timestamp'}, failure_type varchar,`,
        ` failure_reason text, auto_delete bool, email_to text, ${LOG_ACCESS});`,
        idx('mail_mail', 'mail_message_id'),
      ].join('\n');
    case 'account_move':
      // addons/account/models/account_move.py (17.0): state draft|posted|cancel required, NOT indexed;
      // move_type required+indexed; date required+indexed; company_id indexed; journal_id required
      // (no index of its own: init() creates account_move_journal_id_company_id_idx); currency_id
      // required; auto_post required (no|at_date|monthly|quarterly|yearly). No "posted at" column.
      return [
        `CREATE TABLE IF NOT EXISTS account_move (id SERIAL NOT NULL PRIMARY KEY, name varchar, company_id int4, journal_id int4 NOT NULL, move_type varchar NOT NULL,`,
        ` state varchar NOT NULL DEFAULT 'draft', date date NOT NULL, currency_id int4 NOT NULL, auto_post varchar NOT NULL DEFAULT 'no', payment_state varchar, posted_before bool, amount_total numeric, ${LOG_ACCESS});`,
        idx('account_move', 'company_id'),
        idx('account_move', 'move_type'),
        idx('account_move', 'date'),
        `CREATE INDEX IF NOT EXISTS account_move_journal_id_company_id_idx ON account_move (journal_id, company_id, date);`,
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
  if (!ODOO_VERSIONS.includes(version))
    throw new RangeError(`odoo schema: unknown version "${version}"; known: ${ODOO_VERSIONS.join(', ')}`);
  const modules = options.modules ?? ODOO_MODULES;
  for (const m of modules)
    if (!ODOO_MODULES.includes(m))
      throw new RangeError(`odoo schema: unknown module "${m}"; known: ${ODOO_MODULES.join(', ')}`);
  const tables = [...BASE_TABLES, ...modules.flatMap((m) => MODULE_TABLES[m])];
  for (const t of tables) {
    for (const statement of tableDdl(t, version).split(/;\n/)) {
      const s = statement.trim().replace(/;$/, '');
      if (s) await db.query(s);
    }
  }
  return tables;
}
