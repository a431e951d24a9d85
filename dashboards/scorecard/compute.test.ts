/**
 * Scorecard figures against values worked out by hand on the seeded history (testing/history.ts).
 * Period: 14 days = 2 weeks. In it: A, B, C, D (E started before, F at the exclusive end).
 *
 * Per release (minutes after its start):
 *  A standard, prod, tier-1, w=0.25. rollback at 20 (observed 20); recorded onset 10.
 *    time to verdict 20−10 = 10 min; restore: traefik action succeeded at 21 → 21−20 = 1 min
 *    (the grafana-annotation at 20.1 is a notification, ignored).
 *    window 60 (standard) → R = 60−20 = 40 min; s = w = 0.25 (rollback).
 *    checkout minutes = 0.25 × 40 = 10.
 *    orders = (3000+1000)/20 per min × 0.25 × |−0.2| × 40 = 200 × 0.25 × 0.2 × 40 = 400.
 *  B emergency-fix, prod, tier-1, w=0.5. reduce-traffic at 5 (latency only), then promote.
 *    failed, not rolled back; time to verdict 5−0 = 5 min (no recorded onset: the start).
 *    window 20 → R = 15; s = 0.5/2 = 0.25 → checkout minutes 0.25 × 15 = 3.75; orders 0
 *    (no business count metric failed). One freeze.override.
 *  C standard, staging, no tier: continue, promote. Nothing failed.
 *  D schema-change, prod, odoo-worker, tier-2, before-after (w=1). rollback at 30.
 *    time to verdict 30 min; restore: webhook succeeded at 34 → 4 min.
 *    window 120 → R = 90; s = 1 → checkout minutes 90.
 *    orders: confirmed (600+300)/30 = 30/min × 1 × 0.1 × 90 = 270;
 *            created (900+300)/30 = 40/min × 1 × 0.05 × 90 = 180; max → 270.
 *  Loose freeze.override (no release) on 2026-03-05: counted overall only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeScorecard, median, ScorecardPeriodError } from './compute.ts';
import { FROM, MIN, seededHistory, TO } from './testing/history.ts';
import type { GroupRow, ScorecardFigures } from './types.ts';

const close = (actual: number | null, expected: number, what: string): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
};

function row(rows: GroupRow[], key: string): GroupRow {
  const r = rows.find((x) => x.key === key);
  assert.ok(r, `row ${key} in ${rows.map((x) => x.key).join(', ')}`);
  return r;
}

test('overall figures equal the hand-computed ones', () => {
  const card = computeScorecard(seededHistory());
  assert.deepEqual(
    card.releases.map((r) => r.id),
    ['rel-a', 'rel-b', 'rel-c', 'rel-d'],
  );
  const o = card.overall;
  assert.equal(o.releases, 4);
  assert.equal(o.failed, 3); // A, B, D
  close(o.changeFailureRate, 0.75, 'CFR 3/4');
  assert.equal(o.rolledBack, 2); // A, D
  close(o.rollbacksPerWeek, 1, 'rollbacks 2 / 2 weeks');
  close(o.deploymentsPerWeek, 2, 'releases 4 / 2 weeks');
  close(o.medianTimeToVerdictMs, 10 * MIN, 'median of 10, 5, 30 min');
  close(o.medianTimeToRestoreMs, 2.5 * MIN, 'median of 1, 4 min = (1+4)/2');
  close(o.ordersProtected, 670, '400 + 270');
  close(o.checkoutMinutesProtected, 103.75, '10 + 3.75 + 90');
  assert.equal(o.freezeOverrides, 2); // B's + the loose one; E's is outside the period
  assert.equal(o.emergencyFixes, 1);
  assert.deepEqual(card.warnings, []);
});

test('per release: onset, restore and impact', () => {
  const byId = new Map(computeScorecard(seededHistory()).releases.map((r) => [r.id, r]));
  const a = byId.get('rel-a')!;
  assert.equal(a.timeToVerdictMs, 10 * MIN);
  assert.equal(a.timeToRestoreMs, 1 * MIN);
  close(a.ordersProtected, 400, 'A orders');
  close(a.checkoutMinutesProtected, 10, 'A checkout minutes');
  const b = byId.get('rel-b')!;
  assert.equal(b.failed, true);
  assert.equal(b.rolledBack, false);
  assert.equal(b.decision, 'promote');
  assert.equal(b.timeToRestoreMs, undefined);
  close(b.checkoutMinutesProtected, 3.75, 'B checkout minutes');
  assert.equal(byId.get('rel-c')!.failed, false);
  assert.equal(byId.get('rel-d')!.timeToRestoreMs, 4 * MIN);
  close(byId.get('rel-d')!.ordersProtected, 270, 'D orders: max(270, 180)');
});

test('groups per environment, service, tenant tier and release class', () => {
  const { groups } = computeScorecard(seededHistory());
  assert.deepEqual(
    groups.environment.map((r) => r.key),
    ['prod', 'staging'],
  );
  const prod = row(groups.environment, 'prod'); // A, B, D
  assert.equal(prod.releases, 3);
  close(prod.changeFailureRate, 1, 'prod 3/3');
  close(prod.deploymentsPerWeek, 1.5, 'prod 3 / 2 weeks');
  close(prod.medianTimeToVerdictMs, 10 * MIN, 'prod median of 10, 5, 30');
  const staging = row(groups.environment, 'staging'); // C
  close(staging.changeFailureRate, 0, 'staging 0/1');
  assert.equal(staging.medianTimeToVerdictMs, null);

  const worker = row(groups.service, 'odoo-worker'); // D
  assert.equal(worker.rolledBack, 1);
  close(worker.rollbacksPerWeek, 0.5, '1 / 2 weeks');

  assert.deepEqual(
    groups.tenantTier.map((r) => r.key),
    ['(none)', 'tier-1', 'tier-2'],
  );
  const tier1 = row(groups.tenantTier, 'tier-1'); // A, B
  close(tier1.changeFailureRate, 1, 'tier-1 2/2');
  close(tier1.medianTimeToVerdictMs, 7.5 * MIN, 'median of 10, 5 = 7.5');
  assert.equal(tier1.freezeOverrides, 1);

  assert.deepEqual(
    groups.releaseClass.map((r) => r.key),
    ['emergency-fix', 'schema-change', 'standard'],
  );
  const standard = row(groups.releaseClass, 'standard'); // A, C
  close(standard.changeFailureRate, 0.5, 'standard 1/2');
  assert.equal(row(groups.releaseClass, 'emergency-fix').emergencyFixes, 1);
});

test('a trend per UTC month, rates over the part of the month in the period', () => {
  const { months } = computeScorecard(seededHistory());
  assert.deepEqual(
    months.map((m) => m.month),
    ['2026-02', '2026-03'],
  );
  const [feb, mar] = months as [ScorecardFigures & { month: string }, ScorecardFigures & { month: string }];
  // February: Feb 22 → Mar 1 = 1 week; A and B
  assert.equal(feb.releases, 2);
  close(feb.deploymentsPerWeek, 2, '2 / 1 week');
  close(feb.changeFailureRate, 1, '2/2');
  close(feb.rollbacksPerWeek, 1, 'A / 1 week');
  // March: Mar 1 → Mar 8 = 1 week; C and D
  assert.equal(mar.releases, 2);
  close(mar.changeFailureRate, 0.5, '1/2');
  close(mar.checkoutMinutesProtected, 90, 'D');
});

test('edge rules: empty period, bad period, unknown class, median', () => {
  const empty = computeScorecard({ from: FROM, to: TO, releases: [], verdicts: {}, actions: [], audit: [] });
  assert.equal(empty.overall.releases, 0);
  assert.equal(empty.overall.changeFailureRate, null);
  assert.equal(empty.overall.medianTimeToRestoreMs, null);
  assert.throws(() => computeScorecard({ ...seededHistory(), from: TO, to: FROM }), ScorecardPeriodError);

  const h = seededHistory();
  h.releases[0] = { ...h.releases[0], release: { ...h.releases[0].release, class: 'yolo' } };
  const card = computeScorecard(h);
  assert.equal(card.releases.find((r) => r.id === 'rel-a')!.ordersProtected, 0);
  assert.match(card.warnings[0], /rel-a: unknown release class "yolo"/);

  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
});

test('DORA lead time: commit → first promote, median over releases that gave a commit time', () => {
  const card = computeScorecard(seededHistory());
  const byId = new Map(card.releases.map((r) => [r.id, r]));
  assert.equal(byId.get('rel-b')?.leadTimeMs, 60 * MIN, 'B: committed 40 min before its start, promoted at 20 min');
  assert.equal(byId.get('rel-c')?.leadTimeMs, 420 * MIN, 'C: committed 6 h before its start, promoted at 60 min');
  assert.equal(byId.get('rel-a')?.leadTimeMs, undefined, 'A: never promoted');
  assert.equal(card.overall.medianLeadTimeMs, 240 * MIN, 'median of 60 and 420 min');
});

test('weekly trend: whole seven-day spans from the period start, each with its own figures', () => {
  const card = computeScorecard(seededHistory());
  assert.deepEqual(
    card.weeks.map((w) => [new Date(w.start).toISOString(), w.releases, w.failed, w.deploymentsPerWeek]),
    [
      ['2026-02-22T00:00:00.000Z', 2, 2, 2], // A (rollback), B (reduce-traffic, then promoted)
      ['2026-03-01T00:00:00.000Z', 2, 1, 2], // C, D (rollback)
    ],
  );
  assert.equal(
    card.warnings.some((w) => /weekly trend/.test(w)),
    false,
    'exactly two weeks: no remainder',
  );
  const longer = computeScorecard({ ...seededHistory(), to: TO + 3 * 86_400_000 });
  assert.equal(longer.weeks.length, 2);
  assert.ok(
    longer.warnings.some((w) => /last 3\.0 days of the period are in the totals only/.test(w)),
    longer.warnings.join(' | '),
  );
});

test('per-week rates are not extrapolated from less than a week', () => {
  const from = Date.UTC(2026, 1, 23, 9);
  const card = computeScorecard({ ...seededHistory(), from, to: from + 20 * MIN + 2 * 3_600_000 });
  assert.equal(card.overall.releases, 1, 'A only');
  assert.equal(card.overall.deploymentsPerWeek, null);
  assert.equal(card.overall.rollbacksPerWeek, null);
  assert.equal(card.weeks.length, 0);
  assert.ok(card.warnings.some((w) => /shorter than a week/.test(w)));
});
