/**
 * One tenant's retail workload as timed events on the shared heap: web orders (checkout, payment,
 * confirmation, stock moves and their reservation, marketplace sync job, confirmation mail,
 * invoice posted), POS orders, EDI jobs, and the scheduled actions that run the mail queue and
 * the stock scheduler. Every draw comes from a seeded stream of this tenant.
 *
 * It also produces the cases that make naive signals wrong on a real Odoo 17.0 database (the
 * `cases` stream): moves that bypass reservation (consumables, receipts from vendors, inventory
 * adjustments: their lines come with confirmation), deliveries entered as drafts and confirmed
 * later, POS orders synced late by an offline till (old `date_order`), restaurant drafts paid
 * later in place, mails scheduled for later, vendor bills posted three days after they are
 * entered, invoices cancelled, reset to draft and posted, payments in error confirmed later,
 * wire transfers pending for two days, card validations (not checkouts), and transactions that
 * commit a minute after they took their ids. `confirmations` records when every eligible
 * delivery move was confirmed — the one fact the database does not keep.
 */
import { createOdooSchema, ODOO_MODULES, type OdooModule } from '../../odoo-exporter/db/index.ts';
import { createRng, type Rng } from '../../analyzer/stats/seededRandom.ts';
import type { EventHeap } from './heap.ts';
import type { OdooRegressions, OdooSimOptions, OdooTenantSpec } from './options.ts';
import { trafficAt } from './shape.ts';
import { OdooWriter } from './writer.ts';

const MIN = 60_000;
/** the cron thread wakes every 60 s (odoo/service/server.py SLEEP_INTERVAL) */
const CRON_POLL = 60_000;

export const SIM_CHANNELS = { marketplace: 'root.marketplace', edi: 'root.edi' } as const;
export const SIM_CRONS = {
  mail: 'Mail: Email Queue Manager',
  scheduler: 'Procurement: run scheduler',
  payment: 'Payment: post-process transactions',
} as const;

interface Cron {
  id: number;
  name: string;
  everyMs: number;
  nextcall: number;
  run?: (at: number) => Promise<void>;
}

export class TenantSim {
  readonly writer: OdooWriter;
  private readonly modules: Set<OdooModule>;
  private readonly rng: Record<'orders' | 'flow' | 'stock' | 'jobs' | 'pos' | 'mail', Rng>;
  private companies: number[] = [];
  private crons: Cron[] = [];
  private seq = 0;
  private outgoing: { id: number; dueAt: number }[] = [];
  private waitingMoves: { id: number; company: number; product: number; qty: number }[] = [];
  private loc = { stock: 0, customers: 0, vendors: 0, inventory: 0 };
  private storable: number[] = [];
  private consumable: number[] = [];
  private readonly cases: Rng;
  /** delivery move id → confirmation time (epoch ms): outgoing storable moves from stock */
  readonly confirmations = new Map<number, number>();

  constructor(
    readonly spec: OdooTenantSpec,
    private readonly opts: OdooSimOptions,
    private readonly heap: EventHeap,
  ) {
    this.writer = new OdooWriter(spec.db);
    this.modules = new Set(spec.modules ?? ODOO_MODULES);
    const r = (s: string) => createRng(opts.seed, `odoo/${spec.name}/${s}`);
    this.rng = {
      orders: r('orders'),
      flow: r('flow'),
      stock: r('stock'),
      jobs: r('jobs'),
      pos: r('pos'),
      mail: r('mail'),
    };
    this.cases = r('cases');
  }

  private get v16(): boolean {
    return this.spec.version === '16.0';
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
    if (this.opts.createSchema !== false)
      await createOdooSchema(this.spec.db, { version: this.spec.version, modules: [...this.modules] });
    for (const name of this.spec.companies ?? [this.spec.name])
      this.companies.push(await this.writer.company(name, at));
    const v18 = this.spec.version === '18.0';
    if (this.has('stock')) {
      // stock/data/stock_data.xml: WH/Stock (internal), Partners/Customers, Partners/Vendors, Virtual Locations/Inventory adjustment
      this.loc = {
        stock: await this.writer.location('WH/Stock', 'internal', at),
        customers: await this.writer.location('Partners/Customers', 'customer', at),
        vendors: await this.writer.location('Partners/Vendors', 'supplier', at),
        inventory: await this.writer.location('Virtual Locations/Inventory adjustment', 'inventory', at),
      };
      for (let i = 1; i <= 60; i++) this.storable.push(await this.writer.product(`Product ${i}`, true, at, v18));
      for (let i = 1; i <= 6; i++) this.consumable.push(await this.writer.product(`Consumable ${i}`, false, at, v18));
    }
    const add = async (name: string, minutes: number, run?: (at: number) => Promise<void>) => {
      const nextcall = at + minutes * MIN;
      this.crons.push({
        id: await this.writer.cron(name, minutes, nextcall, at, v18),
        name,
        everyMs: minutes * MIN,
        nextcall,
        run,
      });
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
    this.scheduleCases(start, m);
  }

  /** the rarer flows, at rates per minute scaled like the traffic */
  private scheduleCases(start: number, m: number): void {
    const c = this.cases;
    const at = (): number => start + c.uniform(0, MIN);
    const maybe = (perMinute: number, run: (t: number) => Promise<void>): void => {
      for (let i = c.poisson(perMinute * m); i > 0; i--) this.heap.push(at(), run);
    };
    if (this.has('stock')) {
      maybe(0.3, (t) => this.draftDelivery(t));
      maybe(0.3, (t) => this.receipt(t));
      maybe(0.05, (t) => this.inventoryAdjustment(t));
    }
    if (this.has('point_of_sale')) {
      maybe(0.15, (t) => this.offlineTillSync(t));
      maybe(0.15, (t) => this.restaurantOrder(t));
      maybe(0.03, (t) => this.lateCommit(t));
    }
    if (this.has('payment')) {
      maybe(0.05, (t) => this.wireTransfer(t));
      maybe(0.05, (t) => this.cardValidation(t));
    }
    if (this.has('account')) {
      maybe(0.03, (t) => this.vendorBill(t));
      maybe(0.03, (t) => this.cancelledThenPosted(t));
    }
  }

  private async draftDelivery(at: number): Promise<void> {
    const company = this.company(this.cases);
    const product = this.storable[Math.floor(this.cases.next() * this.storable.length)];
    const move = await this.writer.move(
      company,
      `WH/OUT/${++this.seq}`,
      product,
      1,
      this.loc.stock,
      this.loc.customers,
      'draft',
      at,
    );
    this.heap.push(at + this.cases.uniform(5, 20) * MIN, async (t) => {
      await this.writer.confirmMove(move, t);
      this.confirmations.set(move, t);
      const slow = this.broken(t).reservationSlowdown ?? 1;
      this.heap.push(t + this.lognormal(this.cases, 20, 0.8) * slow, (t2) =>
        this.writer.reserveMove(move, company, product, 1, t2, this.v16),
      );
    });
  }

  /** a receipt from a vendor: bypasses reservation, its line comes with confirmation */
  private async receipt(at: number): Promise<void> {
    const company = this.company(this.cases);
    const product = this.storable[Math.floor(this.cases.next() * this.storable.length)];
    const move = await this.writer.move(
      company,
      `WH/IN/${++this.seq}`,
      product,
      10,
      this.loc.vendors,
      this.loc.stock,
      'confirmed',
      at,
    );
    await this.writer.reserveMove(move, company, product, 10, at, this.v16);
  }

  private async inventoryAdjustment(at: number): Promise<void> {
    const company = this.company(this.cases);
    const product = this.storable[Math.floor(this.cases.next() * this.storable.length)];
    const move = await this.writer.move(
      company,
      'Product Quantity Updated',
      product,
      3,
      this.loc.inventory,
      this.loc.stock,
      'confirmed',
      at,
    );
    await this.writer.reserveMove(move, company, product, 3, at, this.v16);
  }

  /** an offline till syncs an order paid 10–40 minutes ago: old date_order, new id */
  private async offlineTillSync(at: number): Promise<void> {
    const rng = this.cases;
    await this.writer.posOrder(
      this.company(rng),
      `POS/${String(++this.seq).padStart(6, '0')}`,
      Math.round(rng.uniform(3, 80) * 100) / 100,
      'paid',
      at,
      { dateOrder: at - rng.uniform(10, 40) * MIN },
    );
  }

  /** a restaurant table: saved as draft, paid 10–40 minutes later in place */
  private async restaurantOrder(at: number): Promise<void> {
    const rng = this.cases;
    const id = await this.writer.posOrder(
      this.company(rng),
      `POS/${String(++this.seq).padStart(6, '0')}`,
      0,
      'draft',
      at,
    );
    const amount = Math.round(rng.uniform(20, 120) * 100) / 100;
    this.heap.push(at + rng.uniform(10, 40) * MIN, (t) => this.writer.payPosDraft(id, amount, t));
  }

  /** a POS session closing and a token payment that commit a minute after they took their ids */
  private async lateCommit(at: number): Promise<void> {
    const rng = this.cases;
    const company = this.company(rng);
    const order = await this.writer.reserveId('pos_order');
    const pay = this.has('payment') ? await this.writer.reserveId('payment_transaction') : undefined;
    this.heap.push(at + rng.uniform(40, 80) * 1000, async () => {
      await this.writer.posOrder(company, `POS/${String(++this.seq).padStart(6, '0')}`, 42, 'paid', at, { id: order });
      if (pay !== undefined) await this.writer.latePayment(pay, company, `LATE-${pay}`, 42, 'done', at);
    });
  }

  /** a wire transfer: pending for two days, then confirmed */
  private async wireTransfer(at: number): Promise<void> {
    const company = this.company(this.cases);
    const pay = await this.writer.payment(company, `WIRE-${++this.seq}`, 250, at);
    await this.writer.paymentState(pay, 'pending', at);
    this.heap.push(at + 2 * 1440 * MIN, (t) => this.writer.paymentState(pay, 'done', t));
  }

  /** a card saved with a validation transaction: not a checkout */
  private async cardValidation(at: number): Promise<void> {
    const pay = await this.writer.payment(this.company(this.cases), `VAL-${++this.seq}`, 0, at, 'validation');
    this.heap.push(at + 5000, (t) => this.writer.paymentState(pay, 'done', t));
  }

  /** a vendor bill entered, checked and posted three days later */
  private async vendorBill(at: number): Promise<void> {
    const move = await this.writer.invoice(this.company(this.cases), `BILL/${++this.seq}`, 900, at, 'in_invoice');
    this.heap.push(at + 3 * 1440 * MIN, (t) => this.writer.postMove(move, t));
  }

  /** an invoice cancelled, reset to draft (button_draft) and posted */
  private async cancelledThenPosted(at: number): Promise<void> {
    const move = await this.writer.invoice(this.company(this.cases), `INV/C/${++this.seq}`, 120, at);
    this.heap.push(at + 5 * MIN, async (t) => {
      await this.writer.moveState(move, 'cancel', t);
      this.heap.push(t + 30 * MIN, async (t2) => {
        await this.writer.moveState(move, 'draft', t2);
        this.heap.push(t2 + 30 * MIN, (t3) => this.writer.postMove(move, t3));
      });
    });
  }

  private company(rng: Rng): number {
    return this.companies[Math.floor(rng.next() * this.companies.length)];
  }

  private async webOrder(at: number): Promise<void> {
    const rng = this.rng.flow;
    const company = this.company(rng);
    const amount = Math.round(this.lognormal(rng, 0.06, 0.7) * 100) / 100 + 5; // median ~65 EUR (lognormal() is in ms)
    const ref = `S${String(++this.seq).padStart(6, '0')}`;
    const order = await this.writer.createSaleOrder(company, ref, amount, at);
    const pay = this.has('payment') ? await this.writer.payment(company, `${ref}-1`, amount, at) : undefined;
    const checkout = at + this.lognormal(rng, 45, 0.6);
    const u = rng.next();
    this.heap.push(checkout, async (t) => {
      if (u < 0.02) return; // abandoned checkout: the quotation and a draft transaction stay
      if (u < 0.04) {
        if (pay) await this.writer.paymentState(pay, 'cancel', t);
        return;
      }
      if (pay) await this.writer.paymentState(pay, 'pending', t);
      const settled = t + this.lognormal(rng, 4, 0.5);
      const failed = u < 0.07;
      const confirmFails = rng.next() < (this.broken(settled).confirmFailureRate ?? 0);
      this.heap.push(settled, async (t2) => {
        if (pay) await this.writer.paymentState(pay, failed ? 'error' : 'done', t2);
        if (failed && pay && rng.next() < 0.4) {
          // the provider's webhook confirms it later (17.0 `_set_done` accepts error)
          this.heap.push(t2 + rng.uniform(2, 10) * MIN, async (t3) => {
            await this.writer.paymentState(pay, 'done', t3);
            if (!confirmFails) await this.confirm(order, company, ref, amount, t3);
          });
        }
        if (failed || confirmFails) return;
        await this.confirm(order, company, ref, amount, t2);
      });
    });
  }

  private async confirm(order: number, company: number, ref: string, amount: number, at: number): Promise<void> {
    await this.writer.confirmSaleOrder(order, at);
    if (this.has('stock')) {
      const moves = 1 + this.rng.stock.poisson(0.8);
      for (let i = 0; i < moves; i++) {
        const qty = 1 + this.rng.stock.poisson(0.5);
        if (this.rng.stock.next() < 0.1) {
          // a consumable: `_should_bypass_reservation`, its line comes with confirmation
          const product = this.consumable[Math.floor(this.rng.stock.next() * this.consumable.length)];
          const move = await this.writer.move(
            company,
            ref,
            product,
            qty,
            this.loc.stock,
            this.loc.customers,
            'confirmed',
            at,
          );
          await this.writer.reserveMove(move, company, product, qty, at, this.v16);
          continue;
        }
        const product = this.storable[Math.floor(this.rng.stock.next() * this.storable.length)];
        const move = await this.writer.move(
          company,
          ref,
          product,
          qty,
          this.loc.stock,
          this.loc.customers,
          'confirmed',
          at,
        );
        this.confirmations.set(move, at);
        if (this.rng.stock.next() < 0.05)
          this.waitingMoves.push({ id: move, company, product, qty }); // out of stock
        else {
          const slow = this.broken(at).reservationSlowdown ?? 1;
          this.heap.push(at + this.lognormal(this.rng.stock, 20, 0.8) * slow, (t) =>
            this.writer.reserveMove(move, company, product, qty, t, this.v16),
          );
        }
      }
    }
    if (this.has('queue_job')) await this.job(company, SIM_CHANNELS.marketplace, `Export ${ref} to marketplace`, at);
    if (this.has('mail')) {
      // a tenth are follow-ups scheduled two hours later (mail.mail scheduled_date)
      const dueAt = this.rng.mail.next() < 0.1 ? at + 120 * MIN : at;
      this.outgoing.push({
        id: await this.writer.mail(order, `customer-${order}@example.com`, at, dueAt === at ? undefined : dueAt),
        dueAt,
      });
    }
    if (this.has('account')) {
      this.heap.push(at + this.lognormal(this.rng.flow, 30, 0.4), async (t) => {
        const move = await this.writer.invoice(company, `INV/${ref}`, amount, t);
        this.heap.push(t + this.lognormal(this.rng.flow, 5, 0.4), (t2) => this.writer.postMove(move, t2));
        if (this.has('queue_job') && this.rng.jobs.next() < 0.5)
          await this.job(company, SIM_CHANNELS.edi, `Send ${ref} invoice by EDI`, t);
      });
    }
  }

  private async posOrder(at: number): Promise<void> {
    const rng = this.rng.pos;
    const state = this.spec.version !== '18.0' && rng.next() < 0.05 ? 'invoiced' : 'paid';
    const company = this.company(rng);
    const name = `POS/${String(++this.seq).padStart(6, '0')}`;
    await this.writer.posOrder(company, name, Math.round(rng.uniform(3, 80) * 100) / 100, state, at);
    if (this.has('stock')) {
      // the till's goods leave at once: a picking created and done in the order's transaction
      const product = this.storable[Math.floor(this.cases.next() * this.storable.length)];
      await this.writer.posPickingMove(company, name, product, 1, this.loc.stock, this.loc.customers, at, this.v16);
    }
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
    const id = await this.writer.enqueueJob(company, channel, name, this.uuid(), maxRetries, at);
    const attempt = async (t: number, retry: number): Promise<void> => {
      await this.writer.jobEnqueued(id, t);
      const started = t + this.lognormal(rng, 0.5, 0.5);
      this.heap.push(started, async (t2) => {
        await this.writer.jobStarted(id, t2);
        const exec = this.lognormal(rng, 1.5, 0.6);
        const fc = this.broken(t2).failingChannel;
        const p = 0.01 + (fc && fc.channel === channel ? fc.failureRate : 0);
        const fails = rng.next() < p;
        this.heap.push(t2 + exec, async (t3) => {
          if (!fails) return this.writer.jobDone(id, t3, exec / 1000);
          if (retry + 1 >= maxRetries)
            return this.writer.jobFailed(id, retry + 1, `${channel}: remote API returned 502`);
          const eta = t3 + 10_000 * (retry + 1);
          await this.writer.jobRetry(id, retry + 1, eta);
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
      await this.writer.runCron(c.id, at, c.nextcall);
    }
    this.heap.push(at + CRON_POLL, (t) => this.cronTick(t));
  }

  /** process_email_queue: outgoing mails with no scheduled_date or one in the past */
  private async sendMails(at: number): Promise<void> {
    const batch = this.outgoing.filter((m) => m.dueAt <= at);
    this.outgoing = this.outgoing.filter((m) => m.dueAt > at);
    const sent: number[] = [],
      failed: number[] = [];
    for (const m of batch) (this.rng.mail.next() < 0.01 ? failed : sent).push(m.id);
    await this.writer.sendMails(sent, failed, at);
  }

  /** the scheduler reserves moves whose stock arrived (a third of the waiting ones per run) */
  private async runScheduler(at: number): Promise<void> {
    const keep: typeof this.waitingMoves = [];
    for (const m of this.waitingMoves) {
      if (this.rng.stock.next() < 0.33) await this.writer.reserveMove(m.id, m.company, m.product, m.qty, at, this.v16);
      else keep.push(m);
    }
    this.waitingMoves = keep;
  }
}
