/**
 * Alert rules: generated YAML checked by the REAL `promtool check rules` (Debian package
 * `prometheus`), evaluated by `promtool test rules` against synthetic gauge series, and a broken
 * rule shown to be rejected. Without promtool the promtool tests fail under CI and skip elsewhere.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { AlertRuleOptionsError, generateAlertRules, toPrometheusRule, type AlertRuleOptions } from './rules.ts';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';

const execFileAsync = promisify(execFile);

const SPECS = [
  { release: { service: 'odoo-web', environment: 'production', tenantTier: 'tier-1', class: 'standard' } },
  { release: { service: 'odoo-web', environment: 'production', tenantTier: 'tier-1', class: 'standard' } }, // duplicate: one set of rules
  { release: { service: 'odoo-worker', environment: 'production', class: 'schema-change' } },
  { release: { service: 'odoo-web', environment: 'staging', tenantTier: 'internal', class: 'emergency-fix' } },
];
const OPTIONS: AlertRuleOptions = {
  gateUrl: 'https://rh.example.com/',
  grafanaUrl: 'https://grafana.example.com',
  inconclusiveFor: { standard: '45m' },
};

async function promtool(t: TestContext, ...args: string[]): Promise<{ ok: boolean; output: string } | undefined> {
  try {
    const { stdout, stderr } = await execFileAsync('promtool', args, { timeout: 30_000 });
    return { ok: true, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: string | number; stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') {
      if (process.env.CI === 'true')
        throw new Error('promtool not found: install Debian package prometheus', { cause: e });
      t.skip(
        "promtool not installed: run bash scripts/services/start.sh (installs Debian's prometheus, which has promtool)",
      );
      return undefined;
    }
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'rh-rules-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('one group per release class, three alerts per service/environment, routing labels and links', () => {
  const doc = parse(generateAlertRules(SPECS, OPTIONS));
  assert.deepEqual(
    doc.groups.map((g: { name: string }) => g.name),
    ['release-health.emergency-fix', 'release-health.schema-change', 'release-health.standard'],
  );
  const standard = doc.groups[2].rules;
  assert.deepEqual(
    standard.map((r: { alert: string }) => r.alert),
    ['ReleaseHealthRollback', 'ReleaseHealthReduceTraffic', 'ReleaseHealthInconclusive'],
  );
  assert.equal(
    standard[0].expr,
    'release_health_verdict{service="odoo-web", environment="production", decision="rollback"} == 1',
  );
  assert.equal(standard[0].for, undefined, 'a rollback alerts at once');
  assert.deepEqual(standard[0].labels, {
    service: 'odoo-web',
    environment: 'production',
    tenant_tier: 'tier-1',
    release_class: 'standard',
    severity: 'critical',
  });
  assert.equal(standard[1].labels.severity, 'warning');
  assert.equal(standard[2].for, '45m', 'inconclusiveFor option');
  assert.equal(doc.groups[0].rules[2].for, '10m', 'emergency-fix default');
  assert.equal(doc.groups[1].rules[0].labels.tenant_tier, 'all', 'no tier in the spec');
  assert.equal(
    standard[0].annotations.verdict_url,
    'https://rh.example.com/api/v1/releases/{{ $labels.release_id }}/verdict',
  );
  assert.equal(
    standard[0].annotations.dashboard_url,
    'https://grafana.example.com/d/rh-release-health?var-release_id={{ $labels.release_id }}',
  );
});

test('bad options and ambiguous specs are rejected', () => {
  const bad: [AlertRuleOptions, RegExp][] = [
    [{ ...OPTIONS, gateURL: 'x' } as unknown as AlertRuleOptions, /unknown option "gateURL"/],
    [{ ...OPTIONS, gateUrl: 'ftp://x' }, /http\(s\)/],
    [{ ...OPTIONS, gateUrl: 'https://u:p@x' }, /credentials/],
    [{ ...OPTIONS, inconclusiveFor: { standard: '45 minutes' } }, /not a Prometheus duration/],
    [{ ...OPTIONS, severity: { rollback: 'page' as 'critical' } }, /severity.rollback/],
  ];
  for (const [o, re] of bad)
    assert.throws(
      () => generateAlertRules(SPECS, o),
      (e: unknown) => e instanceof AlertRuleOptionsError && re.test(e.message),
    );
  const clash = [
    ...SPECS,
    { release: { service: 'odoo-web', environment: 'production', tenantTier: 'tier-2', class: 'standard' } },
  ];
  assert.throws(() => generateAlertRules(clash, OPTIONS), /cannot tell them apart/);
});

test('label values are escaped in PromQL', () => {
  const doc = parse(
    generateAlertRules([{ release: { service: 'odoo "web"\\x', environment: 'prod', class: 'standard' } }], OPTIONS),
  );
  assert.match(doc.groups[0].rules[0].expr, /service="odoo \\"web\\"\\\\x"/);
});

test('promtool check rules accepts the generated file and rejects a broken one', async (t) => {
  await withDir(async (dir) => {
    const good = join(dir, 'good.yaml');
    await writeFile(good, generateAlertRules(SPECS, OPTIONS));
    const ok = await promtool(t, 'check', 'rules', good);
    if (!ok) return;
    assert.ok(ok.ok, ok.output);
    assert.match(ok.output, /SUCCESS: 9 rules found/);

    // the same file with one expression broken and one annotation template unparseable
    const broken = join(dir, 'broken.yaml');
    const text = (await readFile(good, 'utf8'))
      .replace('decision="rollback"} == 1', 'decision="rollback"} == ')
      .replace('{{ $labels.release_id }}/verdict', '{{ $labels.release_id /verdict');
    await writeFile(broken, text);
    const bad = await promtool(t, 'check', 'rules', broken);
    assert.ok(bad && !bad.ok, 'promtool accepted a broken rule file');
    assert.match(bad.output, /FAILED/);
    assert.match(bad.output, /parse error|unexpected/);
  });
});

test('promtool test rules: the alerts fire on the gauge with their labels and links', async (t) => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'rules.yaml'), generateAlertRules(SPECS, OPTIONS));
    const series = (decision: string, values: string) => ({
      series: `release_health_verdict{release_id="r1", service="odoo-web", environment="production", decision="${decision}"}`,
      values,
    });
    const unit = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          // r1: inconclusive for 50 minutes, then rollback
          input_series: [series('inconclusive', '1x49 0x10'), series('rollback', '0x49 1x10')],
          alert_rule_test: [
            { eval_time: '30m', alertname: 'ReleaseHealthInconclusive', exp_alerts: [] },
            {
              eval_time: '46m',
              alertname: 'ReleaseHealthInconclusive',
              exp_alerts: [
                {
                  exp_labels: {
                    release_id: 'r1',
                    service: 'odoo-web',
                    environment: 'production',
                    decision: 'inconclusive',
                    tenant_tier: 'tier-1',
                    release_class: 'standard',
                    severity: 'info',
                  },
                },
              ].map((a) => ({
                ...a,
                exp_annotations: annotationsFor('inconclusive for too long — a human has to decide', 'inconclusive'),
              })),
            },
            { eval_time: '46m', alertname: 'ReleaseHealthRollback', exp_alerts: [] },
            {
              eval_time: '51m',
              alertname: 'ReleaseHealthRollback',
              exp_alerts: [
                {
                  exp_labels: {
                    release_id: 'r1',
                    service: 'odoo-web',
                    environment: 'production',
                    decision: 'rollback',
                    tenant_tier: 'tier-1',
                    release_class: 'standard',
                    severity: 'critical',
                  },
                  exp_annotations: annotationsFor('roll back', 'rollback'),
                },
              ],
            },
          ],
        },
      ],
    };
    await writeFile(join(dir, 'unit.yaml'), JSON.stringify(unit));
    const r = await promtool(t, 'test', 'rules', join(dir, 'unit.yaml'));
    if (!r) return;
    assert.ok(r.ok, r.output);
    assert.match(r.output, /SUCCESS/);
  });
});

function annotationsFor(what: string, decision: string): Record<string, string> {
  return {
    summary: `Release r1 of odoo-web in production: ${what}`,
    description: `release-health decided ${decision} for release r1; the verdict lists the metrics and the evidence.`,
    verdict_url: 'https://rh.example.com/api/v1/releases/r1/verdict',
    dashboard_url: 'https://grafana.example.com/d/rh-release-health?var-release_id=r1',
  };
}

test('the PrometheusRule form passes the prometheus-operator schema; a broken one does not', () => {
  const object = parse(
    toPrometheusRule(generateAlertRules(SPECS, OPTIONS), {
      namespace: 'monitoring',
      labels: { release: 'kube-prometheus-stack' },
    }),
  );
  assert.equal(object.metadata.labels.release, 'kube-prometheus-stack');
  assert.doesNotThrow(() => new PrometheusRule(object).validate());
  object.spec.groups[0].rules[0].for = 5; // a duration must be a string
  assert.throws(() => new PrometheusRule(object).validate(), /for/);
});
