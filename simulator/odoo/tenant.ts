/**
 * One tenant's retail workload as timed events on the shared heap: web orders (checkout, payment,
 * confirmation, stock moves and their reservation, marketplace sync job, confirmation mail,
 * invoice posted), POS orders, EDI jobs, and the scheduled actions that run the mail queue and
 * the stock scheduler. Every draw comes from a seeded stream of this tenant.
 */
import { createOdooSchema, ODOO_MODULES, type OdooModule } from '../../odoo-exporter/schema/index.ts';
import { createRng, type Rng } from '../scenarios/random.ts';
import type { EventHeap } from './heap.ts';
import type { OdooRegressions, OdooSimOptions, OdooTenantSpec } from './options.ts';
import { trafficAt } from './shape.ts';
import { OdooWriter } from './writer.ts';

const MIN = 60_000;
/** the cron thread wakes every 60 s (odoo/service/server.py SLEEP_INTERVAL) */
const CRON_POLL = 60_000;

export const SIM_CHANNELS = { marketplace: 'root.marketplace', edi: 'root.edi' } as const;
export const SIM_CRONS = { mail: 'Mail: Email Queue Manager', scheduler: 'Procurement: run scheduler', payment: 'Payment: post-process transactions' } as const;

interface Cron {
  id: number;
  name: string;
  everyMs: number;
  nextcall: number;
  run?: (at: number) => Promise<void>;
}

export class TenantSim {
  readonly w: OdooWriter;
  private readonly modules: Set<OdooModule>;
  private readonly rng: Record<'orders' | 'flow' | 'stock' | 'jobs' | 'pos' | 'mail', Rng>;
  private companies: number[] = [];
  private crons: Cron[] = [];
  private seq = 0;
  private outgoing: number[] = [];
  private waitingMoves: { id: number; company: number; product: number; qty: number }[] = [];

  constructor(readonly spec: OdooTenantSpec, private readonly opts: OdooSimOptions, private readonly heap: EventHeap) {
    this.w = new OdooWriter(spec.db);
    this.modules = new Set(spec.modules ?? ODOO_MODULES);
    const r = (s: string) => createRng(opts.seed, `odoo/${spec.name}/${s}`);
    this.rng = { orders: r('orders'), flow: r('flow'), stock: r('stock'), jobs: r('jobs'), pos: r('pos'), mail: r('mail') };
  }

  private has(m: OdooModule): boolean {
    return this.modules.has(m);
  }

  /** regressions in force for this tenant at `at` */
  private broken(at: number): OdooRegressions {
    const rel = this.opts.release;
    if (!rel || at < rel.at || (rel.tenants && !rel.tenants.includes(this.spec.name))) return {};
    return rel.regressions;
  }

  private lognormal(rng: Rng, medianSeconds: number, sigma: number): number {
    return medianSeconds * 1000 * Math.exp(sigma * rng.normal());
  }

  async setup(at: number): Promise<void> {
    if (this.opts.createSchema !== false) await createOdooSchema(this.spec.db, { version: this.spec.version, modules: [...this.modules] });
    for (const name of this.spec.companies ?? [this.spec.name]) this.companies.push(await this.w.company(name, at));
    const v18 = this.spec.version === '18.0';
    const add = async (name: string, minutes: number, run?: (at: number) => Promise<void>) => {
      const nextcall = at + minutes * MIN;
      this.crons.push({ id: await this.w.cron(name, minutes, nextcall, at, v18), name, everyMs: minutes * MIN, nextcall, run });
    };
    await add(SIM_CRONS.mail, 1, this.has('mail') ? (t) => this.sendMails(t) : undefined);
    await add(SIM_CRONS.scheduler, 15, this.has('stock') ? (t) => this.runScheduler(t) : undefined);
    await add(SIM_CRONS.payment, 10);
    this.heap.push(at + CRON_POLL, (t) => this.cronTick(t));
  }

  /** schedules this minute's arrivals (Poisson, diurnal × promotions × scale) */
  minute(start: number): void {
    const m = trafficAt(start, this.opts.promotions ?? []) * (this.spec.scale ?? 1);
    if (this.has('sale')) {
      const n = this.rng.orders.poisson((this.opts.ordersPerMinute ?? 6) * m);
      for (let i = 0; i < n; i++) this.heap.push(start + this.rng.orders.uniform(0, MIN), (t) => this.webOrder(t));
    }
    if (this.has('point_of_sale')) {
      const n = this.rng.pos.poisson((this.opts.posOrdersPerMinute ?? 3) * m);
      for (let i = 0; i < n; i++) this.heap.push(start + this.rng.pos.uniform(0, MIN), (t) => this.posOrder(t));
    }
  }

  private company(rng: Rng): number {
    return this.companies[Math.floor(rng.next() * this.companies.length)];
  }

  private async webOrder(at: number): Promise<void> {
    const rng = this.rng.flow;
    const company = this.company(rng);
    const amount = Math.round(this.lognormal(rng, 0.06, 0.7) * 100) / 100 + 5; // median ~65 EUR (lognormal() is in ms)
    const ref = `S${String(++this.seq).padStart(6, '0')}`;
    const order = await this.w.createSaleOrder(company, ref, amount, at);
    const pay = this.has('payment') ? await this.w.payment(company, `${ref}-1`, amount, at) : undefined;
    const checkout = at + this.lognormal(rng, 45, 0.6);
    const u = rng.next();
    this.heap.push(checkout, async (t) => {
      if (u < 0.02) return; // abandoned checkout: the quotation and a draft transaction stay
      if (u < 0.04) {
        if (pay) await this.w.paymentState(pay, 'cancel', t);
        return;
      }
      if (pay) await this.w.paymentState(pay, 'pending', t);
      const settled = t + this.lognormal(rng, 4, 0.5);
      const failed = u < 0.07;
      const confirmFails = rng.next() < (this.broken(settled).confirmFailureRate ?? 0);
      this.heap.push(settled, async (t2) => {
        if (pay) await this.w.paymentState(pay, failed ? 'error' : 'done', t2);
        if (failed || confirmFails) return;
        await this.confirm(order, company, ref, amount, t2);
      });
    });
  }

  private async confirm(order: number, company: number, ref: string, amount: number, at: number): Promise<void> {
    await this.w.confirmSaleOrder(order, at);
    if (this.has('stock')) {
      const moves = 1 + this.rng.stock.poisson(0.8);
      for (let i = 0; i < moves; i++) {
        const product = 1 + Math.floor(this.rng.stock.next() * 500);
        const qty = 1 + this.rng.stock.poisson(0.5);
        const move = await this.w.confirmedMove(company, ref, product, qty, at);
        if (this.rng.stock.next() < 0.05) this.waitingMoves.push({ id: move, company, product, qty }); // out of stock
        else {
          const slow = this.broken(at).reservationSlowdown ?? 1;
          this.heap.push(at + this.lognormal(this.rng.stock, 20, 0.8) * slow, (t) => this.w.reserveMove(move, company, product, qty, t, this.spec.version === '16.0'));
        }
      }
    }
    if (this.has('queue_job')) await this.job(company, SIM_CHANNELS.marketplace, `Export ${ref} to marketplace`, at);
    if (this.has('mail')) this.outgoing.push(await this.w.mail(order, `customer-${order}@example.com`, at));
    if (this.has('account')) {
      this.heap.push(at + this.lognormal(this.rng.flow, 30, 0.4), async (t) => {
        const move = await this.w.invoice(company, `INV/${ref}`, amount, t);
        this.heap.push(t + this.lognormal(this.rng.flow, 5, 0.4), (t2) => this.w.postMove(move, t2));
        if (this.has('queue_job') && this.rng.jobs.next() < 0.5) await this.job(company, SIM_CHANNELS.edi, `Send ${ref} invoice by EDI`, t);
      });
    }
  }

  private async posOrder(at: number): Promise<void> {
    const rng = this.rng.pos;
    const state = this.spec.version !== '18.0' && rng.next() < 0.05 ? 'invoiced' : 'paid';
    await this.w.posOrder(this.company(rng), `POS/${String(++this.seq).padStart(6, '0')}`, Math.round(rng.uniform(3, 80) * 100) / 100, state, at);
  }

  private uuid(): string {
    let s = '';
    for (let i = 0; i < 32; i++) s += Math.floor(this.rng.jobs.next() * 16).toString(16);
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** a job through OCA's runner: enqueued, started, then done, retried (eta backoff) or failed */
  private async job(company: number, channel: string, name: string, at: number): Promise<void> {
    const rng = this.rng.jobs;
    const maxRetries = 3;
    const id = await this.w.enqueueJob(company, channel, name, this.uuid(), maxRetries, at);
    const attempt = async (t: number, retry: number): Promise<void> => {
      await this.w.jobEnqueued(id, t);
      const started = t + this.lognormal(rng, 0.5, 0.5);
      this.heap.push(started, async (t2) => {
        await this.w.jobStarted(id, t2);
        const exec = this.lognormal(rng, 1.5, 0.6);
        const fc = this.broken(t2).failingChannel;
        const p = 0.01 + (fc && fc.channel === channel ? fc.failureRate : 0);
        const fails = rng.next() < p;
        this.heap.push(t2 + exec, async (t3) => {
          if (!fails) return this.w.jobDone(id, t3, exec / 1000);
          if (retry + 1 >= maxRetries) return this.w.jobFailed(id, retry + 1, `${channel}: remote API returned 502`);
          const eta = t3 + 10_000 * (retry + 1);
          await this.w.jobRetry(id, retry + 1, eta);
          this.heap.push(eta + this.lognormal(rng, 1, 0.5), (t4) => attempt(t4, retry + 1));
        });
      });
    };
    this.heap.push(at + this.lognormal(rng, 2, 0.7), (t) => attempt(t, 0));
  }

  private async cronTick(at: number): Promise<void> {
    const stalled = this.broken(at).stalledCron;
    for (const c of this.crons) {
      if (c.nextcall > at || c.name === stalled) continue;
      await c.run?.(at);
      while (c.nextcall <= at) c.nextcall += c.everyMs; // missed runs are not replayed
      await this.w.runCron(c.id, at, c.nextcall);
    }
    this.heap.push(at + CRON_POLL, (t) => this.cronTick(t));
  }

  private async sendMails(at: number): Promise<void> {
    const batch = this.outgoing;
    this.outgoing = [];
    const sent: number[] = [], failed: number[] = [];
    for (const id of batch) (this.rng.mail.next() < 0.01 ? failed : sent).push(id);
    await this.w.sendMails(sent, failed, at);
  }

  /** the scheduler reserves moves whose stock arrived (a third of the waiting ones per run) */
  private async runScheduler(at: number): Promise<void> {
    const keep: typeof this.waitingMoves = [];
    for (const m of this.waitingMoves) {
      if (this.rng.stock.next() < 0.33) await this.w.reserveMove(m.id, m.company, m.product, m.qty, at, this.spec.version === '16.0');
      else keep.push(m);
    }
    this.waitingMoves = keep;
  }
}
