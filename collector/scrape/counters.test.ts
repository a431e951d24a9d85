import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterTracker } from './counters.ts';

// Expected values are differences of the numbers passed in, worked out by hand in the comments.

test('counter: first sight gives no increment, then differences', () => {
  const t = new CounterTracker();
  assert.equal(t.counter('a', 10), undefined);
  assert.equal(t.counter('a', 25), 15); // 25 − 10
  assert.equal(t.counter('a', 25), 0); // unchanged: a real zero
});

test('counter: a drop is a reset and the new value is the increase (Prometheus increase())', () => {
  const t = new CounterTracker();
  t.counter('a', 100);
  assert.equal(t.counter('a', 4), 4); // restarted from 0, counted 4 since
  assert.equal(t.counter('a', 9), 5); // 9 − 4
});

test('counter: NaN is a NaN increment, and the next good value spans the gap', () => {
  const t = new CounterTracker();
  t.counter('a', 10);
  assert.ok(Number.isNaN(t.counter('a', Number.NaN) as number));
  assert.equal(t.counter('a', 30), 20); // 30 − 10, the last good value
  assert.equal(new CounterTracker().counter('b', Number.NaN), undefined); // first sight, nothing kept
});

test('a series missing for staleAfterScrapes scrapes is forgotten; before that it continues', () => {
  const t = new CounterTracker({ staleAfterScrapes: 2 });
  t.counter('a', 10);
  t.endScrape(); // seen
  t.endScrape(); // missing 1
  assert.equal(t.counter('a', 12), 2); // still remembered: 12 − 10
  t.endScrape();
  t.endScrape(); // missing 1
  assert.equal(t.endScrape(), 1); // missing 2 → forgotten
  assert.equal(t.size, 0);
  assert.equal(t.counter('a', 50), undefined); // a new series again
});

test('histogram: cumulative → per-scrape deltas → non-cumulative buckets', () => {
  const t = new CounterTracker();
  const le = [0.1, 0.3, 1.2, 5, Infinity];
  assert.equal(t.histogram('h', le, [100, 150, 160, 161, 161], 161), undefined);
  // cumulative deltas [10, 20, 25, 26, 27]; differences across le → [10, 10, 5, 1, 1]
  assert.deepStrictEqual(t.histogram('h', le, [110, 170, 185, 187, 188], 188), [10, 10, 5, 1, 1]);
});

test('histogram: _count dropping resets the whole series (current counts are the increase)', () => {
  const t = new CounterTracker();
  const le = [0.1, 1, Infinity];
  t.histogram('h', le, [10, 20, 30], 30);
  // non-cumulative now [4, 2, 0]: all of it since the restart
  assert.deepStrictEqual(t.histogram('h', le, [4, 6, 6], 6), [4, 2, 0]);
});

test('histogram: one bucket decreasing while _count grows is still a reset of the whole series', () => {
  const t = new CounterTracker();
  const le = [0.1, 1, Infinity];
  t.histogram('h', le, [10, 20, 30], 30); // non-cumulative [10, 10, 10]
  // non-cumulative [2, 30, 5]: bucket 0.1 went 10 → 2, so the series restarted; take [2, 30, 5]
  assert.deepStrictEqual(t.histogram('h', le, [2, 32, 37], 37), [2, 30, 5]);
});

test('histogram: a changed bucket layout re-bases the series (no increment)', () => {
  const t = new CounterTracker();
  t.histogram('h', [0.1, Infinity], [1, 2]);
  assert.equal(t.histogram('h', [0.1, 0.5, Infinity], [1, 2, 3]), undefined);
  assert.deepStrictEqual(t.histogram('h', [0.1, 0.5, Infinity], [2, 3, 4]), [1, 0, 0]); // [1,1,1] → [2,1,1]
});

test('options: unknown keys and bad values are rejected', () => {
  assert.throws(() => new CounterTracker({ staleAfter: 3 } as never), /unknown CounterTracker option "staleAfter"/);
  assert.throws(() => new CounterTracker({ staleAfterScrapes: 0 }), /positive integer/);
});
