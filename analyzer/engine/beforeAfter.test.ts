import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateBeforeAfter } from '../../simulator/index.ts';
import { replaySamples } from './replay.ts';

// Scenarios from simulator/scenarios/beforeAfter.ts: a Monday-morning ramp (traffic 1× → 2.2×,
// latency +18%) and a weekly flash sale (traffic ×3, latency ×1.3 at minutes 20–24) that recur at
// the same weekday and hour every week; the hour just before the release is quieter.
const options = { mode: 'sequential', intervalMs: 60_000 } as const;

test('before/after with weekly history: the ramp and the flash sale, also in history, cause no rollback', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const scenario = generateBeforeAfter({ seed });
    const { verdict, timeline, counts } = replaySamples(scenario.spec, scenario.samples, options);
    assert.ok(
      !timeline.some((e) => e.decision === 'rollback' || e.decision === 'reduce-traffic'),
      `seed ${seed}: ${JSON.stringify(timeline)}`,
    );
    assert.notEqual(verdict.decision, 'rollback');
    assert.ok(counts.history > 0, 'history samples were used as the baseline');
  }
});

test('before/after against the previous hour alone mistakes the morning ramp for a regression', () => {
  // This is why seasonality correction exists: same data, naive baseline.
  const scenario = generateBeforeAfter({ seed: 1, baseline: 'previous-window' });
  const { verdict } = replaySamples(scenario.spec, scenario.samples, options);
  assert.equal(verdict.decision, 'rollback');
});

test('before/after with weekly history catches real regressions in latency and in orders', () => {
  for (let seed = 1; seed <= 3; seed++) {
    for (const regression of ['checkout-latency-x1.25', 'orders-x0.80'] as const) {
      const scenario = generateBeforeAfter({ seed, regression });
      const { verdict } = replaySamples(scenario.spec, scenario.samples, options);
      assert.equal(verdict.decision, 'rollback', `seed ${seed} ${regression}: ${verdict.reasons.join('; ')}`);
      const metric = regression.startsWith('checkout') ? 'checkout_latency_seconds' : 'orders_confirmed_total';
      assert.ok(
        verdict.reasons.some((r) => r.includes(metric)),
        `${regression}: ${verdict.reasons.join('; ')}`,
      );
    }
  }
});

test('beforeAfter is rejected for concurrent strategies', async () => {
  const { analysisSpecSchema } = await import('../validation.ts');
  const scenario = generateBeforeAfter({ seed: 1 });
  const result = analysisSpecSchema.safeParse({
    ...scenario.spec,
    release: { ...scenario.spec.release, strategy: 'canary' },
  });
  assert.equal(result.success, false);
});

test('without `beforeAfter` in the spec, weekly history is the default baseline; the previous hour only without it', () => {
  const scenario = generateBeforeAfter({ seed: 1 });
  const { beforeAfter: _asked, ...spec } = scenario.spec;
  // the same data as the previous-window test above: the default now reads last week, and the
  // Monday-morning ramp no longer looks like a regression
  const { timeline } = replaySamples(spec, scenario.samples, options);
  assert.ok(
    !timeline.some((e) => e.decision === 'rollback' || e.decision === 'reduce-traffic'),
    JSON.stringify(timeline.at(-1)),
  );
  // no history a week back (only the hour before the release): previous-window is all there is
  const start = spec.release.startedAt;
  const recent = scenario.samples.filter((s) => s.ts >= start - 60 * 60_000);
  const fallback = replaySamples(spec, recent, options);
  const asked = replaySamples({ ...spec, beforeAfter: { baseline: 'previous-window' } }, recent, options);
  assert.deepEqual(fallback.timeline, asked.timeline);
  assert.ok(fallback.counts.history > 0);
});
