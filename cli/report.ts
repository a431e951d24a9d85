import type { AnalysisSpec, IngestCounts, MetricPower, TimelineEntry, Verdict } from '../analyzer/index.ts';

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** "+7m", "+1h05m", "+42s": time since the release started. */
function sinceStart(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h > 0) return `${sign}${h}h${String(m).padStart(2, '0')}m`;
  if (s === 0) return `${sign}${m}m`;
  return m > 0 ? `${sign}${m}m${String(s).padStart(2, '0')}s` : `${sign}${s}s`;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The human summary of an analysis: timeline, verdict, reasons, and one line per metric. */
export function formatReport(input: {
  spec: AnalysisSpec;
  mode: string;
  intervalMs: number;
  verdict: Verdict;
  timeline: TimelineEntry[];
  counts: IngestCounts;
  lines: number;
  warnings: string[];
  /** what each metric could detect by the window's end (omitted: no section) */
  power?: MetricPower[];
}): string {
  const { spec, verdict, timeline, counts } = input;
  const r = spec.release;
  const start = r.startedAt;
  const out: string[] = [];
  out.push(
    `release ${r.id}: ${r.service} ${r.baselineVersion ? `${r.baselineVersion} → ` : ''}${r.version} in ${r.environment}${r.tenant ? ` (tenant ${r.tenant})` : ''}, class ${r.class}, ${r.strategy}`,
  );
  out.push(`judge: ${input.mode}, a look every ${sinceStart(input.intervalMs).slice(1)}, started ${iso(start)}`);
  for (const w of input.warnings) out.push(`warning: ${w}`);
  out.push('', 'timeline:');
  for (const entry of timeline)
    out.push(
      `  ${sinceStart(entry.at - start).padStart(7)}  ${iso(entry.at)}  ${entry.decision.padEnd(14)} score ${entry.score}`,
    );
  out.push(
    '',
    `verdict: ${verdict.decision.toUpperCase()} at ${iso(verdict.at)} (${sinceStart(verdict.at - start)}), score ${verdict.score}`,
  );
  for (const reason of verdict.reasons) out.push(`  - ${reason}`);
  out.push('', 'metrics:');
  const width = Math.max(...verdict.metrics.map((m) => m.metric.length), 6);
  for (const m of verdict.metrics) {
    // CRITICAL: this metric failed critically; critical: declared critical, no critical failure
    const flags = `${(m.criticalFailure ?? m.critical) ? ' CRITICAL' : m.declaredCritical ? ' critical' : ''}${m.assurance ? ` ${m.assurance}` : ''}`;
    out.push(
      `  ${m.metric.padEnd(width)}  ${m.classification.padEnd(9)}${flags}  n=${fmtInt(m.n.baseline)}/${fmtInt(m.n.canary)}  ${m.reason}  [${m.method}]`,
    );
  }
  if (input.power?.some((p) => p.detectable !== undefined)) {
    out.push(
      '',
      'what the whole observation window detects at this traffic (smallest harmful effect caught with even odds):',
    );
    for (const p of input.power) {
      if (p.detectable === undefined || !p.traffic) continue;
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      out.push(
        `  ${p.metric.padEnd(width)}  ${pct(p.detectable).padStart(7)}  tolerance ${pct(p.tolerance)}  ${p.ruledOutReachable ? 'harm can be ruled out' : 'harm can only be "not detected"'}  (${p.traffic.perMinute}/min, ${p.traffic.source})`,
      );
    }
  }
  const dropped: string[] = [];
  if (counts.late) dropped.push(`${fmtInt(counts.late)} late (older than a look already taken)`);
  if (counts.unknownMetric) dropped.push(`${fmtInt(counts.unknownMetric)} for metrics no spec names`);
  if (counts.beforeStart) dropped.push(`${fmtInt(counts.beforeStart)} before the release started`);
  if (counts.afterFinal) dropped.push(`${fmtInt(counts.afterFinal)} after the decision was final`);
  const history = counts.history ? ` (+ ${fmtInt(counts.history)} pre-release samples as baseline history)` : '';
  out.push(
    '',
    `samples: ${fmtInt(input.lines)} line(s) read, ${fmtInt(counts.accepted)} used${history}${dropped.length ? `; not used: ${dropped.join(', ')}` : ''}`,
  );
  return out.join('\n');
}
