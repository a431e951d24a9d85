import { ReleaseEngine, type AnalysisSpec, type Cohort, type MetricSpec } from '../analyzer/index.ts';
import { formatLe } from '../collector/index.ts';
import { lognormal, seeded } from './timing.ts';

/**
 * What Traefik's default request-duration buckets (0.1, 0.3, 1.2, 5 s) cost in power (Collector
 * issue: "say how much in the benchmark"). Seeded lognormal latencies (median 0.35 s, sigma 0.6,
 * ~300 requests/min per cohort); the canary is slower by ×1.10, ×1.25, ×1.5, or not at all (A/A).
 * The same requests are judged three ways by the sequential judge, read every minute (tolerance
 * 0.05, critical, 60-minute window, alpha 0.01):
 *  - raw: every request duration as a `latency` sample;
 *  - coarse: bucketed per minute into Traefik's default buckets (non-cumulative, `labels.le`);
 *  - fine: bucketed into a recommended finer set.
 */
const START = Date.UTC(2026, 10, 27, 10, 0, 0);
const MINUTE = 60_000;
const MINUTES = 60;
const PER_MINUTE = 300;
const SHIFTS = [1, 1.1, 1.25, 1.5];
export const TRAEFIK_DEFAULT_BUCKETS = [0.1, 0.3, 1.2, 5];
export const FINE_BUCKETS = [0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

type Form = 'raw' | 'coarse' | 'fine';
const FORMS: Form[] = ['raw', 'coarse', 'fine'];

function specFor(form: Form): AnalysisSpec {
  const metric: MetricSpec = {
    name: 'request_duration_seconds',
    group: 'ingress',
    kind: 'latency',
    harm: 'increase',
    tolerance: 0.05,
    critical: true,
  };
  if (form !== 'raw')
    Object.assign(metric, { histogram: true, buckets: form === 'coarse' ? TRAEFIK_DEFAULT_BUCKETS : FINE_BUCKETS });
  return {
    release: {
      id: `traefik-${form}`,
      service: 'odoo',
      version: '17.0.6',
      environment: 'production',
      strategy: 'canary',
      class: 'standard',
      startedAt: START,
      canaryWeight: 0.5,
    },
    metrics: [metric],
    policy: { alpha: 0.01, observeMs: MINUTES * MINUTE },
  };
}

interface Outcome {
  decision: string;
  rollbackMinute?: number;
}

/** Poisson-ish request count per minute (normal approximation, ≥ 0). */
function requestsIn(random: () => number): number {
  const z = Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  return Math.max(0, Math.round(PER_MINUTE + Math.sqrt(PER_MINUTE) * z));
}

function oneRun(shift: number, seed: number): Record<Form, Outcome> {
  const random = seeded(seed);
  const engines = Object.fromEntries(
    FORMS.map((f) => [f, new ReleaseEngine(specFor(f), { mode: 'sequential', intervalMs: MINUTE })]),
  ) as Record<Form, ReleaseEngine>;
  const outcomes = {} as Record<Form, Outcome>;
  const note = (form: Form, decisions: { decision: string; at: number }[]): void => {
    for (const v of decisions) {
      if (v.decision === 'rollback' && outcomes[form] === undefined)
        outcomes[form] = { decision: 'rollback', rollbackMinute: (v.at - START) / MINUTE };
    }
  };
  const bucketSets: [Form, number[]][] = [
    ['coarse', TRAEFIK_DEFAULT_BUCKETS],
    ['fine', FINE_BUCKETS],
  ];
  for (let m = 0; m < MINUTES; m++) {
    const minuteStart = START + m * MINUTE;
    for (const form of FORMS) note(form, engines[form].advanceTo(minuteStart));
    for (const cohort of ['baseline', 'canary'] as Cohort[]) {
      const median = cohort === 'canary' ? 0.35 * shift : 0.35;
      const n = requestsIn(random);
      const counts = bucketSets.map(([, edges]) => new Array<number>(edges.length + 1).fill(0));
      for (let i = 0; i < n; i++) {
        const d = lognormal(random, median, 0.6);
        const ts = minuteStart + Math.floor((i / n) * MINUTE);
        engines.raw.ingest({ ts, metric: 'request_duration_seconds', cohort, value: d });
        bucketSets.forEach(([, edges], k) => {
          let b = 0;
          while (b < edges.length && d > edges[b]) b++;
          counts[k][b]++;
        });
      }
      // the scrape at the end of the minute: one non-cumulative count per bucket, `+Inf` last
      bucketSets.forEach(([form, edges], k) => {
        const ts = minuteStart + MINUTE - 1;
        counts[k].forEach((value, b) =>
          engines[form].ingest({
            ts,
            metric: 'request_duration_seconds',
            cohort,
            value,
            labels: { le: formatLe(b < edges.length ? edges[b] : Infinity) },
          }),
        );
      });
    }
  }
  for (const form of FORMS) {
    note(form, engines[form].advanceTo(START + MINUTES * MINUTE));
    const verdict = engines[form].flush();
    note(form, [verdict]);
    if (outcomes[form] === undefined) outcomes[form] = { decision: verdict.decision };
  }
  return outcomes;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const runs = quick ? 20 : 100;
  const t0 = process.hrtime.bigint();
  const figures: Record<string, unknown> = { runs, buckets: { coarse: TRAEFIK_DEFAULT_BUCKETS, fine: FINE_BUCKETS } };
  const rows: string[] = [];
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`.padStart(5);
  for (const shift of SHIFTS) {
    const outcomes: Record<Form, Outcome[]> = { raw: [], coarse: [], fine: [] };
    // common random numbers: run r uses the same seed at every shift
    for (let r = 0; r < runs; r++) {
      const o = oneRun(shift, 1000 + r);
      for (const form of FORMS) outcomes[form].push(o[form]);
    }
    const label = shift === 1 ? 'A/A' : `×${shift.toFixed(2)}`;
    const byForm: Record<string, unknown> = {};
    for (const form of FORMS) {
      const list = outcomes[form];
      const share = (d: string): number => list.filter((o) => o.decision === d).length / list.length;
      const minutes = list.filter((o) => o.rollbackMinute !== undefined).map((o) => o.rollbackMinute as number);
      const entry = {
        rollback: share('rollback'),
        promote: share('promote'),
        inconclusive: share('inconclusive'),
        other: 1 - share('rollback') - share('promote') - share('inconclusive'),
        medianMinutesToRollback: median(minutes),
      };
      byForm[form] = entry;
      const med = entry.medianMinutesToRollback === null ? '    –' : String(entry.medianMinutesToRollback).padStart(5);
      rows.push(
        `${label.padEnd(6)} ${form.padEnd(7)} ${shift === 1 ? '   false rollback' : 'rollback power   '} ${pct(entry.rollback)}   median min ${med}   promote ${pct(entry.promote)}   inconclusive ${pct(entry.inconclusive)}` +
          (entry.other > 0 ? `   other ${pct(entry.other)}` : ''),
      );
    }
    figures[shift === 1 ? 'aa' : `shift${shift}`] = byForm;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(
    `Traefik buckets vs raw durations: ${runs} runs per case, lognormal median 0.35 s, sigma 0.6, ~${PER_MINUTE} req/min per cohort, tolerance 0.05 critical, alpha 0.01, 60 min, a look per minute`,
  );
  console.log(
    `coarse = Traefik default buckets ${JSON.stringify(TRAEFIK_DEFAULT_BUCKETS)}; fine = ${JSON.stringify(FINE_BUCKETS)}`,
  );
  for (const row of rows) console.log(row);
  const aa = figures.aa as Record<Form, { promote: number; inconclusive: number }>;
  console.log(
    'note: bucketed input only bounds the quantile between bucket edges, so harm within the 5% tolerance is never ruled out, ' +
      "only not detected: an A/A release is promoted at the window's end rather than early, and a class that requires " +
      `ruled-out leaves it inconclusive (A/A inconclusive: raw ${pct(aa.raw.inconclusive).trim()}, coarse ${pct(aa.coarse.inconclusive).trim()}, fine ${pct(aa.fine.inconclusive).trim()}). ` +
      'Every input fails on the same rule: anytime-valid evidence of a shift plus a point estimate beyond the tolerance.',
  );
  console.log(`(${seconds.toFixed(1)} s)`);
  figures.seconds = Number(seconds.toFixed(1));
  return figures;
}
