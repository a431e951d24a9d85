import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExposition } from '../textparse/index.ts';
import { COLLECTOR_METRIC_NAMES, createCollectorMetrics } from './index.ts';

test('collector metrics: Prometheus names, labels by target and kind, served on a free port, closed cleanly', async () => {
  const metrics = await createCollectorMetrics({
    port: 0,
    lag: async () => [{ topic: 'samples', group: 'judge', pendingBatches: 3, members: 1 }],
  });
  try {
    metrics.recordScrape({ target: 'traefik', durationSeconds: 0.02, samples: 4, at: 1_795_773_600_000 });
    metrics.recordError('redis', 'timeout', 10);
    const response = await fetch(metrics.url!);
    assert.equal(response.status, 200);
    const body = await response.text();
    const { families } = parseExposition(body);
    const names = new Set(families.map((f) => f.name));
    for (const name of Object.values(COLLECTOR_METRIC_NAMES))
      assert.ok(names.has(name) || names.has(name.replace(/_total$/, '')), `${name} missing in\n${body}`);
    assert.match(body, /release_health_collector_samples_total\{target="traefik"\} 4/);
    assert.match(body, /release_health_collector_scrape_errors_total\{target="redis",kind="timeout"\} 1/);
    assert.match(body, /release_health_collector_bus_pending_batches\{topic="samples",group="judge"\} 3/);
    assert.match(body, /release_health_collector_last_success_timestamp_seconds\{target="traefik"\} 1795773600\b/);
    assert.equal(await metrics.collect(), body);
    assert.equal((await fetch(metrics.url!.replace('/metrics', '/nope'))).status, 404);
  } finally {
    await metrics.close();
  }
  await metrics.close(); // idempotent
  await assert.rejects(fetch(metrics.url!));
});

test('collector metrics: unknown options and bad ports are rejected', async () => {
  await assert.rejects(createCollectorMetrics({ prot: 1 } as never), /unknown collector metrics option "prot"/);
  await assert.rejects(createCollectorMetrics({ port: 70000 }), /port must be/);
});
