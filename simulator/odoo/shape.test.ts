import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventHeap } from './heap.ts';
import { OdooSimOptionsError, validateOdooSimOptions } from './options.ts';
import { diurnal, trafficAt } from './shape.ts';

test('diurnal: quiet night, lunch peak, evening peak at 1', () => {
  assert.ok(diurnal(4) < 0.15, 'night');
  assert.ok(diurnal(12.5) > 0.5 && diurnal(12.5) < diurnal(19.5), 'lunch below evening');
  assert.ok(Math.abs(diurnal(19.5) - 1) < 0.01, 'evening peak');
  for (let h = 0; h < 24; h += 0.25) assert.ok(diurnal(h) > 0 && diurnal(h) <= 1, `hour ${h}`);
});

test('promotions multiply traffic only while they run', () => {
  const at = Date.UTC(2026, 10, 27, 19, 30);
  const promo = [{ start: at - 60_000, end: at + 60_000, factor: 3 }];
  assert.equal(trafficAt(at, promo), 3 * trafficAt(at, []));
  assert.equal(trafficAt(at + 120_000, promo), trafficAt(at + 120_000, []));
});

test('event heap: time order, ties in insertion order', async () => {
  const h = new EventHeap();
  const seen: string[] = [];
  for (const [at, name] of [
    [5, 'e'],
    [1, 'a'],
    [3, 'c1'],
    [3, 'c2'],
    [2, 'b'],
    [3, 'c3'],
  ] as const)
    h.push(at, async () => void seen.push(name));
  for (let e = h.pop(); e; e = h.pop()) await e.run(e.at);
  assert.deepEqual(seen, ['a', 'b', 'c1', 'c2', 'c3', 'e']);
});

test('options: unknown keys and out-of-range values are rejected, never defaulted', () => {
  const db = { query: async () => ({ rows: [] }) };
  const ok = { seed: 1, start: 0, tenants: [{ name: 't', db }] };
  validateOdooSimOptions(ok);
  const bad = (o: object, re: RegExp) =>
    assert.throws(
      () => validateOdooSimOptions({ ...ok, ...o } as never),
      (e: Error) => e instanceof OdooSimOptionsError && re.test(e.message),
    );
  bad({ speed: 2 }, /unknown option "speed"/);
  bad({ release: { at: 0, regressions: { slowerOrders: 2 } } }, /unknown regression/);
  bad({ release: { at: 0, regressions: { confirmFailureRate: 1.5 } } }, /\[0, 1\]/);
  bad({ release: { at: 0, regressions: {}, tenants: ['nope'] } }, /unknown tenant/);
  bad(
    {
      tenants: [
        { name: 't', db },
        { name: 't', db },
      ],
    },
    /unique/,
  );
  bad({ seed: 1.5 }, /seed/);
});
