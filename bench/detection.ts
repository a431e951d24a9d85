/**
 * Detection benchmark (`npm run bench -- detection`): how often each judge raises a false alarm
 * on A/A releases, how often and how fast it catches each kind of regression, and how close it
 * comes to the information limit — what an oracle that knows the onset and the direction could do
 * with one look at the raw data. The judges are in `detection/judges.ts`: the sequential judge
 * read every minute on raw samples, and Kayenta's fixed-horizon analysis read every 10 minutes on
 * per-minute means — repeated reading is how it is used in practice and not what it is built for;
 * its false-alarm rate is part of the comparison.
 *
 * Scenarios run in worker processes (one per core, up to four); the figures do not depend on it.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OPTIONS, REGRESSION_KINDS, SCENARIO_METRICS, SMALL_TENANT } from '../simulator/index.ts';
import { runCases } from './detection/pool.ts';
import type { BenchCase, Tenant } from './detection/runner.ts';
import { formatTable, summarize } from './detection/summary.ts';

const ONSETS = [0, 10] as const;
const JUDGE_NAMES = ['sequential', 'fixed'] as const;
const JUDGES_MODULE = fileURLToPath(new URL('./detection/judges.ts', import.meta.url));

/** Run counts: the full run keeps the A/A false-alarm interval tight enough to tell 1% from 3%. */
const SIZES = {
  full: { aa: 500, regression: 100, oracle: 200 },
  quick: { aa: 60, regression: 20, oracle: 20 },
} as const;

const TENANTS: readonly Tenant[] = ['mid-size', 'small'];

export function benchCases(quick: boolean): BenchCase[] {
  const size = quick ? SIZES.quick : SIZES.full;
  return TENANTS.flatMap((tenant) => [
    { tenant, kind: 'none' as const, onsetMinutes: 0, runs: size.aa, oracleRuns: 0 },
    ...REGRESSION_KINDS.flatMap((kind) =>
      ONSETS.map((onsetMinutes) => ({ tenant, kind, onsetMinutes, runs: size.regression, oracleRuns: size.oracle })),
    ),
  ]);
}

/** Progress on stderr, at most every two seconds, with a rough time left from the pace so far. */
function progress(cases: readonly BenchCase[]): (bench: BenchCase, done: number, total: number) => void {
  const weight = (c: BenchCase): number => c.runs + 0.1 * Math.max(0, c.oracleRuns - c.runs); // oracle-only runs are cheap
  const all = cases.reduce((n, c) => n + weight(c), 0);
  const fractions = new Map<BenchCase, number>();
  const started = Date.now();
  let last = 0;
  return (bench, done, total) => {
    fractions.set(bench, done / total);
    const now = Date.now();
    if (now - last < 2000) return;
    last = now;
    let fraction = 0;
    for (const [c, f] of fractions) fraction += (weight(c) * f) / all;
    const elapsed = (now - started) / 1000;
    const eta = fraction > 0 ? elapsed / fraction - elapsed : NaN;
    process.stderr.write(
      `[detection] ${bench.kind} onset ${bench.onsetMinutes}m: ${done}/${total}` +
        `  ${(100 * fraction).toFixed(0)}%  ${elapsed.toFixed(0)}s elapsed, ~${Number.isFinite(eta) ? eta.toFixed(0) : '?'}s left\n`,
    );
  };
}

export async function run(options: { quick: boolean }): Promise<Record<string, unknown>> {
  if (typeof options.quick !== 'boolean') throw new TypeError('detection: options.quick must be a boolean');
  const started = Date.now();
  const cases = benchCases(options.quick);
  const workers = Math.max(1, Math.min(4, availableParallelism()));
  const results = await runCases(cases, { workers, judgesModule: JUDGES_MODULE, onProgress: progress(cases) });
  const figures = Object.fromEntries(
    TENANTS.map((tenant) => [
      tenant,
      summarize(
        results.filter((r) => r.bench.tenant === tenant),
        JUDGE_NAMES,
      ),
    ]),
  );
  console.log(
    `\nDetection benchmark (${options.quick ? 'quick' : 'full'}): ${DEFAULT_OPTIONS.durationMinutes}-minute canary releases, release alpha ${DEFAULT_OPTIONS.alpha}`,
  );
  console.log(
    `\n== mid-size shop: ${DEFAULT_OPTIONS.checkoutPerMinute} checkouts/min, canary share drawn from 10–50%, ${SCENARIO_METRICS.length} critical metrics\n`,
  );
  console.log(formatTable(figures['mid-size']));
  const small = SMALL_TENANT.options;
  console.log(
    `\n== small tenant: ${small.checkoutPerMinute} checkouts/min at a 50/50 split, ${(small.errorRatio ?? 0) * 100}% errors, ` +
      `conversion ${(small.conversion ?? 0) * 100}%; ${SMALL_TENANT.metrics.filter((m) => m.critical).length} critical and ` +
      `${SMALL_TENANT.metrics.filter((m) => !m.critical).length} non-critical metrics\n`,
  );
  console.log(formatTable(figures.small));
  const elapsedMs = Date.now() - started;
  console.log(`\n(${(elapsedMs / 1000).toFixed(0)} s on ${workers} worker process(es))`);
  return {
    benchmark: 'detection',
    mode: options.quick ? 'quick' : 'full',
    runs: options.quick ? SIZES.quick : SIZES.full,
    generator: {
      ...DEFAULT_OPTIONS,
      canaryShare: 'uniform(0.1, 0.5) per seed',
      onsetsMinutes: ONSETS,
      smallTenant: SMALL_TENANT,
    },
    tenants: Object.fromEntries(
      Object.entries(figures).map(([tenant, f]) => [
        tenant,
        {
          judges: f.judges,
          limits: f.limits.map((l) => ({
            ...l,
            rejectRateByHorizon: l.rejectRateByHorizon.map((x) => Math.round(x * 1000) / 1000),
          })),
        },
      ]),
    ),
    workers,
    elapsedMs,
  };
}
