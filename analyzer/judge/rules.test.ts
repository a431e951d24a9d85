import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEffect, detectableEffect, type ClassifyInput } from './rules.ts';

const base = { harm: 'increase', tolerance: 0.1, threshold: 400 } as const;
const at = (
  effect: ClassifyInput['effect'],
  evidence: number,
  rule: ClassifyInput['rule'],
  more: Partial<ClassifyInput> = {},
) => classifyEffect({ ...base, effect, evidence, rule, ...more });

test('interval rule: a failure needs convincing evidence AND the whole interval beyond the tolerance', () => {
  const beyond = { relative: 0.2, low: 0.12, high: 0.3 };
  assert.deepEqual(
    [at(beyond, 500, 'interval').classification, at(beyond, 500, 'interval').code],
    ['high', 'interval-beyond-tolerance'],
  );
  assert.equal(at(beyond, 300, 'interval').classification, 'undecided');
  assert.equal(at(beyond, 500, 'interval', { tolerance: 0.15 }).classification, 'undecided');
  assert.equal(
    at({ relative: -0.3, low: -0.4, high: -0.2 }, 1e3, 'interval', { harm: 'decrease' }).classification,
    'low',
  );
});

test("estimate rule: convincing evidence plus a point estimate beyond the tolerance (Kayenta's effect size)", () => {
  const wide = { relative: 0.46, low: 0.05, high: 0.95 }; // the interval reaches inside the tolerance
  assert.equal(at(wide, 500, 'interval').classification, 'undecided');
  const r = at(wide, 500, 'estimate');
  assert.deepEqual([r.classification, r.code, r.assurance], ['high', 'estimate-beyond-tolerance', undefined]);
  // not convincing: never a failure, whatever the estimate
  assert.equal(at(wide, 399, 'estimate').classification, 'undecided');
  // convincing but the estimate within tolerance: a real but small change is no failure
  assert.equal(at({ relative: 0.08, low: 0.02, high: 0.14 }, 1e6, 'estimate').classification, 'undecided');
  // the harmless direction never fails
  assert.equal(at({ relative: -0.5, low: -0.7, high: -0.3 }, 1e6, 'estimate').classification, 'pass');
});

test('no failure: ruled-out when the interval is inside the tolerance on the harmful side, else not-detected', () => {
  const inside = at({ relative: 0.01, low: -0.05, high: 0.1 }, 1, 'estimate');
  assert.deepEqual([inside.classification, inside.code, inside.assurance], ['pass', 'within-tolerance', 'ruled-out']);
  const open = at({ relative: 0.01, low: -0.3, high: 0.4 }, 1, 'estimate');
  assert.deepEqual([open.classification, open.code, open.assurance], ['undecided', 'not-detected', 'not-detected']);
  // either: both ends must be inside
  assert.equal(at({ relative: 0, low: -0.2, high: 0.05 }, 1, 'estimate', { harm: 'either' }).assurance, 'not-detected');
  assert.equal(at({ relative: 0, low: -0.05, high: 0.05 }, 1, 'estimate', { harm: 'either' }).assurance, 'ruled-out');
});

test('detectable effect: the harmful half-width, never below the tolerance', () => {
  const near = (x: number, y: number) => assert.ok(Math.abs(x - y) < 1e-12, `${x} ≈ ${y}`);
  near(detectableEffect('increase', 0.05, { relative: 0.01, low: -0.3, high: 0.41 }), 0.4);
  near(detectableEffect('decrease', 0.05, { relative: 0.01, low: -0.29, high: 0.41 }), 0.3);
  near(detectableEffect('either', 0.05, { relative: 0, low: -0.2, high: 0.3 }), 0.3);
  assert.equal(detectableEffect('increase', 0.5, { relative: 0, low: -0.1, high: 0.1 }), 0.5);
});
