import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staggeredFirstCheckpoint } from './pipeline.ts';

test('first checkpoints of releases scraped together are spread over 1..checkpointEvery', () => {
  const counts = new Array<number>(11).fill(0);
  for (let i = 0; i < 1000; i++) counts[staggeredFirstCheckpoint(`bench-${i}`, 10)]++;
  assert.equal(counts[0], 0, 'never 0: a checkpoint is due after at least one batch');
  // 1,000 ids over 10 values: each within ±40% of 100 (a burst would put them all on one value)
  for (let k = 1; k <= 10; k++) assert.ok(counts[k] >= 60 && counts[k] <= 140, `value ${k}: ${counts[k]} of 1000`);
  assert.equal(staggeredFirstCheckpoint('rel-a', 1), 1);
  assert.equal(staggeredFirstCheckpoint('rel-a', 10), staggeredFirstCheckpoint('rel-a', 10), 'stable per id');
});
