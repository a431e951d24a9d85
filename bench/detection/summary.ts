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

/** How one judge did on one case, for one kind of decision. */
export interface DetectionFigures {
  /** share of runs with the decision at or after the onset, within the window */
  power: number;
  medianMinutes: number | null;
  /** medianMinutes / the information limit */
  ratio: number | null;
  /** runs with the decision before the onset (false alarms inside a regression run) */
  early: number;
}

export interface CaseFigures {
  kind: string;
  onsetMinutes: number;
  runs: number;
  /** oracle's median horizon; null when it rejected in fewer than half the runs within the window */
  limitMinutes: number | null;
  /** the first rollback: the benchmark's detection */
  rollback: DetectionFigures;
  /** the first reduce-traffic or rollback: when the judge first acted on harm */
  action: DetectionFigures;
  /** runs whose first rollback came after a promotion */
  promotedFirst: number;
  /** runs promoted by the window's end: the regression was missed */
  promoted: number;
}

export interface FalseAlarmFigures {
  runs: number;
  /** runs with the decision at any look, its rate and 95% Wilson interval */
  count: number;
  rate: number;
  low95: number;
  high95: number;
}

/** What happened to the healthy (A/A) releases by the window's end. */
export interface HealthyFigures {
  runs: number;
  promoted: number;
  /** share promoted, with its 95% Wilson interval */
  rate: number;
  low95: number;
  inconclusive: number;
}

export interface JudgeFigures {
  /** A/A runs promoted, inconclusive */
  healthy: HealthyFigures;
  /** A/A runs rolled back */
  falseAlarm: FalseAlarmFigures;
  /** A/A runs with a reduce-traffic or a rollback */
  falseAction: FalseAlarmFigures;
  cases: CaseFigures[];
}

export interface Figures {
  judges: Record<string, JudgeFigures>;
  limits: {
    kind: string;
    onsetMinutes: number;
    oracleRuns: number;
    limitMinutes: number | null;
    rejectRateByHorizon: number[];
  }[];
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
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

function falseAlarms(detections: readonly (number | null)[]): FalseAlarmFigures {
  const count = detections.filter((d) => d !== null).length;
  const { low, high } = wilson(count, detections.length);
  return {
    runs: detections.length,
    count,
    rate: detections.length ? count / detections.length : 0,
    low95: low,
    high95: high,
  };
}

function detection(detections: readonly (number | null)[], early: number, limit: number | null): DetectionFigures {
  const median = halfwayTime(detections);
  return {
    power: detections.length ? detections.filter((d) => d !== null).length / detections.length : 0,
    medianMinutes: median,
    ratio: median !== null && limit !== null ? median / limit : null,
    early,
  };
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
    const promoted = aa.reduce((n, r) => n + r.judges[name].promoted, 0);
    judges[name] = {
      healthy: {
        runs,
        promoted,
        rate: runs ? promoted / runs : 0,
        low95: wilson(promoted, runs).low,
        inconclusive: aa.reduce((n, r) => n + r.judges[name].inconclusive, 0),
      },
      falseAlarm: falseAlarms(aa.flatMap((r) => r.judges[name].detections)),
      falseAction: falseAlarms(aa.flatMap((r) => r.judges[name].actions)),
      cases: regressions.map((r, i) => {
        const j = r.judges[name];
        const limit = limits[i].limitMinutes;
        return {
          kind: r.bench.kind,
          onsetMinutes: r.bench.onsetMinutes,
          runs: j.detections.length,
          limitMinutes: limit,
          rollback: detection(j.detections, j.early, limit),
          action: detection(j.actions, j.earlyActions, limit),
          promotedFirst: j.promotedFirst,
          promoted: j.promoted,
        };
      }),
    };
  }
  return { judges, limits };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const num = (x: number | null, digits = 0): string => (x === null ? '—' : x.toFixed(digits));

/** Right-aligned columns (the first left-aligned), two spaces apart. */
function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
  return rows.map(
    (r) =>
      '  ' +
      r
        .map((cell, k) => (k === 0 ? cell.padEnd(widths[k]) : cell.padStart(widths[k])))
        .join('  ')
        .trimEnd(),
  );
}

function detectionTable(figures: Figures, pick: (c: CaseFigures) => DetectionFigures): string[] {
  const names = Object.keys(figures.judges);
  const head = ['regression', 'onset', 'limit'];
  for (const name of names) head.push('|', `${name} power`, 'median', '×limit', 'early');
  const rows = [head];
  figures.limits.forEach((l, i) => {
    const row = [l.kind, `${l.onsetMinutes}`, num(l.limitMinutes)];
    for (const name of names) {
      const d = pick(figures.judges[name].cases[i]);
      row.push('|', pct(d.power), num(d.medianMinutes), num(d.ratio, 2), `${d.early}`);
    }
    rows.push(row);
  });
  return columns(rows);
}

/** The human table: false alarms first, then per regression the information limit beside each judge. */
export function formatTable(figures: Figures): string {
  const names = Object.keys(figures.judges);
  const alarm = (f: FalseAlarmFigures): string[] => [
    `${f.count}/${f.runs}`,
    pct(f.rate),
    `[${pct(f.low95)}, ${pct(f.high95)}]`,
  ];
  return [
    "Healthy (A/A) releases at the window's end:",
    ...columns([
      ['judge', 'promoted', 'rate', '95% low', 'inconclusive'],
      ...names.map((n) => {
        const h = figures.judges[n].healthy;
        return [n, `${h.promoted}/${h.runs}`, pct(h.rate), pct(h.low95), `${h.inconclusive}`];
      }),
    ]),
    '',
    'False alarms on A/A at any look (95% Wilson interval):',
    ...columns([
      ['judge', 'rollback', 'rate', 'interval', '|', 'reduce-traffic or rollback', 'rate', 'interval'],
      ...names.map((n) => [n, ...alarm(figures.judges[n].falseAlarm), '|', ...alarm(figures.judges[n].falseAction)]),
    ]),
    '',
    'Detection = first rollback. power: share of runs rolled back within the window; median: minutes from the onset by which',
    'half the runs were rolled back (— if fewer); limit: horizon at which the one-look oracle rejects in half the runs;',
    'early: runs rolled back before the onset.',
    ...detectionTable(figures, (c) => c.rollback),
    '',
    'First action = first reduce-traffic or rollback, same columns:',
    ...detectionTable(figures, (c) => c.action),
  ].join('\n');
}
