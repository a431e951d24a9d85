/**
 * One release's page (`GET /releases/{id}` on the gate): why it was promoted or rolled back. The
 * outcome in a sentence, the effects of the deciding look with their intervals against each
 * metric's tolerance, the evidence and reasons, the decision timeline as a chart, the actions sent
 * and how they ended, time to restore and the business impact avoided. Linked from every row of
 * the scorecard and of the index. No script; every text from data is escaped.
 */
import type { MetricSpec, Verdict } from '../../analyzer/index.ts';
import type { ActionRecord, AuditEntry } from '../../store/index.ts';
import { effectsSvg, responsiveChart, timelineSvg, type TimelineMark } from './charts.ts';
import { releaseOutcome } from './compute.ts';
import { escapeHtml, formatCount, formatDate, formatMinutes } from './format.ts';
import { recordedOnset } from './load.ts';
import { decisionBadge, pageDocument } from './style.ts';
import type { ReleaseOutcome, ScorecardReleaseRecord } from './types.ts';

export interface ReleasePageData {
  record: ScorecardReleaseRecord;
  verdicts: Verdict[];
  actions: ActionRecord[];
  audit: AuditEntry[];
}

const pct = (v: number): string =>
  Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%` : v > 0 ? '+∞' : '−∞';
const minuteOf = (t: number, start: number): string => `minute ${Math.round((t - start) / 60_000)}`;

/** The harmful side of a metric's tolerance as a signed fraction (undefined for "either"). */
function signedTolerance(spec: MetricSpec | undefined): number | undefined {
  if (!spec || spec.tolerance === undefined) return undefined;
  if (spec.harm === 'increase') return spec.tolerance;
  if (spec.harm === 'decrease') return -spec.tolerance;
  return undefined;
}

/** The look the outcome rests on: the first stopping verdict, else the promotion, else the latest. */
export function decidingVerdict(verdicts: readonly Verdict[]): Verdict | undefined {
  const sorted = [...verdicts].sort((a, b) => a.at - b.at);
  return (
    sorted.find((v) => v.decision === 'rollback' || v.decision === 'reduce-traffic') ??
    sorted.find((v) => v.decision === 'promote') ??
    sorted.at(-1)
  );
}

function outcomeSentence(
  o: ReleaseOutcome,
  start: number,
  deciding: Verdict | undefined,
  onsetRecorded: boolean,
): string {
  const parts: string[] = [];
  if (!deciding) return 'No look has been taken yet.';
  const when = minuteOf(deciding.at, start);
  if (o.rolledBack || o.failed) {
    parts.push(`${o.rolledBack ? 'Rolled back' : 'Traffic reduced'} at ${when} of the release`);
    if (o.timeToVerdictMs !== undefined)
      parts.push(
        `, ${formatMinutes(o.timeToVerdictMs)} after ${!onsetRecorded ? 'its start (no onset recorded)' : o.onsetAt === start ? 'the recorded onset of the regression (with the release)' : 'the recorded onset of the regression'}`,
      );
    parts.push(
      o.restoredAt !== undefined
        ? `; service restored ${formatMinutes(o.timeToRestoreMs)} after the verdict.`
        : '; no restoring action is recorded as succeeded.',
    );
  } else if (deciding.decision === 'promote') {
    parts.push(`Promoted at ${when}: every metric within its tolerance.`);
    if (o.leadTimeMs !== undefined) parts.push(` Lead time from commit: ${formatMinutes(o.leadTimeMs)}.`);
  } else parts.push(`Latest decision ${deciding.decision} at ${when}.`);
  return parts.join('');
}

function effectsTable(v: Verdict, specs: Map<string, MetricSpec>): string {
  const rows = v.metrics
    .map((m) => {
      const tol = signedTolerance(specs.get(m.metric));
      const beyond =
        tol === undefined
          ? '—'
          : tol >= 0
            ? m.effect.low > tol
              ? 'whole interval beyond'
              : m.effect.high < tol
                ? 'whole interval within'
                : 'straddles'
            : m.effect.high < tol
              ? 'whole interval beyond'
              : m.effect.low > tol
                ? 'whole interval within'
                : 'straddles';
      // declared criticality (the spec) and the fact of a critical failure (this look) are two things
      const declared = m.declaredCritical ?? specs.get(m.metric)?.critical === true;
      const failedCritically = m.criticalFailure ?? m.critical === true;
      return `<tr><td>${escapeHtml(m.metric)}${declared ? ' <span class="tag">(declared critical)</span>' : ''}</td><td>${escapeHtml(m.classification)}${failedCritically ? ' <strong>— critical failure</strong>' : ''}</td><td>${pct(m.effect.relative)}</td><td>[${pct(m.effect.low)}, ${pct(m.effect.high)}]</td><td>${tol === undefined ? '—' : pct(tol)}</td><td>${escapeHtml(beyond)}</td><td>${escapeHtml(m.evidence.toPrecision(3))}</td><td>${escapeHtml(m.method)}</td><td>${formatCount(m.n.baseline)} / ${formatCount(m.n.canary)}</td></tr>`;
    })
    .join('');
  return `<div class="scroll" tabindex="0" role="region" aria-label="effects (table)"><table class="list"><thead><tr><th>Metric</th><th>Result</th><th>Effect</th><th>Interval</th><th>Tolerance (harmful side)</th><th>Interval vs tolerance</th><th>Evidence</th><th>Method</th><th>n baseline / canary</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function actionsTable(actions: readonly ActionRecord[], start: number): string {
  if (actions.length === 0) return '<p class="sub">No action was sent for this release.</p>';
  const rows = [...actions]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.kind)}</td><td>${decisionBadge(a.decision)}</td><td>${escapeHtml(a.target)}</td><td class="${a.state === 'failed' ? 'bad' : ''}">${escapeHtml(a.state)}</td><td class="n">${a.attempts}</td><td>${escapeHtml(minuteOf(a.createdAt, start))}</td><td>${escapeHtml(minuteOf(a.updatedAt, start))}</td><td>${escapeHtml(a.lastError ?? '')}</td></tr>`,
    )
    .join('');
  return `<div class="scroll" tabindex="0" role="region" aria-label="actions and outcomes"><table class="list"><thead><tr><th>Action</th><th>For decision</th><th>Target</th><th>Outcome</th><th class="n">Attempts</th><th>Sent</th><th>Last update</th><th>Last error</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function renderReleasePage(data: ReleasePageData): string {
  const { record, verdicts, actions, audit } = data;
  const r = record.release;
  const onsetAt = record.onsetAt ?? recordedOnset(audit);
  const full: ScorecardReleaseRecord = onsetAt === undefined ? record : { ...record, onsetAt };
  const warnings: string[] = [];
  const o = releaseOutcome(full, verdicts, actions, audit, warnings);
  const deciding = decidingVerdict(verdicts);
  const specs = new Map<string, MetricSpec>(record.spec.metrics.map((m) => [m.name, m]));
  const marks: TimelineMark[] = [];
  if (onsetAt !== undefined) marks.push({ at: onsetAt, label: 'regression onset' });
  if (o.restoredAt !== undefined) marks.push({ at: o.restoredAt, label: 'restored' });
  const facts: [string, string][] = [
    ['Service', r.service],
    ['Version', `${r.version}${r.baselineVersion ? ` (baseline ${r.baselineVersion})` : ''}`],
    ['Environment', r.environment],
    ['Tenants', r.tenant ?? '—'],
    ['Tenant tier', r.tenantTier ?? '—'],
    ['Release class', r.class],
    [
      'Strategy',
      `${r.strategy}${r.canaryWeight !== undefined ? `, canary at ${Math.round(r.canaryWeight * 100)}%` : ''}`,
    ],
    ['Started', formatDate(r.startedAt)],
    ['Committed', r.commitAt === undefined ? '—' : formatDate(r.commitAt)],
    ['Status', record.supersededBy ? `superseded by ${record.supersededBy}` : record.status],
  ];
  const effectRows = (deciding?.metrics ?? []).map((m) => ({
    metric: m.metric,
    relative: m.effect.relative,
    low: m.effect.low,
    high: m.effect.high,
    tolerance: signedTolerance(specs.get(m.metric)),
    classification: m.classification,
  }));
  const effects =
    deciding && deciding.metrics.length
      ? `<div class="chart-wrap" tabindex="0" role="region" aria-label="effects (chart)">${responsiveChart((layout) => effectsSvg(effectRows, layout))}</div>${effectsTable(deciding, specs)}`
      : '<p class="sub">No metric has been judged yet.</p>';
  const body = `<h1>${escapeHtml(r.id)} ${decisionBadge(o.decision)}</h1>
<p class="lead" data-figure="release.outcome">${escapeHtml(outcomeSentence(o, r.startedAt, deciding, onsetAt !== undefined))}</p>
<section class="tiles" aria-label="Outcome figures">
<div class="tile"><div class="label">Onset → verdict</div><div class="value" data-figure="release.timeToVerdictMs">${escapeHtml(formatMinutes(o.timeToVerdictMs))}</div></div>
<div class="tile"><div class="label">Time to restore</div><div class="value" data-figure="release.timeToRestoreMs">${escapeHtml(formatMinutes(o.timeToRestoreMs))}</div></div>
<div class="tile"><div class="label">Orders protected (lower bound)</div><div class="value" data-figure="release.ordersProtected">${escapeHtml(formatCount(o.ordersProtected))}</div><div class="note">counted only from order metrics proven lower at the stop</div></div>
<div class="tile"><div class="label">Checkout minutes protected</div><div class="value" data-figure="release.checkoutMinutesProtected">${o.checkoutMinutesProtected.toFixed(1)}</div><div class="note">canary share × rest of the window</div></div>
</section>
<h2>Effects ${deciding ? `at the deciding look (${escapeHtml(minuteOf(deciding.at, r.startedAt))})` : ''}</h2>
${effects}
<h2>Evidence and reasons</h2>
${deciding ? `<ul class="reasons">${deciding.reasons.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>` : '<p class="sub">None yet.</p>'}
<h2>Decision timeline</h2>
<div class="chart-wrap" tabindex="0" role="region" aria-label="decision timeline (chart)"><figure><figcaption>Score of every look (line) and its decision (strip), minutes from the start</figcaption>${responsiveChart((layout) => timelineSvg(verdicts, r.startedAt, marks, layout))}</figure></div>
<h2>Actions and outcomes</h2>
${actionsTable(actions, r.startedAt)}
<h2>Release</h2>
<div class="scroll" tabindex="0" role="region" aria-label="release facts"><table class="list"><tbody>${facts.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table></div>
${warnings.length ? `<section class="warnings"><ul>${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></section>` : ''}
<p class="sub">Machine-readable: <a href="../api/v1/releases/${escapeHtml(encodeURIComponent(r.id))}">release</a> · <a href="../api/v1/releases/${escapeHtml(encodeURIComponent(r.id))}/verdict">latest verdict</a></p>`;
  return pageDocument(`${r.id} — release-health`, body, '../');
}

export interface IndexRow {
  id: string;
  service: string;
  environment: string;
  tenantTier?: string;
  startedAt: number;
  decision?: string;
  score?: number;
  /** minutes from the start at the latest look */
  minute?: number;
  reason?: string;
}

/** `/`: the active releases with their live verdicts, the latest finished ones, and where to go next. */
export function renderIndexPage(data: { active: IndexRow[]; recent: IndexRow[]; now: number }): string {
  const table = (rows: IndexRow[], empty: string, name: string): string =>
    rows.length === 0
      ? `<p class="sub">${escapeHtml(empty)}</p>`
      : `<div class="scroll" tabindex="0" role="region" aria-label="${escapeHtml(name)}"><table class="list"><thead><tr><th>Release</th><th>Decision</th><th>At</th><th class="n">Score</th><th>Service</th><th>Environment</th><th>Tier</th><th>Why</th></tr></thead><tbody>${rows
          .map(
            (r) =>
              `<tr><td><a href="releases/${escapeHtml(encodeURIComponent(r.id))}">${escapeHtml(r.id)}</a></td><td>${decisionBadge(r.decision)}</td><td>${r.minute === undefined ? '—' : `minute ${r.minute}`}</td><td class="n">${r.score === undefined ? '—' : Math.round(r.score)}</td><td>${escapeHtml(r.service)}</td><td>${escapeHtml(r.environment)}</td><td>${escapeHtml(r.tenantTier ?? '—')}</td><td>${escapeHtml(r.reason ?? '')}</td></tr>`,
          )
          .join('')}</tbody></table></div>`;
  const body = `<h1>Releases</h1>
<p class="period">as of ${escapeHtml(formatDate(data.now))} (UTC)</p>
<h2>Active: live verdicts</h2>
${table(data.active, 'No release is under analysis now.', 'active releases')}
<h2>Recently finished</h2>
${table(data.recent, 'No finished release yet.', 'recently finished releases')}
<h2>More</h2>
<ul><li><a href="scorecards">Scorecard</a>: DORA's four keys and their weekly trend, by environment, service, tenant tier and release class.</li>
<li><a href="openapi.json">The API</a> rollout controllers call (Argo Rollouts' web metric, Flagger's webhooks).</li>
<li><a href="metrics">Prometheus metrics</a> of the gate.</li></ul>`;
  return pageDocument('release-health', body);
}
