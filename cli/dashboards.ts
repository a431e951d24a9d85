/**
 * `release-health dashboards --config FILE --out DIR`: writes the Grafana dashboards and the
 * provisioning files (see dashboards/write.ts for the layout). Exit codes as in command.ts: a bad
 * config is an input error (65), a failed write a failure (1).
 */
import { parseArgs } from 'node:util';
import { loadDashboardsConfig } from '../dashboards/config.ts';
import { writeDashboards } from '../dashboards/write.ts';
import { EXIT, type CommandBody, type CommandIo, type ExitCode } from './command.ts';
import { UsageError } from '../analyzer/inputError.ts';

const USAGE = `usage: release-health dashboards --config FILE --out DIR

Writes Grafana dashboards (Release health, Business signals, Platform) as JSON under DIR/dashboards
and provisioning files under DIR/provisioning (datasources/, dashboards/). Start Grafana with
GF_PATHS_PROVISIONING=DIR/provisioning. The config is YAML or JSON; see examples/dashboards/.`;

export const dashboardsCommand: CommandBody = { usage: USAGE, run: dashboards };

async function dashboards(argv: string[], { out, err }: CommandIo): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, out: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (!values.config || !values.out) throw new UsageError('dashboards: --config and --out are required');
  // a config error (DashboardsConfigError, a ConfigError) propagates: main reports it, exit 65
  const config = await loadDashboardsConfig(values.config);
  try {
    const written = await writeDashboards(config, values.out);
    for (const f of [...written.dashboards, ...written.provisioning]) out(`wrote ${f}`);
    return EXIT.ok;
  } catch (e) {
    err(`dashboards: ${(e as Error).message}`);
    return EXIT.failure;
  }
}
