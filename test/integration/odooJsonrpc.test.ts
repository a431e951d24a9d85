/**
 * The JSON-RPC way in. Odoo itself cannot be installed here (no Python/Odoo packages in this
 * environment), so the test runs a small node:http server speaking Odoo's `/jsonrpc` protocol
 * for exactly the calls the reader makes — `common.authenticate`, `common.login`,
 * `object.execute_kw` with `search_read`, `search_count` and `read_group(lazy=False)` — answering
 * from the simulator's PGlite rows with Odoo's shapes (many2one groups as `[id, name]`, `__count`,
 * datetimes as 'YYYY-MM-DD HH:MM:SS' UTC, errors as `{"error": {"data": {"name": ...}}}`).
 * The same rows are read by the SQL reader in the same exporter, and the two must agree.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import {
  createJsonRpcReader,
  createSqlReader,
  fromPglite,
  startOdooExporter,
  type SqlQuery,
} from '../../odoo-exporter/index.ts';
import { sampleSum } from '../../odoo-exporter/testing/helpers.ts';
import { createOdooSimulation } from '../../simulator/index.ts';

const API_KEY = 'test-api-key-0123456789';
const LOGIN = 'exporter@shop.example';
const DATETIMES = new Set([
  'create_date',
  'write_date',
  'date_order',
  'last_state_change',
  'date_created',
  'nextcall',
  'lastcall',
  'scheduled_date',
]);
const OPS = new Set(['=', '!=', '>', '>=', '<', '<=', 'in', 'not in']);
const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad field ${name}`);
  return name;
};

/**
 * An Odoo domain as SQL: prefix `&`/`|` operators, leaves, implicit AND of the rest
 * (odoo/osv/expression.py); `= false` is IS NULL and `not in` keeps NULLs, as Odoo's do.
 */
function where(domain: unknown[], params: unknown[]): string {
  let i = 0;
  const leaf = (l: [string, string, unknown]): string => {
    const [field, op, value] = l;
    if (!OPS.has(op)) throw new Error(`operator ${op} not served by this stub`);
    if (value === false && (op === '=' || op === '!=')) return `${ident(field)} IS ${op === '=' ? '' : 'NOT '}NULL`;
    params.push(value);
    if (op === 'in') return `${ident(field)} = ANY($${params.length})`;
    if (op === 'not in') return `(${ident(field)} IS NULL OR NOT ${ident(field)} = ANY($${params.length}))`;
    return `${ident(field)} ${op} $${params.length}${DATETIMES.has(field) ? '::timestamp' : ''}`;
  };
  const term = (): string => {
    const t = domain[i++];
    if (t === '&' || t === '|') {
      const a = term();
      const b = term();
      return `(${a} ${t === '&' ? 'AND' : 'OR'} ${b})`;
    }
    return leaf(t as [string, string, unknown]);
  };
  const parts: string[] = [];
  while (i < domain.length) parts.push(term());
  return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
}

const asOdoo = (field: string): string =>
  DATETIMES.has(field) ? `to_char(${ident(field)}, 'YYYY-MM-DD HH24:MI:SS') AS ${field}` : ident(field);

async function executeKw(
  db: SqlQuery,
  model: string,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
): Promise<unknown> {
  const params: unknown[] = [];
  if (model === 'ir.model' && method === 'search_read') {
    const wanted = ((args[0] as unknown[])[0] as [string, string, string[]])[2];
    const { rows } = await db.query<{ model: string }>(
      `SELECT m AS model FROM unnest($1::text[]) AS m WHERE to_regclass(replace(m, '.', '_')) IS NOT NULL`,
      [wanted],
    );
    return rows;
  }
  const table = ident(model.replace(/\./g, '_'));
  const filter = where(args[0] as unknown[], params);
  if (method === 'search_count')
    return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} ${filter}`, params)).rows[0].n;
  if (method === 'search_read') {
    const fields = ['id', ...((kwargs.fields as string[]) ?? [])];
    const order = kwargs.order === 'id desc' ? 'id DESC' : 'id';
    const limit = typeof kwargs.limit === 'number' ? ` LIMIT ${Math.floor(kwargs.limit)}` : '';
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT ${fields.map(asOdoo).join(', ')} FROM ${table} ${filter} ORDER BY ${order}${limit}`,
      params,
    );
    const companies = new Map(
      (await db.query<{ id: number; name: string }>('SELECT id, name FROM res_company')).rows.map((c) => [
        c.id,
        c.name,
      ]),
    );
    return rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [
          k,
          k === 'company_id' && v ? [v, companies.get(v as number)] : (v ?? false),
        ]),
      ),
    );
  }
  if (method === 'read_group') {
    assert.equal(kwargs.lazy, false, 'the reader asks for lazy=False');
    const groupby = (args[2] as string[]).map(ident);
    const aggregates = (args[1] as string[])
      .filter((f) => f.includes(':'))
      .map((f) => {
        const [field, fn] = f.split(':');
        assert.equal(fn, 'min');
        return `to_char(min(${ident(field)}), 'YYYY-MM-DD HH24:MI:SS') AS ${field}`;
      });
    const cols = [...groupby, 'count(*)::int AS __count', ...aggregates].join(', ');
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT ${cols} FROM ${table} ${filter} GROUP BY ${groupby.join(', ')}`,
      params,
    );
    const companies = new Map(
      (await db.query<{ id: number; name: string }>('SELECT id, name FROM res_company')).rows.map((c) => [
        c.id,
        c.name,
      ]),
    );
    return rows.map((r) =>
      'company_id' in r
        ? { ...r, company_id: r.company_id ? [r.company_id, companies.get(r.company_id as number)] : false }
        : r,
    );
  }
  throw new Error(`${model}.${method} not served by this stub`);
}

function odooJsonRpcServer(db: SqlQuery) {
  const calls: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const msg = JSON.parse(body) as { id: number; params: { service: string; method: string; args: unknown[] } };
      const reply = (payload: object) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, ...payload }));
      };
      const fail = (name: string, message: string) =>
        reply({ error: { code: 200, message: 'Odoo Server Error', data: { name, message, arguments: [message] } } });
      if (req.url !== '/jsonrpc' || req.method !== 'POST') return fail('werkzeug.exceptions.NotFound', 'not found');
      const { service, method, args } = msg.params;
      calls.push(`${service}.${method}${service === 'object' ? `:${args[3]}.${args[4]}` : ''}`);
      try {
        if (service === 'common' && (method === 'authenticate' || method === 'login'))
          return reply({ result: args[1] === LOGIN && args[2] === API_KEY ? 2 : false });
        if (service === 'object' && method === 'execute_kw') {
          const [, uid, key, model, m, a, kw] = args as [
            string,
            number,
            string,
            string,
            string,
            unknown[],
            Record<string, unknown>,
          ];
          if (uid !== 2 || key !== API_KEY) return fail('odoo.exceptions.AccessDenied', 'Access Denied');
          return reply({ result: await executeKw(db, model, m, a, kw ?? {}) });
        }
        fail('odoo.exceptions.UserError', `${service}.${method} not served`);
      } catch (err) {
        fail('builtins.ValueError', (err as Error).message);
      }
    });
  });
  return { server, calls };
}

test(
  'JSON-RPC reader: same series as the SQL reader on the same rows; wrong API key = tenant down',
  { timeout: 600_000 },
  async () => {
    const pglite = new PGlite();
    const db = fromPglite(pglite);
    const { server, calls } = odooJsonRpcServer(db);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const start = Date.UTC(2026, 10, 27, 19, 0, 0);
    try {
      const sim = await createOdooSimulation({
        seed: 5,
        start,
        ordersPerMinute: 3,
        posOrdersPerMinute: 2,
        tenants: [{ name: 'shop', db, companies: ['Shop EU', 'Shop US'] }],
        release: {
          at: start + 10 * 60_000,
          regressions: {
            stalledCron: 'Mail: Email Queue Manager',
            failingChannel: { channel: 'root.marketplace', failureRate: 0.9 },
          },
        },
      });
      const rpc = (name: string, key: string) =>
        createJsonRpcReader({
          db: name,
          url,
          database: 'shop',
          login: LOGIN,
          apiKey: () => key,
          timeoutMs: 5000,
          lagMs: 0,
          cronGraceSeconds: 300,
        });
      const sql = createSqlReader({
        db: 'shop-sql',
        connect: () => ({ query: db.query, close: async () => {} }),
        lagMs: 0,
        cronGraceSeconds: 300,
        tracking: { openTtlMs: 86_400_000, maxOpen: 10_000, pageSize: 1000 },
      });
      const logs: string[] = [];
      const exporter = await startOdooExporter(
        { intervalSeconds: 0 },
        {
          readers: [sql, rpc('shop-rpc', API_KEY), rpc('shop-badkey', 'not-the-key')],
          serve: false,
          clock: sim.now,
          log: (l) => logs.push(l),
        },
      );
      try {
        await exporter.scrapeOnce();
        for (let m = 5; m <= 20; m += 5) {
          await sim.runUntil(start + m * 60_000);
          await exporter.scrapeOnce();
        }
        const text = await exporter.collect();
        const both = (name: string, labels: Record<string, string> = {}) => {
          const viaSql = sampleSum(text, name, { db: 'shop-sql', ...labels });
          assert.equal(
            sampleSum(text, name, { db: 'shop-rpc', ...labels }),
            viaSql,
            `${name} ${JSON.stringify(labels)}`,
          );
          return viaSql;
        };
        for (const company of ['Shop EU', 'Shop US']) {
          assert.ok(both('odoo_sale_orders_created_total', { company }) > 0, `orders of ${company}`);
          both('odoo_sale_orders_confirmed_total', { company });
          assert.ok(both('odoo_pos_orders_total', { company, state: 'paid' }) > 0, `POS orders of ${company}`);
          for (const state of ['done', 'cancel', 'error']) both('odoo_payment_transactions_total', { company, state });
          both('odoo_account_moves_posted_total', { company, move_type: 'out_invoice' });
        }
        for (const state of ['pending', 'failed', 'started', 'enqueued'])
          both('odoo_queue_jobs', { channel: 'root.marketplace', state });
        assert.ok(
          both('odoo_queue_job_failures_total', { channel: 'root.marketplace' }) > 0,
          'failures of the failing channel',
        );
        assert.equal(both('odoo_cron_overdue'), 1);
        assert.ok(both('odoo_mail_queued') > 0, 'mails queued behind the stalled cron');
        both('odoo_mail_exception');
        both('odoo_mail_scheduled');
        both('odoo_payment_transactions', { company: 'Shop EU', state: 'pending' });
        const direct = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sale_order`)).rows[0].n;
        assert.equal(
          sampleSum(text, 'odoo_sale_orders_created_total', { db: 'shop-rpc' }),
          direct,
          'and both equal the rows',
        );
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'shop-rpc' }), 1);
        assert.ok(
          [
            'common.authenticate',
            'object.execute_kw:sale.order.read_group',
            'object.execute_kw:mail.mail.search_count',
          ].every((c) => calls.includes(c)),
          'the calls used are authenticate, read_group, search_count',
        );
        // wrong API key: this tenant is down, logged by name, the others unaffected
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'shop-badkey' }), 0);
        assert.ok(
          sampleSum(text, 'odoo_exporter_scrape_errors_total', { db: 'shop-badkey', source: 'connection' }) >= 1,
          'bad key counted',
        );
        assert.ok(
          logs.some((l) => l.includes('tenant "shop-badkey"') && l.includes('authentication failed')),
          logs.join('\n'),
        );
        assert.equal(logs.filter((l) => !l.includes('shop-badkey')).length, 0, logs.join('\n'));
      } finally {
        await exporter.close();
      }
    } finally {
      server.close();
      await pglite.close();
    }
  },
);
