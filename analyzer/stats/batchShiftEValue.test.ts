import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import gammaln from '@stdlib/math-base-special-gammaln';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { batchShiftLogEValues, type BatchShiftOptions } from './batchShiftEValue.ts';
import { StatsInputError } from './errors.ts';
import { createRandom } from './testing/random.ts';

const lchoose = (n: number, k: number): number => gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);

/**
 * E[e] under the permutation null, exactly: enumerate every canary split of the pooled counts
 * with its multivariate hypergeometric probability Π C(n_j, c_j) / C(N, n_c).
 */
function nullExpectation(
  pooled: number[],
  nc: number,
  lambdas: number[],
  groups?: number,
  bound: BatchShiftOptions['bound'] = 'exact',
): { mass: number; mean: number[] } {
  const K = pooled.length;
  const N = pooled.reduce((a, b) => a + b, 0);
  const c = new Array<number>(K).fill(0);
  const mean = new Array<number>(lambdas.length).fill(0);
  let mass = 0;
  const visit = (j: number, left: number): void => {
    if (j === K) {
      if (left > 0) return;
      let logP = -lchoose(N, nc);
      for (let i = 0; i < K; i++) logP += lchoose(pooled[i], c[i]);
      const logE = batchShiftLogEValues(
        pooled.map((n, i) => n - c[i]),
        c,
        lambdas,
        groups === undefined ? { bound } : { groups, bound },
      );
      mass += Math.exp(logP);
      logE.forEach((v, k) => (mean[k] += Math.exp(logP + v)));
      return;
    }
    for (let x = 0; x <= Math.min(pooled[j], left); x++) {
      c[j] = x;
      visit(j + 1, left - x);
    }
    c[j] = 0;
  };
  visit(0, nc);
  return { mass, mean };
}

test('each e-value has expectation exactly 1 under the permutation null (full enumeration)', (t) => {
  const lambdas = [0.02, 0.3, -0.5, 2, -3, 10, 40];
  const cases: { pooled: number[]; nc: number; groups?: number }[] = [
    { pooled: [1, 2, 3, 1, 2], nc: 4 },
    { pooled: [5, 7, 3], nc: 6 },
    { pooled: [1, 1, 1, 1, 1, 1, 1, 1], nc: 3 },
    { pooled: [3, 0, 4, 2, 6, 1, 2], nc: 7, groups: 3 }, // merged into rank groups
    { pooled: [40, 60, 50], nc: 70 }, // big cells: far tails and the slow path
    { pooled: [0, 9, 0, 0, 4], nc: 2 },
  ];
  let worst = 0;
  for (const { pooled, nc, groups } of cases) {
    const { mass, mean } = nullExpectation(pooled, nc, lambdas, groups);
    assert.ok(Math.abs(mass - 1) < 1e-10, 'the enumeration covers the whole law');
    for (const m of mean) {
      assert.ok(m / mass <= 1 + 1e-10, `E[e] = ${m / mass} > 1 for ${JSON.stringify(pooled)}`);
      assert.ok(m / mass > 1 - 1e-9, `E[e] = ${m / mass}: the factors are exact likelihood ratios`);
      worst = Math.max(worst, Math.abs(m / mass - 1));
    }
  }
  t.diagnostic(`max |E[e] - 1| over ${cases.length} tables × ${lambdas.length} tilts: ${worst.toExponential(2)}`);
});

test('property: E[e] <= 1 for random small margins, tilts and group counts (both scans)', () => {
  for (const bound of ['exact', 'binomial'] as const) {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: -20, max: 20, noNaN: true }),
        fc.integer({ min: 2, max: 6 }),
        (pooled, ncWanted, lambda, groups) => {
          const N = pooled.reduce((a, b) => a + b, 0);
          const nc = Math.min(ncWanted, N);
          const { mass, mean } = nullExpectation(pooled, nc, [lambda], groups, bound);
          return mean[0] / mass <= 1 + 1e-9;
        },
      ),
      { numRuns: 150 },
    );
  }
});

test('supports above the tabulation threshold (windowed walks, saddle-point log pmf): E[e] = 1 exactly', (t) => {
  // groups of 70–300 pooled items: these laws are walked from their tilted modes over a cached
  // window, not tabulated whole; λ = 40 puts tilted modes at the support's ends
  const lambdas = [0.02, 0.3, -0.5, 2, -3, 10, 40];
  const cases: { pooled: number[]; nc: number; groups?: number }[] = [
    { pooled: [100, 150], nc: 120 },
    { pooled: [300, 90], nc: 40 },
    { pooled: [80, 90, 70], nc: 100 },
    { pooled: [70, 0, 120, 75], nc: 60, groups: 3 },
  ];
  let worst = 0;
  for (const { pooled, nc, groups } of cases) {
    const { mass, mean } = nullExpectation(pooled, nc, lambdas, groups);
    assert.ok(Math.abs(mass - 1) < 1e-10, 'the enumeration covers the whole law');
    for (const m of mean) {
      assert.ok(m / mass <= 1 + 1e-10, `E[e] = ${m / mass} > 1 for ${JSON.stringify(pooled)}`);
      assert.ok(m / mass > 1 - 1e-9, `E[e] = ${m / mass}: the factors are exact likelihood ratios`);
      worst = Math.max(worst, Math.abs(m / mass - 1));
    }
  }
  t.diagnostic(`max |E[e] - 1| over ${cases.length} tables × ${lambdas.length} tilts: ${worst.toExponential(2)}`);
});

test('binomial bound: E[e] <= 1 under the permutation null (full enumeration), below 1 once a group holds several items', (t) => {
  const lambdas = [0.02, 0.3, -0.5, 2, -3, 10];
  const cases: { pooled: number[]; nc: number; groups?: number }[] = [
    { pooled: [1, 2, 3, 1, 2], nc: 4 },
    { pooled: [5, 7, 3], nc: 6 },
    { pooled: [3, 0, 4, 2, 6, 1, 2], nc: 7, groups: 3 },
    { pooled: [40, 60, 50], nc: 70 },
    { pooled: [0, 9, 0, 0, 4], nc: 2 },
  ];
  let largest = 0;
  for (const { pooled, nc, groups } of cases) {
    const { mass, mean } = nullExpectation(pooled, nc, lambdas, groups, 'binomial');
    assert.ok(Math.abs(mass - 1) < 1e-10, 'the enumeration covers the whole law');
    mean.forEach((m, k) => {
      assert.ok(m / mass <= 1 + 1e-10, `E[e] = ${m / mass} > 1 for ${JSON.stringify(pooled)}, λ = ${lambdas[k]}`);
      // sampling with replacement overstates the variance of a group of several items: strictly conservative
      assert.ok(m / mass < 1 - 1e-6, `E[e] = ${m / mass}: a bound, not an exact likelihood ratio`);
      largest = Math.max(largest, m / mass);
    });
  }
  t.diagnostic(`largest E[e] over ${cases.length} tables × ${lambdas.length} tilts: ${largest.toFixed(6)}`);
});

test('property: the binomial bound never exceeds the exact scan, and equals it when every group is one item', () => {
  const table = fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })), {
    minLength: 2,
    maxLength: 40,
  });
  const lambdas = [0.02, 0.16, 1.28, -0.02, -0.16, -1.28, 5];
  fc.assert(
    fc.property(table, fc.integer({ min: 2, max: 40 }), (cells, groups) => {
      const baseline = cells.map(([b]) => b);
      const canary = cells.map(([, c]) => c);
      const exact = batchShiftLogEValues(baseline, canary, lambdas, { groups });
      const bound = batchShiftLogEValues(baseline, canary, lambdas, { groups, bound: 'binomial' });
      return bound.every((v, k) => v <= exact[k] + 1e-9 * (1 + Math.abs(exact[k])));
    }),
    { numRuns: 300 },
  );
  // distinct values (one item per bucket) and as many groups as items: each group is one draw,
  // Bernoulli under both laws, so the two scans are the same e-value
  const baseline = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1];
  const canary = baseline.map((b) => 1 - b);
  const exact = batchShiftLogEValues(baseline, canary, lambdas, { groups: 12 });
  const bound = batchShiftLogEValues(baseline, canary, lambdas, { groups: 12, bound: 'binomial' });
  bound.forEach((v, k) => assert.ok(Math.abs(v - exact[k]) < 1e-12, `λ = ${lambdas[k]}: ${v} vs ${exact[k]}`));
});

test("binomial bound: keeps most of the exact scan's growth on lognormal latencies moved by 10%", (t) => {
  // mean log e-value per batch at the best tilt: what sets how fast an e-process rejects
  const random = createRandom(21);
  const normal = (): number => random.normal();
  const bucket = (v: number): number => Math.ceil(Math.log(v / 1e-4) / Math.log(1.025));
  const lambdas = Array.from({ length: 7 }, (_, k) => 0.02 * 2 ** k);
  const exactGrowth = new Array<number>(lambdas.length).fill(0);
  const boundGrowth = new Array<number>(lambdas.length).fill(0);
  const batches = 60;
  for (let b = 0; b < batches; b++) {
    const baseline = new Array<number>(707).fill(0);
    const canary = new Array<number>(707).fill(0);
    for (let i = 0; i < 300; i++) baseline[bucket(0.2 * Math.exp(0.6 * normal()))]++;
    for (let i = 0; i < 300; i++) canary[bucket(0.22 * Math.exp(0.6 * normal()))]++;
    batchShiftLogEValues(baseline, canary, lambdas).forEach((v, k) => (exactGrowth[k] += v / batches));
    batchShiftLogEValues(baseline, canary, lambdas, { groups: 16, bound: 'binomial' }).forEach(
      (v, k) => (boundGrowth[k] += v / batches),
    );
  }
  const ratio = Math.max(...boundGrowth) / Math.max(...exactGrowth);
  t.diagnostic(
    `growth per batch: exact (32 groups) ${Math.max(...exactGrowth).toFixed(3)}, binomial bound (16) ${Math.max(...boundGrowth).toFixed(3)}: ${ratio.toFixed(3)}`,
  );
  assert.ok(ratio > 0.8 && ratio < 1, `growth ratio ${ratio}`);
});

/**
 * The straightforward computation, kept as a reference: every group's law tabulated over its whole
 * support (ratios, and log pmf values as running sums of log ratios), then the same walks as the
 * implementation (same 1e-18 cutoff, same geometric tail bounds), one term at a time.
 */
function referenceLogEValues(baseline: number[], canary: number[], lambdas: number[], maxGroups = 32): number[] {
  const out = lambdas.map(() => 0);
  const nb = baseline.reduce((a, b) => a + b, 0);
  const nc = canary.reduce((a, b) => a + b, 0);
  if (nb === 0 || nc === 0) return out;
  const N = nb + nc;
  const gn: number[] = [];
  const gc: number[] = [];
  let pooled = 0;
  let open = false;
  baseline.forEach((b, j) => {
    const n = b + canary[j];
    if (n === 0) return;
    if (!open) {
      gn.push(0);
      gc.push(0);
      open = true;
    }
    gn[gn.length - 1] += n;
    gc[gc.length - 1] += canary[j];
    pooled += n;
    if (pooled * maxGroups >= gn.length * N) open = false;
  });
  const G = gn.length;
  if (G < 2) return out;
  const score: number[] = [];
  let before = 0;
  for (let g = 0; g < G; g++) {
    score.push(normalQuantile((before + (gn[g] + 1) / 2) / (N + 1), 0, 1));
    before += gn[g];
  }
  const firstBelow = (ratio: number[], top: number, level: number): number => {
    let a = 0;
    let b = top;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (ratio[mid] < level) b = mid;
      else a = mid + 1;
    }
    return a;
  };
  let cRem = nc;
  let nRem = N;
  for (let g = 0; g < G - 1; g++) {
    const n = gn[g];
    const bRem = nRem - cRem;
    if (cRem === 0 || bRem === 0) break;
    const lo = Math.max(0, n - bRem);
    const top = Math.min(n, cRem) - lo;
    if (top > 0) {
      const ratio: number[] = [];
      for (let i = 0; i < top; i++)
        ratio.push(((n - lo - i) * (cRem - lo - i)) / ((lo + i + 1) * (bRem - n + lo + i + 1)));
      const mode = firstBelow(ratio, top, 1);
      const logH = new Array<number>(top + 1).fill(0);
      for (let i = mode; i < top; i++) logH[i + 1] = logH[i] + Math.log(ratio[i]);
      for (let i = mode; i > 0; i--) logH[i - 1] = logH[i] - Math.log(ratio[i - 1]);
      let z = 1;
      let t = 1;
      for (let i = mode; i < top && t >= 1e-18 * z; i++) z += t *= ratio[i];
      t = 1;
      for (let i = mode - 1; i >= 0 && t >= 1e-18 * z; i--) z += t /= ratio[i];
      let tailSum = 0;
      let tailN = 0;
      for (let h = g + 1; h < G; h++) {
        tailSum += gn[h] * score[h];
        tailN += gn[h];
      }
      const d = score[g] - tailSum / tailN;
      lambdas.forEach((lambda, k) => {
        const l = lambda * d;
        const w = Math.exp(l);
        const m = firstBelow(ratio, top, 1 / w);
        let sum = 1;
        let u = 1;
        let i = m;
        for (; i < top && u >= 1e-18 * sum; i++) sum += u *= ratio[i] * w;
        if (i < top) sum += (u * ratio[i] * w) / (1 - ratio[i] * w);
        u = 1;
        i = m - 1;
        for (; i >= 0 && u >= 1e-18 * sum; i--) sum += u /= ratio[i] * w;
        if (i >= 0) sum += u / (ratio[i] * w) / (1 - 1 / (ratio[i] * w));
        out[k] += l * (gc[g] - lo) + Math.log(z) - (Math.log(sum) + logH[m] + l * m);
      });
    }
    cRem -= gc[g];
    nRem -= n;
  }
  return out;
}

test('equals the whole-support reference computation to 1e-9 on random tables, large groups and extreme tilts', (t) => {
  const rng = createRandom(2024);
  const lambdas = [0.02, -0.02, 0.16, -0.16, 1.28, -1.28, 2.56, -2.56, 8, -8];
  const sizes = [12, 60, 400, 3000, 20_000, 60_000];
  let worst = 0;
  let tables = 0;
  for (let trial = 0; trial < 36; trial++) {
    const N = sizes[trial % sizes.length];
    const K = 2 + Math.floor(rng.uniform() * 60);
    const canaryShare = [0.05, 0.25, 0.5, 0.8][Math.floor(rng.uniform() * 4)];
    const shift = [0, 0, 1, 4][Math.floor(rng.uniform() * 4)]; // canary slower by this many buckets
    const spread = 1 + rng.uniform() * K * 0.3;
    const baseline = new Array<number>(K).fill(0);
    const canary = new Array<number>(K).fill(0);
    for (let i = 0; i < N; i++) {
      const isCanary = rng.uniform() < canaryShare;
      const j = Math.round(K / 3 + spread * rng.normal() + (isCanary ? shift : 0));
      (isCanary ? canary : baseline)[Math.min(K - 1, Math.max(0, j))]++;
    }
    const groups = [2, 3, 8, 32, 32, 32][Math.floor(rng.uniform() * 6)];
    const got = batchShiftLogEValues(baseline, canary, lambdas, { groups });
    const want = referenceLogEValues(baseline, canary, lambdas, groups);
    want.forEach((v, k) => {
      const err = Math.abs(got[k] - v) / Math.max(1, Math.abs(v));
      worst = Math.max(worst, err);
      assert.ok(err <= 1e-9, `N=${N} K=${K} groups=${groups} λ=${lambdas[k]}: ${got[k]} vs reference ${v}`);
    });
    tables++;
  }
  t.diagnostic(`${tables} tables × ${lambdas.length} tilts: max |Δ| / max(1, |log e|) = ${worst.toExponential(2)}`);
});

test('a tilt gives the same e-value, to the bit, alone or computed with others', () => {
  // Tilts of small laws are summed four per pass (independent Horner chains, the rest one at a
  // time): each must still be exactly what it is alone. No tilt here is twice or minus another,
  // so every w is its own exponential, as when alone (`TiltPlan`). Rank groups of ~19 points (N ≈
  // 600, 32 groups) take the chained path; groups of ≤ 7 points (N ≈ 150) the one-at-a-time one;
  // the steep tilts the tabulated walks.
  const rng = createRandom(77);
  const lambdas = [0.03, -0.05, 0.07, 0.11, -0.13, 0.17, 0.019, -0.23, 0.29, 1.7, -3.1];
  let compared = 0;
  for (let trial = 0; trial < 40; trial++) {
    const N = trial % 2 === 0 ? 600 : 150;
    const K = 150;
    const baseline = new Array<number>(K).fill(0);
    const canary = new Array<number>(K).fill(0);
    const shift = [0, 2, -3][trial % 3];
    for (let i = 0; i < N; i++) {
      const isCanary = rng.uniform() < 0.5;
      const j = Math.round(K / 2 + 25 * rng.normal() + (isCanary ? shift : 0));
      (isCanary ? canary : baseline)[Math.min(K - 1, Math.max(0, j))]++;
    }
    const together = batchShiftLogEValues(baseline, canary, lambdas);
    lambdas.forEach((lambda, k) => {
      const alone = batchShiftLogEValues(baseline, canary, [lambda])[0];
      assert.ok(
        Object.is(together[k], alone),
        `trial ${trial}, λ=${lambda}: ${together[k]} with the others, ${alone} alone`,
      );
      compared++;
    });
  }
  assert.equal(compared, 40 * lambdas.length);
});

test('two groups with tens of thousands per cell: matches the log-space hypergeometric sum', () => {
  // one factor only: X ~ Hyp(N, n_c, n_0), l = λ (a_0 − a_1), log e = l x − log E exp(l X)
  const [b0, b1, c0, c1] = [18_000, 22_000, 12_000, 28_000];
  const n0 = b0 + c0;
  const N = b0 + b1 + c0 + c1;
  const nc = c0 + c1;
  const a0 = normalQuantile((n0 + 1) / 2 / (N + 1), 0, 1);
  const a1 = normalQuantile((n0 + (N - n0 + 1) / 2) / (N + 1), 0, 1);
  const lambdas = [0.02, 0.5, -0.5, 2.56, -2.56];
  const got = batchShiftLogEValues([b0, b1], [c0, c1], lambdas);
  lambdas.forEach((lambda, k) => {
    const l = lambda * (a0 - a1);
    const terms: number[] = [];
    for (let x = Math.max(0, n0 - (N - nc)); x <= Math.min(n0, nc); x++) {
      terms.push(lchoose(nc, x) + lchoose(N - nc, n0 - x) - lchoose(N, n0) + l * x);
    }
    const max = Math.max(...terms);
    const logMgf = max + Math.log(terms.reduce((s, v) => s + Math.exp(v - max), 0));
    const expected = l * c0 - logMgf;
    assert.ok(
      Math.abs(got[k] - expected) < 1e-6 * Math.max(1, Math.abs(expected)),
      `λ=${lambda}: ${got[k]} vs ${expected}`,
    );
  });
});

test('direction and the documented example', () => {
  // canary concentrated in the high buckets: evidence for λ > 0, against λ < 0
  const e = batchShiftLogEValues([5, 3, 1, 0], [0, 2, 4, 4], [0.5, -0.5]);
  assert.ok(Math.abs(e[0] - 2.4523) < 1e-3 && Math.abs(e[1] + 3.1355) < 1e-3, `got ${Array.from(e)}`);
  const mirror = batchShiftLogEValues([0, 2, 4, 4], [5, 3, 1, 0], [0.5, -0.5]);
  assert.ok(mirror[1] > 0 && mirror[0] < 0);
});

test('no information, no evidence: an empty cohort or a single occupied bucket gives log e = 0', () => {
  assert.deepEqual(Array.from(batchShiftLogEValues([3, 4, 5], [0, 0, 0], [1, -1])), [0, 0]);
  assert.deepEqual(Array.from(batchShiftLogEValues([0, 0, 0], [1, 2, 0], [1, -1])), [0, 0]);
  assert.deepEqual(Array.from(batchShiftLogEValues([0, 7, 0], [0, 5, 0], [1, -1])), [0, 0]);
  assert.deepEqual(Array.from(batchShiftLogEValues([], [], [1])), [0]);
});

test('invalid input throws StatsInputError', () => {
  assert.throws(() => batchShiftLogEValues([1, 2], [1], [1]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, -2], [1, 1], [1]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, 2.5], [1, 1], [1]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, NaN], [1, 1], [1]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, 2], [1, 1], [Infinity]), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, 2], [1, 1], [1], { groups: 1 }), StatsInputError);
  assert.throws(() => batchShiftLogEValues([1, 2], [1, 1], [1], { group: 3 } as never), StatsInputError);
});
