import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fnv1a32 } from './hash.ts';

// Test vectors of the FNV reference (Landon Curt Noll's fnv test suite, FNV-1a 32-bit): for ASCII
// text the UTF-16 code units are the bytes.
test('FNV-1a 32-bit reference vectors', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
});
