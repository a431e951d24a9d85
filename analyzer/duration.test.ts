import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationSchema, durationToMs, formatDuration } from './duration.ts';

// Expected values are worked out by hand: 1 d = 24 × 60 × 60 × 1000 ms.
test('every unit, whole and decimal', () => {
  assert.equal(durationToMs('500ms'), 500);
  assert.equal(durationToMs('90s'), 90_000);
  assert.equal(durationToMs('15m'), 900_000);
  assert.equal(durationToMs('2h'), 7_200_000);
  assert.equal(durationToMs('1d'), 86_400_000);
  assert.equal(durationToMs('1.5s'), 1_500);
  assert.equal(durationToMs(' 30s '), 30_000);
});

test('what is not a duration is refused, never read as a default', () => {
  for (const text of [
    '',
    '5',
    's',
    '1w',
    '1h30m',
    '-1s',
    '1e3s',
    '1.s',
    '0x10s',
    '1 s',
    '1234567890123456s',
    '1.1234567890s',
  ]) {
    assert.equal(durationToMs(text), undefined, text);
  }
});

test('files: a bare number is milliseconds; text follows the grammar; the message names examples', () => {
  assert.equal(durationSchema.parse(2500), 2500);
  assert.equal(durationSchema.parse('1d'), 86_400_000);
  assert.equal(durationSchema.safeParse(-1).success, false);
  assert.equal(durationSchema.safeParse(1.5).success, false);
  const bad = durationSchema.safeParse('10 minutes');
  assert.equal(bad.success, false);
});

test('formatDuration picks the largest exact unit up to hours', () => {
  assert.equal(formatDuration(86_400_000), '24h');
  assert.equal(formatDuration(7_200_000), '2h');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(1_500), '1500ms');
  assert.equal(formatDuration(0), '0ms');
});
