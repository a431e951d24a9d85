import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimelineEntry } from '../../analyzer/types.ts';
import { outcomeOf, runCase, type Judge } from './runner.ts';
import { formatTable, halfwayTime, informationLimit, summarize, wilson } from './summary.ts';

test('halfway time counts missed runs as never and needs half the runs detected', () => {
  assert.equal(halfwayTime([3, null, 1, 2]), 2); // 2nd smallest of 4
  assert.equal(halfwayTime([3, null, null, 2]), 3);
  assert.equal(halfwayTime([null, null, 1]), null);
  assert.equal(halfwayTime([]), null);
});

test('information limit is the first horizon where half the oracle runs reject', () => {
  assert.equal(informationLimit([0, 3, 5, 9], 10), 3);
  assert.equal(informationLimit([0, 1], 10), null);
});

test('Wilson interval: 0 of 500 gives [0, 0.76%]; 5 of 500 contains 1% (Wilson 1927 formula by hand)', () => {
  const zero = wilson(0, 500);
  assert.equal(zero.low, 0);
  assert.ok(Math.abs(zero.high - 3.8415 / (500 + 3.8415)) < 1e-4);
  const five = wilson(5, 500);
  assert.ok(five.low < 0.01 && five.high > 0.01 && five.low > 0.003 && five.high < 0.024);
});

const T0 = Date.UTC(2025, 2, 12, 9, 0);
const entry = (minutes: number, decision: TimelineEntry['decision']): TimelineEntry => ({
  at: T0 + minutes * 60_000,
  decision,
  score: 0,
});

test('an outcome is the first rollback (and first action), measured from the onset; earlier ones are false alarms', () => {
  const onset = T0 + 10 * 60_000;
  const none = { minutes: null, early: false, promotedFirst: false };
  assert.deepEqual(outcomeOf([entry(1, 'continue'), entry(14, 'rollback')], T0, onset).rollback, {
    minutes: 4,
    early: false,
    promotedFirst: false,
  });
  assert.deepEqual(outcomeOf([entry(5, 'rollback')], T0, onset).rollback, {
    minutes: null,
    early: true,
    promotedFirst: false,
  });
  assert.deepEqual(outcomeOf([entry(30, 'promote'), entry(40, 'rollback')], T0, null).rollback, {
    minutes: 40,
    early: false,
    promotedFirst: true,
  });
  assert.deepEqual(outcomeOf([entry(60, 'promote')], T0, null), { rollback: none, action: none });
  assert.deepEqual(outcomeOf([entry(12, 'reduce-traffic'), entry(60, 'rollback')], T0, onset), {
    rollback: { minutes: 50, early: false, promotedFirst: false },
    action: { minutes: 2, early: false, promotedFirst: false },
  });
});

test('the runner and summary end to end with toy judges', () => {
  // "cheat" reduces traffic 1 minute and rolls back 3 minutes after any onset; "never" never acts
  const judges: Judge[] = [
    {
      name: 'cheat',
      replay: (s) =>
        s.truth.onsetMs === null
          ? []
          : [
              { at: s.truth.onsetMs + 60_000, decision: 'reduce-traffic', score: 50 },
              { at: s.truth.onsetMs + 3 * 60_000, decision: 'rollback', score: 0 },
            ],
    },
    { name: 'never', replay: () => [] },
  ];
  const scenario = { durationMinutes: 20, checkoutPerMinute: 60, httpRequestsPerMinute: 500, stockPerMinute: 10 };
  const progress: number[] = [];
  const results = [
    runCase({ tenant: 'mid-size', kind: 'none', onsetMinutes: 0, runs: 4, oracleRuns: 0 }, judges, { scenario }),
    runCase({ tenant: 'mid-size', kind: 'error-ratio-x3', onsetMinutes: 10, runs: 3, oracleRuns: 6 }, judges, {
      scenario,
      onProgress: (_, d) => progress.push(d),
    }),
  ];
  assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
  assert.equal(results[1].oracleRejects.length, 10);
  const figures = summarize(results, ['cheat', 'never']);
  assert.equal(figures.judges.cheat.falseAlarm.rate, 0);
  assert.equal(figures.judges.cheat.falseAlarm.runs, 4);
  const limit = figures.limits[0].limitMinutes;
  assert.notEqual(limit, null, 'a tripled error ratio is visible within 10 minutes');
  const c = figures.judges.cheat.cases[0];
  assert.deepEqual(c.rollback, { power: 1, medianMinutes: 3, ratio: 3 / (limit ?? 1), early: 0 });
  assert.deepEqual(c.action, { power: 1, medianMinutes: 1, ratio: 1 / (limit ?? 1), early: 0 });
  assert.equal(figures.judges.never.cases[0].rollback.power, 0);
  const table = formatTable(figures);
  assert.match(table, /error-ratio-x3/);
  assert.match(table, /cheat power/);
});
