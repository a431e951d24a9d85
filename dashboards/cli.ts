/**
 * `release-health dashboards --config FILE --out DIR`: writes the Grafana dashboards and the
 * provisioning files (see write.ts for the layout). Exit codes: 0 written, 2 usage or config error,
 * 1 anything else (a write failure).
 */
import { parseArgs } from 'node:util';
import { DashboardsConfigError, loadDashboardsConfig } from './config.ts';
import { writeDashboards } from './write.ts';

export interface Writable {
  write(chunk: string): unknown;
}

const USAGE = `usage: release-health dashboards --config FILE --out DIR

Writes Grafana dashboards (Release health, Business signals, Platform) as JSON under DIR/dashboards
and provisioning files under DIR/provisioning (datasources/, dashboards/). Start Grafana with
GF_PATHS_PROVISIONING=DIR/provisioning. The config is YAML or JSON; see examples/dashboards/.
`;

export async function dashboardsCommand(argv: readonly string[], out: Writable, err: Writable): Promise<number> {
  let values: { config?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err.write(`dashboards: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out.write(USAGE);
    return 0;
  }
  if (!values.config || !values.out) {
    err.write(`dashboards: --config and --out are required\n${USAGE}`);
    return 2;
  }
  try {
    const config = await loadDashboardsConfig(values.config);
    const written = await writeDashboards(config, values.out);
    for (const f of [...written.dashboards, ...written.provisioning]) out.write(`wrote ${f}\n`);
    return 0;
  } catch (e) {
    if (e instanceof DashboardsConfigError) {
      err.write(`dashboards: ${e.message}\n`);
      return 2;
    }
    err.write(`dashboards: ${(e as Error).message}\n`);
    return 1;
  }
}
