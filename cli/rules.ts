/**
 * `release-health rules --config FILE --out DIR`: writes DIR/release-health-rules.yaml, the
 * Prometheus alerting rules for the releases the config's specs describe (rules.ts), and the same
 * groups as a prometheus-operator PrometheusRule in DIR/release-health-prometheusrule.yaml. Check
 * the first with `promtool check rules DIR/release-health-rules.yaml`. Exit codes as in command.ts:
 * 0 written, 64 usage error, 65 config error, 1 a write failure.
 *
 * The config is YAML or JSON with everything under `alerts:` (so that it can live in a larger
 * config such as serve.yaml; other top-level keys are left alone):
 *
 *   alerts:
 *     gateUrl: https://release-health.example.com
 *     grafanaUrl: https://grafana.example.com
 *     inconclusiveFor: { standard: 45m }
 *     specs:                      # spec files, relative to this file
 *       - specs/odoo-web-production.yaml
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { analysisSpecSchema, ConfigError, formatIssues, releaseSchema } from '../analyzer/index.ts';
import {
  AlertRuleOptionsError,
  generateAlertRules,
  toPrometheusRule,
  type AlertRuleOptions,
} from '../gate/alerts/rules.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { UsageError } from '../analyzer/inputError.ts';

export const RULES_FILE = 'release-health-rules.yaml';
/** the same groups as a prometheus-operator PrometheusRule */
export const PROMETHEUS_RULE_FILE = 'release-health-prometheusrule.yaml';

const USAGE = `usage: release-health rules --config FILE --out DIR

Writes DIR/${RULES_FILE}: Prometheus alerting rules on release_health_verdict, one group per
release class, for the services the config's specs name; and DIR/${PROMETHEUS_RULE_FILE}, the
same groups as a prometheus-operator PrometheusRule. The config (YAML or JSON) holds
\`alerts: { gateUrl, grafanaUrl?, dashboardUid?, inconclusiveFor?, defaultInconclusiveFor?,
severity?, specs: [spec files] }\`; see deploy/alerts/rules-config.yaml.`;

async function loadConfig(path: string): Promise<{
  options: AlertRuleOptions;
  specs: { release: { service: string; environment: string; tenantTier?: string; class: string } }[];
}> {
  let raw: unknown;
  try {
    raw = parse(await readFile(path, 'utf8'), { maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as Error).message}`);
  }
  const alerts = (raw as { alerts?: unknown } | null)?.alerts;
  if (!alerts || typeof alerts !== 'object' || Array.isArray(alerts))
    throw new ConfigError(`${path}: no \`alerts:\` section`);
  const { specs: specPaths, ...options } = alerts as Record<string, unknown>;
  if (!Array.isArray(specPaths) || specPaths.length === 0 || !specPaths.every((s) => typeof s === 'string')) {
    throw new ConfigError(`${path}: alerts.specs must list at least one spec file`);
  }
  const specs = [];
  for (const p of specPaths as string[]) {
    const file = resolve(dirname(path), p);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `${path}: alerts.specs: cannot read ${p} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    // only the release matters here; the metrics are validated too so a broken spec is not half-used
    let raw: Record<string, unknown> | null;
    try {
      raw = parse(text, { maxAliasCount: 100 }) as Record<string, unknown> | null;
    } catch (e) {
      throw new ConfigError(`${file}: ${(e as Error).message}`);
    }
    if (raw && 'kayentaConfig' in raw) {
      const release = releaseSchema.safeParse(raw.release);
      if (!release.success) throw new ConfigError(`${file}: ${formatIssues(release.error).join('; ')}`);
      specs.push({ release: release.data });
      continue;
    }
    const result = analysisSpecSchema.safeParse(raw);
    if (!result.success) throw new ConfigError(`${file}: ${formatIssues(result.error).join('; ')}`);
    specs.push(result.data);
  }
  return { options: options as unknown as AlertRuleOptions, specs };
}

export const rulesCommand: CommandBody = { usage: USAGE, run: rules };

async function rules(argv: string[], { out, err }: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, out: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.config || !values.out) throw new UsageError('rules: --config and --out are required');
  const { options, specs } = await loadConfig(values.config);
  let yaml: string;
  try {
    yaml = generateAlertRules(specs, options);
  } catch (e) {
    // the options came from the config file: a bad one is a config error
    if (e instanceof AlertRuleOptionsError) throw new ConfigError(`${values.config}: ${e.message}`);
    throw e;
  }
  try {
    await mkdir(values.out, { recursive: true });
    const file = join(values.out, RULES_FILE);
    await writeFile(file, yaml);
    out(`wrote ${file}`);
    const operatorFile = join(values.out, PROMETHEUS_RULE_FILE);
    await writeFile(operatorFile, toPrometheusRule(yaml));
    out(`wrote ${operatorFile}`);
    return EXIT.ok;
  } catch (e) {
    err(`rules: ${(e as Error).message}`);
    return EXIT.failure;
  }
}
