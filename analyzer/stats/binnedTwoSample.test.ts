import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BinnedTwoSample, kthDifference } from './binnedTwoSample.ts';
import { hodgesLehmann } from './hodgesLehmann.ts';
import { createRng } from './seededRandom.ts';

interface Case {
  baseline: number[];
  canary: number[];
  confidence: number;
  u: number;
  pValue: number;
  shift: number;
  low: number;
  high: number;
  baselineMedian: number;
}
// computed by SciPy/NumPy on the raw values (test/fixtures/binnedTwoSample.py)
const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/binned-two-sample.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

test('against SciPy on the raw values: the p-value is never smaller, the interval contains the raw one, the shift is bracketed', () => {
  assert.equal(fixture.cases.length, 4);
  for (const c of fixture.cases) {
    const sketch = new BinnedTwoSample();
    for (const v of c.baseline) sketch.add('baseline', v);
    for (const v of c.canary) sketch.add('canary', v);
    const label = `${c.baseline.length}/${c.canary.length} median ${c.baselineMedian}`;
    const r = sketch.rankTest();
    assert.ok(Math.abs(r.u - c.u) <= r.maxUError, `${label}: U ${r.u} vs SciPy's ${c.u} (bound ${r.maxUError})`);
    const [pLow, pHigh] = r.pRange;
    assert.ok(
      pLow <= c.pValue * (1 + 1e-12) && c.pValue <= pHigh * (1 + 1e-12),
      `${label}: SciPy's p ${c.pValue} in [${pLow}, ${pHigh}]`,
    );
    assert.ok(pLow <= r.p && r.p <= pHigh, `${label}: the bucketed p ${r.p} inside its range`);
    // the bucketed test itself stays near the raw one: 1 % buckets move the p-value by less than a factor 3 here
    assert.ok(r.p / c.pValue < 3 && c.pValue / r.p < 3, `${label}: p ${r.p} vs SciPy's ${c.pValue}`);
    const hl = sketch.hodgesLehmann(c.confidence);
    assert.ok(hl.low <= c.low && c.high <= hl.high, `${label}: [${hl.low}, ${hl.high}] ⊇ [${c.low}, ${c.high}]`);
    assert.ok(hl.shiftBounds[0] <= c.shift && c.shift <= hl.shiftBounds[1], `${label}: shift ${c.shift} bracketed`);
    assert.ok(
      hl.shiftBounds[0] <= hl.shift && hl.shift <= hl.shiftBounds[1],
      `${label}: reported shift inside its bounds`,
    );
    // the widening is about a bucket (2.5 %) of the values
    const slack = 0.011 * c.baselineMedian * 2;
    assert.ok(
      c.low - hl.low <= slack && hl.high - c.high <= slack,
      `${label}: widening ${c.low - hl.low}, ${hl.high - c.high}`,
    );
    const median = sketch.quantile('baseline', 0.5);
    assert.ok(Math.abs(median / c.baselineMedian - 1) <= 0.011, `${label}: median ${median} vs ${c.baselineMedian}`);
    console.log(
      `${label}: p ${r.p.toPrecision(3)} (raw: SciPy ${c.pValue.toPrecision(3)}, range [${pLow.toPrecision(3)}, ${pHigh.toPrecision(3)}]); HL [${hl.low.toPrecision(4)}, ${hl.high.toPrecision(4)}] vs raw [${c.low.toPrecision(4)}, ${c.high.toPrecision(4)}]`,
    );
  }
});

test('kthDifference equals brute force on weighted points; the sketch merges by adding', () => {
  const random = createRng(4).next;
  for (let round = 0; round < 30; round++) {
    const x = Float64Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.round(random() * 20) / 4).sort();
    const y = Float64Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.round(random() * 20) / 4).sort();
    const xw = Float64Array.from(x, () => 1 + Math.floor(random() * 3));
    const yw = Float64Array.from(y, () => 1 + Math.floor(random() * 3));
    const all: number[] = [];
    x.forEach((xv, j) => y.forEach((yv, i) => all.push(...new Array<number>(xw[j] * yw[i]).fill(xv - yv))));
    all.sort((a, b) => a - b);
    for (let k = 1; k <= all.length; k++) assert.equal(kthDifference(x, xw, y, yw, k), all[k - 1], `k=${k}`);
  }
  // sketch-sized inputs: bisection narrows to a few hundred bucket pairs, then they are selected
  for (let round = 0; round < 6; round++) {
    const points = (n: number) => Float64Array.from({ length: n }, () => Math.round(random() * 400) / 8).sort();
    const x = points(100 + Math.floor(random() * 200));
    const y = points(100 + Math.floor(random() * 200));
    const xw = Float64Array.from(x, () => 1 + Math.floor(random() * 5));
    const yw = Float64Array.from(y, () => 1 + Math.floor(random() * 5));
    const pairs: [number, number][] = [];
    x.forEach((xv, j) => y.forEach((yv, i) => pairs.push([xv - yv, xw[j] * yw[i]])));
    pairs.sort((a, b) => a[0] - b[0]);
    let total = 0;
    const cumulative = pairs.map(([, w]) => (total += w));
    const ranks = [1, 2, total - 1, total, Math.floor(total / 2), Math.ceil(total / 2) + 1];
    for (let r = 0; r < 100; r++) ranks.push(1 + Math.floor(random() * total));
    for (const k of ranks) {
      const expected = pairs[cumulative.findIndex((c) => c >= k)][0];
      assert.equal(kthDifference(x, xw, y, yw, k), expected, `round ${round}, k=${k} of ${total}`);
    }
  }
  // small samples: the binned shift is close to the exact Hodges-Lehmann one
  const baseline = Array.from({ length: 300 }, () => 0.2 + random() * 0.1);
  const canary = Array.from({ length: 200 }, () => 0.22 + random() * 0.1);
  const sketch = new BinnedTwoSample();
  const half = new BinnedTwoSample();
  baseline.forEach((v) => sketch.add('baseline', v));
  canary.forEach((v, i) => (i % 2 ? sketch : half).add('canary', v));
  sketch.counts.merge(half.counts);
  sketch.add('canary', canary[0], 0); // count 0 changes nothing
  const exact = hodgesLehmann(baseline, canary, { confidence: 0.95 });
  const binned = sketch.hodgesLehmann(0.95);
  assert.ok(Math.abs(binned.shift - exact.shift) < 0.01, `${binned.shift} vs ${exact.shift}`);
  assert.throws(() => sketch.add('canary', -1), /finite and >= 0/);
});
