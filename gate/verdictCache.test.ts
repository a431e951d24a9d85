/** The verdict cache over HTTP: served from memory, kept current by the gate's writes and the pipeline sink. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReleaseRecord } from '../store/index.ts';
import { engineVerdict, release, SPEC, startHarness, T0, TOKENS, type Harness } from './testing/harness.ts';
import { VerdictCache } from './verdictCache.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ verdictCacheMs: 60_000 });
});
after(() => h.close());

const decision = async (id: string): Promise<string> => {
  const res = await h.call('GET', `/api/v1/releases/${id}/verdict`, { token: TOKENS.reader });
  return res.status === 200 ? ((await res.json()) as { decision: string }).decision : `HTTP ${res.status}`;
};

test('unknown ids are not cached: a release registered after a 404 is served at once', async () => {
  assert.equal(await decision('cache-1'), 'HTTP 404');
  await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    body: { release: release('cache-1'), spec: SPEC },
  });
  assert.equal(await decision('cache-1'), 'continue', 'warming up');
});

test('a verdict written by another process shows after the TTL; one handed to the sink shows at once', async () => {
  const v1 = engineVerdict('cache-1', 'reduce-traffic', T0 + 60_000);
  await h.store.appendVerdict(v1);
  assert.equal(await decision('cache-1'), 'continue', 'served from memory within the TTL (the warming-up answer)');
  const record = (await h.store.getRelease('cache-1'))!;
  await h.gate.app.verdictSink.onVerdict(v1, undefined, record);
  assert.equal(await decision('cache-1'), 'reduce-traffic');
  // an older verdict arriving late does not replace a newer one
  await h.gate.app.verdictSink.onVerdict(engineVerdict('cache-1', 'rollback', T0 + 30_000), v1, record);
  assert.equal(await decision('cache-1'), 'reduce-traffic');
});

test("the gate's own writes invalidate: a backup checkpoint lifts the hold at once", async () => {
  await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    body: { release: release('cache-schema', { class: 'schema-change' }), spec: SPEC },
  });
  await h.store.appendVerdict(engineVerdict('cache-schema', 'continue', T0 + 60_000));
  assert.equal(await decision('cache-schema'), 'inconclusive');
  const res = await h.call('POST', '/api/v1/releases/cache-schema/checkpoints', {
    token: TOKENS.operator,
    body: { backupId: 'b-1', takenAt: T0 - 1000 },
  });
  assert.equal(res.status, 201);
  assert.equal(await decision('cache-schema'), 'continue');
});

test('entries loaded together do not expire together: their reloads spread over half a TTL, none served past it', async () => {
  const ttlMs = 1000;
  const cache = new VerdictCache(h.store, h.governance, { ttlMs });
  const ids = Array.from({ length: 200 }, (_, i) => `wave-${String(i).padStart(4, '0')}`);
  const records = ids.map((id) => ({ release: { id }, status: 'active' }) as unknown as ReleaseRecord);
  for (const record of records) cache.prime(record);
  const primedAt = performance.now();
  const freshAt = async (ms: number): Promise<number> => {
    await new Promise((resolve) => setTimeout(resolve, primedAt + ms - performance.now()));
    return ids.filter((id) => cache.peek(id) !== undefined).length;
  };
  // Dated back by up to half a TTL, about 80 % are still fresh at 0.6 TTL (all of them were,
  // expiring together at 1 TTL, before); a late timer moves this towards 0.5 TTL's share, not past it
  const at60 = await freshAt(0.6 * ttlMs);
  assert.ok(at60 > 10 && at60 < 190, `some but not all entries expired at 0.6 TTL (${at60} of 200 fresh)`);
  assert.equal(await freshAt(ttlMs + 20), 0, 'none is served from memory past the TTL');
});
