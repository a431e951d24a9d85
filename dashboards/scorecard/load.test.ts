/**
 * loadScorecard reads the seeded history back through the Store seam (embedded PGlite) and gives
 * exactly the figures the pure computation gives on the same history as plain data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPgliteStore } from '../../store/index.ts';
import { computeScorecard } from './compute.ts';
import { loadScorecard, recordedOnset } from './load.ts';
import { FROM, seedStore, seededHistory, TO } from './testing/history.ts';

test('loadScorecard on a PGlite store equals computeScorecard on the same history', async () => {
  const store = await createPgliteStore();
  try {
    await seedStore(store);
    const loaded = await loadScorecard(store, { from: FROM, to: TO });
    const expected = computeScorecard(seededHistory());
    assert.deepEqual(loaded.overall, expected.overall);
    assert.deepEqual(loaded.groups, expected.groups);
    assert.deepEqual(loaded.months, expected.months);
    assert.deepEqual(loaded.releases, expected.releases);
    assert.deepEqual(loaded.warnings, []);
  } finally {
    await store.close();
  }
});

test('recordedOnset takes the latest numeric regression.onset', () => {
  assert.equal(recordedOnset([]), undefined);
  assert.equal(
    recordedOnset([
      { at: 1, actor: 'a', action: 'regression.onset', detail: { onsetAt: 10 } },
      { at: 2, actor: 'a', action: 'regression.onset', detail: { onsetAt: 'soon' } },
      { at: 3, actor: 'a', action: 'release.abort', detail: { onsetAt: 99 } },
      { at: 4, actor: 'a', action: 'regression.onset', detail: { onsetAt: 20 } },
    ]),
    20,
  );
});
