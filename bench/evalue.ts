/**
 * The floor of a latency look: what one batch's permutation e-values cost, per call, on what a
 * latency metric fed raw values sees each minute — `--per-cohort` values per cohort (default 300,
 * 1,000 and 3,000), lognormal with σ = 0.6 (as `bench/scale.ts`'s `latency` shape and `power.ts`
 * assume), in the default log layout (707 buckets of ratio 1.025), the canary 5 % slower. Timed:
 *
 * - `bucketing`: both cohorts' values into the layout's counts (`bucketIndex` per value) — done
 *   as samples arrive, not in the look (`bench/scale.ts` times looks without it): shown apart;
 * - `testScan`: the latency test's exact e-value (its 30 tilts, 32 rank groups, the occupied band)
 *   — the evidence every decision reads;
 * - `anchorScan`: the shift family's exact e-value at the harmful side's anchor (14 tilts, 32
 *   groups, on the merged list of occupied buckets) — the row `ruled-out` and `failWhen: interval`
 *   read;
 * - `boundScan`: the family's bounded e-value (14 tilts, 16 groups) of every other row it bets.
 *
 * `floor` is the two exact scans added up: what a look of one such metric costs with an effect
 * interval reduced to its decision rows, a lower bound on the real look (`bench/scale.ts
 * --shapes latency`), which adds the bounded rows, the merged lists and the verdict. Printed
 * against the look-CPU target's share per metric (1 ms per release at 20 metrics: 50 µs). Each
 * figure is the best of 7 rounds over 64 different batches. Prints figures, then one JSON line.
 *
 *   node --import tsx bench/evalue.ts [--quick] [--per-cohort 300,1000,3000]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  batchShiftLogEValuesChecked,
  binomialBoundLogEValuesChecked,
  tiltPlan,
} from '../analyzer/stats/batchShiftEValue.ts';
import { LATENCY_TEST_TILTS } from '../analyzer/stats/latencyShift.ts';
import { logBuckets } from '../analyzer/stats/logBuckets.ts';
import { SHIFT_FAMILY_TILTS } from '../analyzer/stats/shiftConfidenceSequence.ts';
import { bestOf, lognormal, seeded } from './timing.ts';

const BATCHES = 64;
const METRICS = 20;
/** the look-CPU target: 1 ms per release at 20 metrics */
const TARGET_US_PER_METRIC = 1000 / METRICS;
const TEST_PLAN = tiltPlan(LATENCY_TEST_TILTS);
const FAMILY_PLAN = tiltPlan(SHIFT_FAMILY_TILTS);

interface Batch {
  baselineValues: Float64Array;
  canaryValues: Float64Array;
  /** counts over the band from the first to the last occupied bucket, as the test scans them */
  baseline: Float64Array;
  canary: Float64Array;
  /** the merged list of occupied buckets, as the family scans it */
  compactB: Float64Array;
  compactC: Float64Array;
  occupied: number;
}

function batches(perCohort: number, seed: number): Batch[] {
  const layout = logBuckets();
  const random = seeded(seed);
  return Array.from({ length: BATCHES }, () => {
    const baselineValues = Float64Array.from({ length: perCohort }, () => lognormal(random, 0.3, 0.6));
    const canaryValues = Float64Array.from({ length: perCohort }, () => lognormal(random, 0.315, 0.6));
    const baseline = new Float64Array(layout.count);
    const canary = new Float64Array(layout.count);
    for (const v of baselineValues) baseline[layout.bucketIndex(v)]++;
    for (const v of canaryValues) canary[layout.bucketIndex(v)]++;
    // the test scans the band from the first to the last occupied bucket (alignPair)
    let first = 0;
    let last = layout.count - 1;
    while (baseline[first] === 0 && canary[first] === 0) first++;
    while (baseline[last] === 0 && canary[last] === 0) last--;
    const compactB: number[] = [];
    const compactC: number[] = [];
    for (let j = 0; j < layout.count; j++) {
      if (baseline[j] === 0 && canary[j] === 0) continue;
      compactB.push(baseline[j]);
      compactC.push(canary[j]);
    }
    return {
      baselineValues,
      canaryValues,
      baseline: baseline.slice(first, last + 1),
      canary: canary.slice(first, last + 1),
      compactB: Float64Array.from(compactB),
      compactC: Float64Array.from(compactC),
      occupied: compactB.length,
    };
  });
}

/** µs per call: the best of `rounds` passes over every batch */
function perCall(rounds: number, data: Batch[], call: (b: Batch) => number): { us: number; check: number } {
  const { ms, result } = bestOf(rounds, () => {
    let check = 0;
    for (const b of data) check += call(b);
    return check;
  });
  return { us: Math.round(((ms * 1000) / data.length) * 10) / 10, check: result };
}

export async function run(o: { quick: boolean; perCohort?: number[] }): Promise<Record<string, unknown>> {
  const sizes = o.perCohort ?? (o.quick ? [300] : [300, 1000, 3000]);
  const rounds = o.quick ? 3 : 7;
  const layout = logBuckets();
  const out30 = new Float64Array(LATENCY_TEST_TILTS.length);
  const out14 = new Float64Array(SHIFT_FAMILY_TILTS.length);
  const counts = new Float64Array(layout.count);
  const rows: Record<string, unknown>[] = [];
  console.log(
    `permutation e-values per call, lognormal σ = 0.6, canary +5 %, ${layout.count} log buckets; target share per metric ${TARGET_US_PER_METRIC} µs (1 ms per release at ${METRICS} metrics)`,
  );
  for (const perCohort of sizes) {
    const data = batches(perCohort, 7 + perCohort);
    const bucketing = perCall(rounds, data, (b) => {
      counts.fill(0);
      for (let i = 0; i < b.baselineValues.length; i++) counts[layout.bucketIndex(b.baselineValues[i])]++;
      for (let i = 0; i < b.canaryValues.length; i++) counts[layout.bucketIndex(b.canaryValues[i])]++;
      return counts[300];
    });
    const testScan = perCall(rounds, data, (b) => {
      batchShiftLogEValuesChecked(b.baseline, b.canary, b.baseline.length, TEST_PLAN, 32, out30);
      return out30[0];
    });
    const anchorScan = perCall(rounds, data, (b) => {
      batchShiftLogEValuesChecked(b.compactB, b.compactC, b.occupied, FAMILY_PLAN, 32, out14);
      return out14[0];
    });
    const boundScan = perCall(rounds, data, (b) => {
      binomialBoundLogEValuesChecked(b.compactB, b.compactC, b.occupied, FAMILY_PLAN, 16, out14);
      return out14[0];
    });
    const floor = Math.round((testScan.us + anchorScan.us) * 10) / 10;
    const occupied = Math.round(data.reduce((s, b) => s + b.occupied, 0) / data.length);
    console.log(
      `  ${perCohort} per cohort (${occupied} occupied buckets): the test's exact scan (30 tilts) ${testScan.us} µs + the anchor's (14 tilts) ${anchorScan.us} µs = floor ${floor} µs a metric, ${Math.round((floor * METRICS) / 10) / 100} ms at ${METRICS} (${Math.round((floor / TARGET_US_PER_METRIC) * 10) / 10}× the target's share); besides: a bounded row ${boundScan.us} µs, bucketing the values as they arrive ${bucketing.us} µs`,
    );
    rows.push({
      perCohort,
      occupiedBuckets: occupied,
      bucketingUs: bucketing.us,
      testScanUs: testScan.us,
      anchorScanUs: anchorScan.us,
      boundScanUs: boundScan.us,
      floorUs: floor,
      floorMsAt20: Math.round((floor * METRICS) / 10) / 100,
    });
  }
  return { targetUsPerMetric: TARGET_US_PER_METRIC, rows };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, 'per-cohort': { type: 'string' } } });
  const perCohort = values['per-cohort']?.split(',').map((x) => {
    const n = Number(x);
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`--per-cohort: integers >= 1, got ${JSON.stringify(x)}`);
    return n;
  });
  const figures = await run({ quick: values.quick ?? false, perCohort });
  console.log(JSON.stringify({ evalue: figures }));
}
