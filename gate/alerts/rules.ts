/**
 * Prometheus alerting rules generated from the release specs, so alerting follows the same specs as judging.
 *
 * The gate exports `release_health_verdict{release_id,service,environment,decision}` = 1 for
 * each release's current decision (gate/metrics.ts). Per release class, one rule group; in it,
 * for every (service, environment, tenant tier) the specs name:
 *  - `ReleaseHealthRollback` / `ReleaseHealthReduceTraffic`: the decision is that, now (no `for`:
 *    the gate's sequential test already waited for enough evidence, a second wait only delays);
 *  - `ReleaseHealthInconclusive`: inconclusive for longer than the class allows — a release
 *    nobody can decide about is a human's job.
 * Alerts carry the routing labels teams use in Alertmanager (service, environment, tenant_tier,
 * release_class, severity) and link to the verdict and the Grafana release dashboard.
 *
 * The gauge has no tenant-tier or class label, so two specs with the same service and
 * environment but different tiers would alert twice for one release; they are rejected.
 */
import { parse, stringify } from 'yaml';
import type { Release } from '../../analyzer/index.ts';

export type Severity = 'critical' | 'warning' | 'info';

export interface AlertRuleOptions {
  /** base URL of the gate as people reach it, e.g. https://release-health.example.com */
  gateUrl: string;
  /** base URL of Grafana; without it no dashboard link is added */
  grafanaUrl?: string;
  /** uid of the release dashboard (dashboards room: `<uidPrefix>-release-health`), default rh-release-health */
  dashboardUid?: string;
  /** how long a release may stay inconclusive before it alerts, per class (Prometheus duration), over DEFAULT_INCONCLUSIVE_FOR */
  inconclusiveFor?: Record<string, string>;
  /** for classes not in `inconclusiveFor` (default 30m) */
  defaultInconclusiveFor?: string;
  /** severity per decision (defaults: rollback critical, reduce-traffic warning, inconclusive info) */
  severity?: Partial<Record<'rollback' | 'reduce-traffic' | 'inconclusive', Severity>>;
  /** the gate's verdict gauge (default release_health_verdict) */
  metric?: string;
}

export class AlertRuleOptionsError extends Error {
  override readonly name = 'AlertRuleOptionsError';
}

/** The classes whose releases are riskiest get a shorter patience by default. */
export const DEFAULT_INCONCLUSIVE_FOR: Readonly<Record<string, string>> = {
  'emergency-fix': '10m',
  'schema-change': '15m',
  'peak-season-restricted': '15m',
  standard: '30m',
  'infra-patch': '60m',
};

const OPTION_KEYS = new Set([
  'gateUrl',
  'grafanaUrl',
  'dashboardUid',
  'inconclusiveFor',
  'defaultInconclusiveFor',
  'severity',
  'metric',
]);
const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

type SpecLike = { release: Pick<Release, 'service' | 'environment' | 'tenantTier' | 'class'> };

function checkUrl(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new AlertRuleOptionsError(`${name} must be a URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AlertRuleOptionsError(`${name} is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AlertRuleOptionsError(`${name} must be http(s): ${value}`);
  if (url.username || url.password) throw new AlertRuleOptionsError(`${name} must not carry credentials`);
  return value.replace(/\/+$/, '');
}

function checkOptions(options: AlertRuleOptions): void {
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.has(key)) throw new AlertRuleOptionsError(`unknown option "${key}"`);
  checkUrl('gateUrl', options.gateUrl);
  if (options.grafanaUrl !== undefined) checkUrl('grafanaUrl', options.grafanaUrl);
  for (const [cls, d] of Object.entries({
    ...options.inconclusiveFor,
    default: options.defaultInconclusiveFor ?? '30m',
  })) {
    if (!DURATION.test(d))
      throw new AlertRuleOptionsError(`inconclusiveFor.${cls}: "${d}" is not a Prometheus duration`);
  }
  for (const [decision, s] of Object.entries(options.severity ?? {})) {
    if (!['rollback', 'reduce-traffic', 'inconclusive'].includes(decision))
      throw new AlertRuleOptionsError(`severity: unknown decision "${decision}"`);
    if (!SEVERITIES.includes(s))
      throw new AlertRuleOptionsError(`severity.${decision}: one of ${SEVERITIES.join(', ')}`);
  }
  if (options.metric !== undefined && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(options.metric))
    throw new AlertRuleOptionsError(`metric: not a metric name`);
}

/** A PromQL string literal (double-quoted, backslash and quote escaped). */
const promString = (s: string): string => JSON.stringify(s);

interface Target {
  service: string;
  environment: string;
  tenantTier: string;
  releaseClass: string;
}

/** The targets of the specs, grouped by class, duplicates removed, ambiguous tiers rejected. */
function targetsByClass(specs: readonly SpecLike[]): Map<string, Target[]> {
  const seen = new Map<string, Target>();
  for (const { release } of specs) {
    const t: Target = {
      service: release.service,
      environment: release.environment,
      tenantTier: release.tenantTier ?? 'all',
      releaseClass: release.class,
    };
    const key = `${t.service}\u0000${t.environment}`;
    const other = seen.get(key);
    if (other && (other.tenantTier !== t.tenantTier || other.releaseClass !== t.releaseClass)) {
      throw new AlertRuleOptionsError(
        `service ${t.service} in ${t.environment} appears with tenant tier/class ${other.tenantTier}/${other.releaseClass} and ${t.tenantTier}/${t.releaseClass}: the verdict gauge cannot tell them apart`,
      );
    }
    seen.set(key, t);
  }
  const out = new Map<string, Target[]>();
  for (const t of [...seen.values()].sort(
    (a, b) => a.service.localeCompare(b.service) || a.environment.localeCompare(b.environment),
  )) {
    out.set(t.releaseClass, [...(out.get(t.releaseClass) ?? []), t]);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Prometheus rule groups (`promtool check rules` format) as YAML. Throws AlertRuleOptionsError on bad options or specs. */
export function generateAlertRules(specs: readonly SpecLike[], options: AlertRuleOptions): string {
  checkOptions(options);
  const metric = options.metric ?? 'release_health_verdict';
  const gate = checkUrl('gateUrl', options.gateUrl);
  const severity = { rollback: 'critical', 'reduce-traffic': 'warning', inconclusive: 'info', ...options.severity };
  const annotations = (what: string): Record<string, string> => {
    const a: Record<string, string> = {
      summary: `Release {{ $labels.release_id }} of {{ $labels.service }} in {{ $labels.environment }}: ${what}`,
      description:
        'release-health decided {{ $labels.decision }} for release {{ $labels.release_id }}; the verdict lists the metrics and the evidence.',
      verdict_url: `${gate}/api/v1/releases/{{ $labels.release_id }}/verdict`,
    };
    if (options.grafanaUrl)
      a.dashboard_url = `${checkUrl('grafanaUrl', options.grafanaUrl)}/d/${options.dashboardUid ?? 'rh-release-health'}?var-release_id={{ $labels.release_id }}`;
    return a;
  };
  const groups = [...targetsByClass(specs).entries()].map(([releaseClass, targets]) => ({
    name: `release-health.${releaseClass}`,
    rules: targets.flatMap((t) => {
      const selector = (decision: string) =>
        `${metric}{service=${promString(t.service)}, environment=${promString(t.environment)}, decision=${promString(decision)}} == 1`;
      const labels = (s: string) => ({
        service: t.service,
        environment: t.environment,
        tenant_tier: t.tenantTier,
        release_class: t.releaseClass,
        severity: s,
      });
      return [
        {
          alert: 'ReleaseHealthRollback',
          expr: selector('rollback'),
          labels: labels(severity.rollback),
          annotations: annotations('roll back'),
        },
        {
          alert: 'ReleaseHealthReduceTraffic',
          expr: selector('reduce-traffic'),
          labels: labels(severity['reduce-traffic']),
          annotations: annotations('reduce canary traffic'),
        },
        {
          alert: 'ReleaseHealthInconclusive',
          expr: selector('inconclusive'),
          for:
            { ...DEFAULT_INCONCLUSIVE_FOR, ...options.inconclusiveFor }[releaseClass] ??
            options.defaultInconclusiveFor ??
            '30m',
          labels: labels(severity.inconclusive),
          annotations: annotations('inconclusive for too long — a human has to decide'),
        },
      ];
    }),
  }));
  return `# Generated by release-health rules from the release specs; do not edit.\n${stringify({ groups }, { lineWidth: 0 })}`;
}

/**
 * The same rule groups as a prometheus-operator `PrometheusRule` (monitoring.coreos.com/v1), for
 * clusters where Prometheus is run by the operator: apply it beside deploy/kubernetes. The
 * `labels` must match the Prometheus object's `ruleSelector` (kube-prometheus-stack's default
 * selects `release: <its release name>`).
 */
export function toPrometheusRule(
  rulesYaml: string,
  options: { name?: string; namespace?: string; labels?: Record<string, string> } = {},
): string {
  const { groups } = parse(rulesYaml) as { groups: unknown[] };
  const object = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: options.name ?? 'release-health-alerts',
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels: { 'app.kubernetes.io/name': 'release-health', ...options.labels },
    },
    spec: { groups },
  };
  return `# Generated by release-health rules from the release specs; do not edit.\n${stringify(object, { lineWidth: 0 })}`;
}
