import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SequenceMarks } from './sequenceMarks.ts';

const id = (releaseId: string, producer: string, sequence: number) => ({ releaseId, producer, sequence });

test('a sequence at or below the mark of its (release, producer) is a duplicate', () => {
  const marks = new SequenceMarks();
  assert.equal(marks.isDuplicate(id('r1', 'p', 5)), false);
  marks.record(id('r1', 'p', 5));
  assert.equal(marks.isDuplicate(id('r1', 'p', 5)), true);
  assert.equal(marks.isDuplicate(id('r1', 'p', 4)), true);
  assert.equal(marks.isDuplicate(id('r1', 'p', 6)), false);
  assert.equal(marks.isDuplicate(id('r2', 'p', 5)), false, 'another release');
  assert.equal(marks.isDuplicate(id('r1', 'q', 5)), false, 'another producer');
  marks.record(id('r1', 'p', 3));
  assert.equal(marks.isDuplicate(id('r1', 'p', 5)), true, 'a lower record never lowers the mark');
});

test('ids containing separators do not collide', () => {
  const marks = new SequenceMarks();
  marks.record(id('a\u0000b', 'c', 1));
  assert.equal(marks.isDuplicate(id('a', 'b\u0000c', 1)), false);
});

test('beyond capacity the least recently updated key is forgotten', () => {
  const marks = new SequenceMarks(2);
  marks.record(id('r1', 'p', 1));
  marks.record(id('r2', 'p', 1));
  marks.record(id('r1', 'p', 2)); // r1 is now the most recent
  marks.record(id('r3', 'p', 1)); // evicts r2
  assert.equal(marks.size, 2);
  assert.equal(marks.isDuplicate(id('r2', 'p', 1)), false);
  assert.equal(marks.isDuplicate(id('r1', 'p', 2)), true);
  assert.throws(() => new SequenceMarks(0), RangeError);
});

test('toJSON/fromJSON round-trips marks and their eviction order; clone is independent', () => {
  const marks = new SequenceMarks(2);
  marks.record(id('r1', 'p', 7));
  marks.record(id('r2', 'q', 9));
  const copy = SequenceMarks.fromJSON(JSON.parse(JSON.stringify(marks)), 2);
  assert.deepEqual(copy.toJSON(), [
    ['r1', 'p', 7],
    ['r2', 'q', 9],
  ]);
  copy.record(id('r3', 'p', 1)); // evicts r1 in the copy only
  assert.equal(copy.isDuplicate(id('r1', 'p', 7)), false);
  assert.equal(marks.isDuplicate(id('r1', 'p', 7)), true);
  const clone = marks.clone();
  clone.record(id('r1', 'p', 8));
  assert.equal(marks.isDuplicate(id('r1', 'p', 8)), false);
});
