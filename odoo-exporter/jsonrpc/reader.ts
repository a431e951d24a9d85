/**
 * The JSON-RPC way in, for hosted Odoo with no database access: the same series as the SQL
 * reader, through `search_count` / `read_group` / `search_read` on the ORM (so record rules and
 * multi-company apply). `read_group(domain, fields, groupby, lazy=False)` answers `__count` per
 * group, many2one groups as `[id, name]` (16.0–18.0; 18.0 deprecates it in favour of
 * `_read_group`/`formatted_read_group` for server code but still serves it over RPC).
 *
 * Differences from SQL, stated: the stock reservation histogram is SQL-only; payment outcomes and
 * posted journal entries are counted by windows on `last_state_change` / `write_date` (no
 * id tracking over RPC), so a posted entry rewritten later (e.g. `payment_state`) counts again;
 * the oldest pending job's age ignores `eta`. POS orders are read by id as in SQL (the till's
 * `date_order` is not a commit time); payments leave out `validation`/`refund` operations; mails
 * are due or scheduled as `process_email_queue` decides; crons use `numbercall != 0` (16.0/17.0)
 * but not `ir.cron.trigger` rows (SQL does).
 */
import { COUNTERS, GAUGES, emptyBatch, type SignalBatch, type SourceOutcome, type TenantReader } from '../signals.ts';
import { LateCommitWindow } from '../sql/tracker.ts';
import { createJsonRpcClient, odooDatetime, parseOdooDatetime, type Domain, type JsonRpcClient } from './client.ts';

export interface JsonRpcReaderOptions {
  db: string;
  url: string;
  database: string;
  login: string;
  apiKey: () => string;
  timeoutMs: number;
  lagMs: number;
  cronGraceSeconds: number;
}

type Group = Record<string, unknown> & { __count: number };
type Many2one = [number, string] | false;

const MODELS = [
  'sale.order',
  'pos.order',
  'payment.transaction',
  'queue.job',
  'ir.cron',
  'mail.mail',
  'account.move',
] as const;

interface RpcSource {
  name: string;
  model: (typeof MODELS)[number];
  windowed: boolean;
  read(rpc: JsonRpcClient, w: { from: string; to: string; now: number }, batch: SignalBatch): Promise<void>;
}

const company = (v: unknown): string => (Array.isArray(v) ? String((v as Many2one as [number, string])[1]) : '');
const group = (
  rpc: JsonRpcClient,
  model: string,
  domain: Domain,
  fields: string[],
  groupby: string[],
): Promise<Group[]> => rpc.executeKw<Group[]>(model, 'read_group', [domain, fields, groupby], { lazy: false });

const CHECKOUT: Domain = [['operation', 'not in', ['validation', 'refund']]];

function sources(graceSeconds: number, lagMs: number): RpcSource[] {
  let failed: Map<number, string> | undefined;
  // POS by id (see sql/orders.ts): new ids re-read for the lag, drafts followed until they leave draft
  let posWindow: LateCommitWindow | undefined;
  const posDrafts = new Set<number>();
  let cronNumbercall = true;
  return [
    {
      name: 'sale_order',
      model: 'sale.order',
      windowed: true,
      async read(rpc, w, b) {
        for (const g of await group(
          rpc,
          'sale.order',
          [
            ['create_date', '>', w.from],
            ['create_date', '<=', w.to],
          ],
          ['company_id'],
          ['company_id'],
        ))
          b.counters.push({ name: COUNTERS.saleCreated, labels: { company: company(g.company_id) }, value: g.__count });
        for (const g of await group(
          rpc,
          'sale.order',
          [
            ['date_order', '>', w.from],
            ['date_order', '<=', w.to],
            ['state', 'in', ['sale', 'done']],
          ],
          ['company_id'],
          ['company_id'],
        ))
          b.counters.push({
            name: COUNTERS.saleConfirmed,
            labels: { company: company(g.company_id) },
            value: g.__count,
          });
      },
    },
    {
      name: 'pos_order',
      model: 'pos.order',
      windowed: false,
      async read(rpc, w, b) {
        type Pos = { id: number; state: string; company_id: Many2one };
        const fields = { fields: ['state', 'company_id'], order: 'id' };
        if (!posWindow) {
          const [last] = await rpc.executeKw<Pos[]>('pos.order', 'search_read', [[]], {
            fields: ['state'],
            order: 'id desc',
            limit: 1,
          });
          posWindow = new LateCommitWindow(lagMs);
          posWindow.reset(last?.id ?? 0);
          return;
        }
        const counts = new Map<string, { company: string; state: string; n: number }>();
        const take = (r: Pos): void => {
          if (r.state === 'draft') return void posDrafts.add(r.id);
          posDrafts.delete(r.id);
          const key = `${company(r.company_id)}\u0000${r.state}`;
          const c = counts.get(key) ?? { company: company(r.company_id), state: r.state, n: 0 };
          c.n++;
          counts.set(key, c);
        };
        const drafts =
          posDrafts.size > 0
            ? await rpc.executeKw<Pos[]>('pos.order', 'search_read', [[['id', 'in', [...posDrafts]]]], fields)
            : [];
        const present = new Set(drafts.map((r) => r.id));
        for (const id of posDrafts) if (!present.has(id)) posDrafts.delete(id);
        const fresh = await rpc.executeKw<Pos[]>('pos.order', 'search_read', [[['id', '>', posWindow.floor]]], fields);
        for (const r of drafts) take(r);
        for (const r of fresh) if (posWindow.isNew(r.id, w.now)) take(r);
        posWindow.advance(w.now);
        for (const c of counts.values())
          b.counters.push({ name: COUNTERS.posOrders, labels: { company: c.company, state: c.state }, value: c.n });
      },
    },
    {
      name: 'payment_transaction',
      model: 'payment.transaction',
      windowed: true,
      async read(rpc, w, b) {
        for (const g of await group(
          rpc,
          'payment.transaction',
          [
            ['last_state_change', '>', w.from],
            ['last_state_change', '<=', w.to],
            ['state', 'in', ['done', 'cancel', 'error']],
            ...CHECKOUT,
          ],
          ['company_id', 'state'],
          ['company_id', 'state'],
        ))
          b.counters.push({
            name: COUNTERS.payments,
            labels: { company: company(g.company_id), state: String(g.state) },
            value: g.__count,
          });
        for (const g of await group(
          rpc,
          'payment.transaction',
          [['state', 'in', ['pending', 'authorized']], ...CHECKOUT],
          ['company_id', 'state'],
          ['company_id', 'state'],
        ))
          b.gauges.push({
            name: GAUGES.payments,
            labels: { company: company(g.company_id), state: String(g.state) },
            value: g.__count,
          });
      },
    },
    {
      name: 'queue_job',
      model: 'queue.job',
      windowed: false,
      async read(rpc, w, b) {
        const groups = await group(
          rpc,
          'queue.job',
          [['state', 'in', ['wait_dependencies', 'pending', 'enqueued', 'started', 'failed']]],
          ['channel', 'state', 'date_created:min'],
          ['channel', 'state'],
        );
        const channels = new Set<string>();
        for (const g of groups) {
          const channel = String(g.channel || 'root');
          channels.add(channel);
          b.gauges.push({ name: GAUGES.queueJobs, labels: { channel, state: String(g.state) }, value: g.__count });
          if (g.state === 'pending' && typeof g.date_created === 'string')
            b.gauges.push({
              name: GAUGES.oldestPendingJob,
              labels: { channel },
              value: Math.max(0, (w.now - parseOdooDatetime(g.date_created)) / 1000),
            });
        }
        const rows = await rpc.executeKw<{ id: number; channel: string | false }[]>(
          'queue.job',
          'search_read',
          [[['state', '=', 'failed']]],
          { fields: ['channel'] },
        );
        const now = new Map(rows.map((r) => [r.id, r.channel || 'root']));
        if (failed) {
          const counts = new Map<string, number>();
          for (const [id, channel] of now) if (!failed.has(id)) counts.set(channel, (counts.get(channel) ?? 0) + 1);
          for (const channel of channels)
            b.counters.push({ name: COUNTERS.queueFailures, labels: { channel }, value: counts.get(channel) ?? 0 });
        }
        failed = now;
      },
    },
    {
      name: 'ir_cron',
      model: 'ir.cron',
      windowed: false,
      async read(rpc, w, b) {
        const late: Domain = [
          ['active', '=', true],
          ['nextcall', '<', odooDatetime(w.now - graceSeconds * 1000)],
        ];
        type Cron = { cron_name: string | false; nextcall: string };
        let rows: Cron[];
        try {
          // 16.0/17.0: finished crons (numbercall 0) are never ready again (ir_cron.py _get_all_ready_jobs)
          rows = cronNumbercall
            ? await rpc.executeKw<Cron[]>('ir.cron', 'search_read', [[...late, ['numbercall', '!=', 0]]], {
                fields: ['cron_name', 'nextcall'],
              })
            : [];
        } catch (err) {
          if (!/numbercall/.test((err as Error).message)) throw err;
          cronNumbercall = false; // 18.0 has no such field
          rows = [];
        }
        if (!cronNumbercall)
          rows = await rpc.executeKw<Cron[]>('ir.cron', 'search_read', [late], { fields: ['cron_name', 'nextcall'] });
        b.gauges.push({ name: GAUGES.cronOverdue, labels: {}, value: rows.length });
        for (const r of rows)
          b.gauges.push({
            name: GAUGES.cronOverdueSeconds,
            labels: { cron: String(r.cron_name) },
            value: (w.now - parseOdooDatetime(r.nextcall)) / 1000,
          });
      },
    },
    {
      name: 'mail_mail',
      model: 'mail.mail',
      windowed: false,
      async read(rpc, w, b) {
        const count = (domain: Domain) => rpc.executeKw<number>('mail.mail', 'search_count', [domain]);
        const now = odooDatetime(w.now);
        b.gauges.push({
          name: GAUGES.mailQueued,
          labels: {},
          value: await count([
            '&',
            ['state', '=', 'outgoing'],
            '|',
            ['scheduled_date', '=', false],
            ['scheduled_date', '<=', now],
          ]),
        });
        b.gauges.push({
          name: GAUGES.mailScheduled,
          labels: {},
          value: await count([
            ['state', '=', 'outgoing'],
            ['scheduled_date', '>', now],
          ]),
        });
        b.gauges.push({ name: GAUGES.mailException, labels: {}, value: await count([['state', '=', 'exception']]) });
      },
    },
    {
      name: 'account_move',
      model: 'account.move',
      windowed: true,
      async read(rpc, w, b) {
        for (const g of await group(
          rpc,
          'account.move',
          [
            ['write_date', '>', w.from],
            ['write_date', '<=', w.to],
            ['state', '=', 'posted'],
          ],
          ['company_id', 'move_type'],
          ['company_id', 'move_type'],
        ))
          b.counters.push({
            name: COUNTERS.movesPosted,
            labels: { company: company(g.company_id), move_type: String(g.move_type) },
            value: g.__count,
          });
      },
    },
  ];
}

export function createJsonRpcReader(opts: JsonRpcReaderOptions): TenantReader {
  const rpc = createJsonRpcClient({
    url: opts.url,
    database: opts.database,
    login: opts.login,
    apiKey: opts.apiKey,
    timeoutMs: opts.timeoutMs,
  });
  const list = sources(opts.cronGraceSeconds, opts.lagMs);
  const from = new Map<string, number>(); // per source window start (whole seconds)
  return {
    db: opts.db,
    async scrape(now) {
      const t0 = performance.now();
      let installed: Set<string>;
      try {
        const rows = await rpc.executeKw<{ model: string }[]>(
          'ir.model',
          'search_read',
          [[['model', 'in', [...MODELS]]]],
          { fields: ['model'] },
        );
        installed = new Set(rows.map((r) => r.model));
      } catch (err) {
        return [{ source: 'connection', error: err as Error, seconds: (performance.now() - t0) / 1000 }];
      }
      const out: SourceOutcome[] = [{ source: 'connection', seconds: (performance.now() - t0) / 1000 }];
      const upper = Math.floor((now - opts.lagMs) / 1000) * 1000;
      for (const s of list) {
        const t1 = performance.now();
        if (!installed.has(s.model)) {
          from.delete(s.name);
          out.push({ source: s.name, absent: true, seconds: 0 });
          continue;
        }
        try {
          const batch = emptyBatch();
          const start = from.get(s.name);
          if (s.windowed && start === undefined)
            from.set(s.name, upper); // count from now on
          else if (!s.windowed || upper > start!) {
            await s.read(rpc, { from: odooDatetime(start ?? upper), to: odooDatetime(upper), now }, batch);
            if (s.windowed) from.set(s.name, upper);
          }
          out.push({ source: s.name, batch, seconds: (performance.now() - t1) / 1000 });
        } catch (err) {
          out.push({ source: s.name, error: err as Error, seconds: (performance.now() - t1) / 1000 });
        }
      }
      return out;
    },
    async close() {},
  };
}
