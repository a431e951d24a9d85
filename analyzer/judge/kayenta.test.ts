import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromKayentaConfig } from './kayenta.ts';

const config: unknown = JSON.parse(readFileSync(new URL('./testdata/kayenta-odoo.json', import.meta.url), 'utf8'));

test('translates a Kayenta canary config: direction, effect sizes, critical, NaN strategy, groups', () => {
  const t = fromKayentaConfig(config);
  // expected values read off the config by hand: allowedIncrease 1.1 → 0.10; allowedDecrease 0.8 → 0.20;
  // 'either' takes the larger of 1.25 − 1 and 1 − 0.9
  assert.equal(t.metrics.length, 3);
  const [latency, orders, connections] = t.metrics;
  assert.deepEqual(
    {
      harm: latency.harm,
      critical: latency.critical,
      nan: latency.nanStrategy,
      group: latency.group,
      kind: latency.kind,
    },
    { harm: 'increase', critical: true, nan: 'remove', group: 'Latency', kind: 'gauge' },
  );
  assert.ok(Math.abs(latency.tolerance - 0.1) < 1e-12);
  assert.match(latency.query ?? '', /^PromQL:histogram_quantile/);
  assert.equal(orders.harm, 'decrease');
  assert.ok(Math.abs(orders.tolerance - 0.2) < 1e-12);
  assert.equal(orders.removeOutliers, true);
  assert.equal(orders.query, 'sum(rate(odoo_sale_orders_confirmed_total[1m]))');
  assert.equal(connections.harm, 'either');
  assert.ok(Math.abs(connections.tolerance - 0.25) < 1e-12);
  assert.deepEqual(t.groupWeights, { Latency: 50, Business: 30, Platform: 20 });
  assert.deepEqual(t.policy, { passScore: 90, marginalScore: 70 });
  assert.ok(t.warnings.some((w) => w.includes('orders_confirmed') && w.includes('groups')));
  assert.ok(t.warnings.some((w) => w.includes('outlierFactor')));
});

test('a known Kayenta field with an unknown value is an error that names the field', () => {
  const bad = JSON.parse(JSON.stringify(config)) as {
    metrics: { analysisConfigurations: { canary: Record<string, unknown> } }[];
  };
  bad.metrics[1].analysisConfigurations.canary.nanStrategy = 'zero';
  assert.throws(
    () => fromKayentaConfig(bad),
    (error: Error) => /nanStrategy/.test(JSON.stringify((error as { issues?: unknown }).issues)),
  );
});

test('a metric without effect size means any significant change (tolerance 0), like Kayenta', () => {
  const t = fromKayentaConfig({
    metrics: [{ name: 'cpu', query: 'q', groups: ['system'], analysisConfigurations: { canary: {} } }],
  });
  assert.equal(t.metrics[0].tolerance, 0);
  assert.equal(t.metrics[0].harm, 'either');
});
