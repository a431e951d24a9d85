import assert from 'node:assert/strict';
import test from 'node:test';
import { createRng } from './seededRandom.ts';
import { logAddExp } from './startMixture.ts';

/** the textbook formula, every time */
const plain = (a: number, b: number): number => {
  if (a === b) return a + Math.LN2;
  const max = Math.max(a, b);
  return max + Math.log1p(Math.exp(Math.min(a, b) - max));
};

test('logAddExp: the far-gap shortcut gives the same number to the bit as the full formula', () => {
  const random = createRng(17).next;
  const values = [0, -0, 1e-300, 0.0766, 0.124, 0.125, 0.126, 0.5, 1, 2, 7, 40, 1e9, -1e9, Infinity, -Infinity, NaN];
  for (let i = 0; i < 20_000; i++) {
    const magnitude = 10 ** (random() * 12 - 6);
    values.push((random() < 0.5 ? -1 : 1) * magnitude);
  }
  let checked = 0;
  for (let i = 0; i < values.length; i++) {
    const a = values[i];
    // partners at and around the shortcut's gap, and anywhere
    for (const gap of [-39.9, -40, -40.1, -41, -45, -80, -745, -800, -1e9, -random() * 100]) {
      for (const [x, y] of [
        [a, a + gap],
        [a + gap, a],
      ]) {
        assert.ok(
          Object.is(logAddExp(x, y), plain(x, y)),
          `logAddExp(${x}, ${y}) = ${logAddExp(x, y)} vs ${plain(x, y)}`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked > 400_000);
});
