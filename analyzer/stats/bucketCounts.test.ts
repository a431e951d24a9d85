import assert from 'node:assert/strict';
import test from 'node:test';
import { alignPair, BucketCounts } from './bucketCounts.ts';
import { createRng } from './seededRandom.ts';

/** the counts as a full-width array of `buckets` entries */
function full(counts: BucketCounts, buckets: number): number[] {
  return Array.from({ length: buckets }, (_, k) => counts.get(k));
}

test('band storage holds what a full-width array holds, through adds, merges and clears', () => {
  const random = createRng(5).next;
  const K = 707;
  const reference = [new Array<number>(K).fill(0), new Array<number>(K).fill(0)];
  const sparse = [new BucketCounts(), new BucketCounts()];
  for (let round = 0; round < 50; round++) {
    const open = new BucketCounts();
    const openReference = new Array<number>(K).fill(0);
    const centre = Math.floor(random() * K);
    for (let i = 0; i < 40; i++) {
      const k = Math.min(K - 1, Math.max(0, centre + Math.round((random() - 0.5) * 60)));
      const count = 1 + Math.floor(random() * 5);
      open.add(k, count);
      openReference[k] += count;
    }
    assert.deepEqual(full(open, K), openReference);
    assert.equal(
      open.total,
      openReference.reduce((s, v) => s + v, 0),
    );
    assert.ok(open.end - open.start <= 61, 'the band covers the values, not the layout');
    const side = round % 2;
    sparse[side].merge(open);
    openReference.forEach((v, k) => (reference[side][k] += v));
    open.clear();
    assert.equal(open.total, 0);
    assert.equal(open.view().length, 0);
    assert.deepEqual(full(sparse[side], K), reference[side]);
  }
  const table = alignPair(sparse[0], sparse[1]);
  assert.equal(table.baseline.length, table.canary.length);
  for (let k = 0; k < K; k++) {
    const inside = k >= table.start && k < table.start + table.baseline.length;
    assert.equal(inside ? table.baseline[k - table.start] : 0, reference[0][k], `baseline bucket ${k}`);
    assert.equal(inside ? table.canary[k - table.start] : 0, reference[1][k], `canary bucket ${k}`);
  }
});

test('alignPair: one empty cohort, and both empty', () => {
  const a = new BucketCounts();
  const b = new BucketCounts();
  assert.equal(alignPair(a, b).baseline.length, 0);
  b.add(300, 2);
  b.add(296, 1);
  const table = alignPair(a, b);
  assert.equal(table.start, 296);
  assert.deepEqual(Array.from(table.canary), [1, 0, 0, 0, 2]);
  assert.deepEqual(Array.from(table.baseline), [0, 0, 0, 0, 0]);
});
