/**
 * The Odoo-schema retail simulator: several tenants on a virtual clock. `runUntil(t)` replays
 * every event up to `t` in time order (an hour of retail traffic takes seconds), writing rows as
 * Odoo would through the one `query(text, params)` seam — real PostgreSQL (`pg`) or PGlite.
 *
 * @example
 * const sim = await createOdooSimulation({ seed: 7, start, tenants: [{ name: 'shop', db: fromPglite(pg) }],
 *   release: { at: start + 30 * 60_000, regressions: { reservationSlowdown: 5 } } });
 * await sim.runUntil(start + 3_600_000);
 */
import { EventHeap } from './heap.ts';
import { validateOdooSimOptions, type OdooSimOptions } from './options.ts';
import { TenantSim } from './tenant.ts';

export interface OdooSimulation {
  /** the virtual clock, epoch ms (hand it to the exporter as its clock) */
  now(): number;
  /** processes every event up to `until` (inclusive) and sets the clock there */
  runUntil(until: number): Promise<{ events: number }>;
  readonly tenants: readonly string[];
  /** a tenant's delivery moves (outgoing, storable, from stock) → confirmation time, epoch ms */
  confirmations(tenant: string): ReadonlyMap<number, number>;
}

const MIN = 60_000;

export async function createOdooSimulation(options: OdooSimOptions): Promise<OdooSimulation> {
  validateOdooSimOptions(options);
  const heap = new EventHeap();
  const tenants = options.tenants.map((spec) => new TenantSim(spec, options, heap));
  let clock = options.start;
  for (const t of tenants) await t.setup(clock);
  const minute = async (at: number): Promise<void> => {
    for (const t of tenants) t.minute(at);
    heap.push(at + MIN, minute);
  };
  heap.push(Math.floor(clock / MIN) * MIN + (clock % MIN === 0 ? 0 : MIN), minute);
  if (clock % MIN !== 0) for (const t of tenants) t.minute(clock); // the partial first minute, whole

  return {
    now: () => clock,
    tenants: tenants.map((t) => t.spec.name),
    confirmations(tenant) {
      const t = tenants.find((x) => x.spec.name === tenant);
      if (!t) throw new RangeError(`unknown tenant "${tenant}"`);
      return t.confirmations;
    },
    async runUntil(until) {
      if (until < clock) throw new RangeError(`runUntil: ${until} is before the clock (${clock})`);
      let events = 0;
      for (let e = heap.peek(); e && e.at <= until; e = heap.peek()) {
        heap.pop();
        clock = Math.max(clock, e.at);
        await e.run(e.at);
        events++;
      }
      clock = until;
      return { events };
    },
  };
}
