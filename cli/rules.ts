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
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../analyzer/configError.ts';
import { parseConfigText, type ConfigText } from '../analyzer/configText.ts';
import {
  AlertRuleOptionsError,
  generateAlertRules,
  toPrometheusRule,
  type AlertRuleOptions,
} from '../gate/alerts/rules.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { UsageError } from '../analyzer/inputError.ts';
import { readConfigFile } from '../service/configDocument.ts';
import { loadSpec } from './specFile.ts';

export const RULES_FILE = 'release-health-rules.yaml';
/** the same groups as a prometheus-operator PrometheusRule */
export const PROMETHEUS_RULE_FILE = 'release-health-prometheusrule.yaml';

const USAGE = `usage: release-health rules --config FILE --out DIR

Writes DIR/${RULES_FILE}: Prometheus alerting rules on release_health_verdict, one group per
release class, for the services the config's specs name; and DIR/${PROMETHEUS_RULE_FILE}, the
same groups as a prometheus-operator PrometheusRule. The config (YAML or JSON) holds
\`alerts: { gateUrl, grafanaUrl?, dashboardUid?, inconclusiveFor?, defaultInconclusiveFor?,
severity?, specs: [spec files] }\`; see deploy/alerts/rules-config.yaml.`;

const MAX_CONFIG_BYTES = 1024 * 1024;

async function loadConfig(path: string): Promise<{
  doc: ConfigText;
  options: AlertRuleOptions;
  specs: { release: { service: string; environment: string; tenantTier?: string; class: string } }[];
}> {
  const doc = parseConfigText(await readConfigFile(path, 'config', MAX_CONFIG_BYTES), path);
  const alerts = (doc.data as { alerts?: unknown } | null)?.alerts;
  if (!alerts || typeof alerts !== 'object' || Array.isArray(alerts))
    throw doc.locate(new ConfigError('alerts: no `alerts:` section', undefined, ['alerts']));
  const { specs: specPaths, ...options } = alerts as Record<string, unknown>;
  if (!Array.isArray(specPaths) || specPaths.length === 0 || !specPaths.every((s) => typeof s === 'string'))
    throw doc.locate(new ConfigError('alerts.specs: must list at least one spec file', undefined, ['alerts', 'specs']));
  const specs = [];
  for (const [i, p] of (specPaths as string[]).entries()) {
    const file = resolve(dirname(path), p);
    if (!existsSync(file))
      throw doc.locate(new ConfigError(`alerts.specs: cannot read ${p} (ENOENT)`, undefined, ['alerts', 'specs', i]));
    // the spec file's own errors are placed in that file (the one spec reader: specFile.ts)
    specs.push((await loadSpec(file)).spec);
  }
  return { doc, options: options as unknown as AlertRuleOptions, specs };
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
  const { doc, options, specs } = await loadConfig(values.config);
  let yaml: string;
  try {
    yaml = generateAlertRules(specs, options);
  } catch (e) {
    // the options came from the config file's `alerts:` section: a bad one is a config error there
    if (e instanceof AlertRuleOptionsError) throw doc.locate(new ConfigError(e.message, undefined, ['alerts']));
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
