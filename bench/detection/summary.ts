/**
 * Turns the runner's raw outcomes into the benchmark's figures and its human table.
 *
 * "Median minutes to detection" counts a run without detection as never detected (∞) and takes
 * the ⌈n/2⌉-th smallest time: the moment by which half the runs had been rolled back. That is
 * the same quantity as the information limit (the horizon at which the oracle rejects in half the
 * runs), so the two can be divided; a median over detected runs only would flatter a judge that
 * rarely detects. When fewer than half the runs were rolled back it is `null` (shown "—").
 */
import type { CaseResult } from './runner.ts';

export interface CaseFigures {
  kind: string;
  onsetMinutes: number;
  runs: number;
  /** share of runs rolled back at or after the onset, within the window */
  power: number;
  medianMinutes: number | null;
  /** rolled back before the onset (false alarms inside a regression run) */
  early: number;
  promotedFirst: number;
  /** oracle's median horizon; null when it rejected in fewer than half the runs within the window */
  limitMinutes: number | null;
  /** medianMinutes / limitMinutes */
  ratio: number | null;
}

export interface JudgeFigures {
  falseAlarm: { runs: number; rollbacks: number; rate: number; low95: number; high95: number; promotedFirst: number };
  cases: CaseFigures[];
}

export interface Figures {
  judges: Record<string, JudgeFigures>;
  limits: { kind: string; onsetMinutes: number; oracleRuns: number; limitMinutes: number | null; rejectRateByHorizon: number[] }[];
}

/** ⌈n/2⌉-th smallest, nulls counted as ∞; null when that is ∞ or there are no runs. */
export function halfwayTime(detections: readonly (number | null)[]): number | null {
  if (detections.length === 0) return null;
  const sorted = detections.map((d) => d ?? Infinity).sort((a, b) => a - b);
  const t = sorted[Math.ceil(sorted.length / 2) - 1];
  return Number.isFinite(t) ? t : null;
}

/** First horizon (minutes) at which at least half the oracle runs rejected. */
export function informationLimit(rejects: readonly number[], runs: number): number | null {
  if (runs <= 0) return null;
  const h = rejects.findIndex((r) => r >= runs / 2);
  return h < 0 ? null : h + 1;
}

/** Wilson score interval (Wilson 1927) at 95%: honest for the handful of false alarms expected. */
export function wilson(successes: number, n: number, z = 1.959964): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = ((z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n)));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export function summarize(results: readonly CaseResult[], judgeNames: readonly string[]): Figures {
  const aa = results.filter((r) => r.bench.kind === 'none');
  const regressions = results.filter((r) => r.bench.kind !== 'none');
  const limits = regressions.map((r) => ({
    kind: r.bench.kind,
    onsetMinutes: r.bench.onsetMinutes,
    oracleRuns: r.bench.oracleRuns,
    limitMinutes: informationLimit(r.oracleRejects, r.bench.oracleRuns),
    rejectRateByHorizon: r.oracleRejects.map((x) => x / r.bench.oracleRuns),
  }));
  const judges: Record<string, JudgeFigures> = {};
  for (const name of judgeNames) {
    const runs = aa.reduce((n, r) => n + r.judges[name].detections.length, 0);
    const rollbacks = aa.reduce((n, r) => n + r.judges[name].detections.filter((d) => d !== null).length, 0);
    const { low, high } = wilson(rollbacks, runs);
    judges[name] = {
      falseAlarm: {
        runs, rollbacks, rate: runs ? rollbacks / runs : 0, low95: low, high95: high,
        promotedFirst: aa.reduce((n, r) => n + r.judges[name].promotedFirst, 0),
      },
      cases: regressions.map((r, i) => {
        const j = r.judges[name];
        const median = halfwayTime(j.detections);
        const limit = limits[i].limitMinutes;
        return {
          kind: r.bench.kind,
          onsetMinutes: r.bench.onsetMinutes,
          runs: j.detections.length,
          power: j.detections.length ? j.detections.filter((d) => d !== null).length / j.detections.length : 0,
          medianMinutes: median,
          early: j.early,
          promotedFirst: j.promotedFirst,
          limitMinutes: limit,
          ratio: median !== null && limit !== null ? median / limit : null,
        };
      }),
    };
  }
  return { judges, limits };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const num = (x: number | null, digits = 0): string => (x === null ? '—' : x.toFixed(digits));

/** The human table: false alarms first, then per regression the limit beside each judge. */
export function formatTable(figures: Figures): string {
  const names = Object.keys(figures.judges);
  const lines: string[] = [];
  lines.push('False alarms on A/A (a rollback at any look; 95% Wilson interval):');
  for (const name of names) {
    const f = figures.judges[name].falseAlarm;
    lines.push(`  ${name.padEnd(12)} ${String(f.rollbacks).padStart(4)}/${f.runs}  ${pct(f.rate).padStart(6)}  [${pct(f.low95)}, ${pct(f.high95)}]`
      + (f.promotedFirst ? `  (${f.promotedFirst} after a promotion)` : ''));
  }
  lines.push('');
  lines.push('Detection (power = rolled back within the window; median = minutes from onset by which half the runs were rolled back;');
  lines.push('limit = oracle one-look horizon rejecting in half the runs; early = rolled back before the onset):');
  const head = ['regression'.padEnd(24), 'onset', 'limit'];
  for (const name of names) head.push(`| ${name}: power`, 'median', '×limit', 'early');
  const rows = [head];
  figures.limits.forEach((l, i) => {
    const row = [l.kind.padEnd(24), String(l.onsetMinutes), num(l.limitMinutes)];
    for (const name of names) {
      const c = figures.judges[name].cases[i];
      row.push(`| ${' '.repeat(Math.max(0, name.length + 2))}${pct(c.power)}`, num(c.medianMinutes), num(c.ratio, 2), String(c.early));
    }
    rows.push(row);
  });
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  for (const r of rows) lines.push('  ' + r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k]))).join('  '));
  return lines.join('\n');
}
