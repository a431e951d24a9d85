/**
 * Writes the generated dashboards and Grafana's provisioning files:
 *
 *   <out>/dashboards/{release-health,business-signals,platform}.json
 *   <out>/provisioning/datasources/release-health.yaml
 *   <out>/provisioning/dashboards/release-health.yaml
 *
 * so that Grafana started with `GF_PATHS_PROVISIONING=<out>/provisioning` shows them. Each file is
 * written to a temporary name and renamed: Grafana's file provider polls the folder and must
 * never read a half-written dashboard.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DashboardsConfig } from './config.ts';
import { buildDashboards } from './grafana/index.ts';
import { dashboardProvisioning, datasourceProvisioning, toYaml } from './grafana/provisioning.ts';

export interface WrittenFiles {
  dashboards: string[];
  provisioning: string[];
}

async function atomicWrite(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, 'utf8');
  await rename(tmp, path);
}

export async function writeDashboards(config: DashboardsConfig, outDir: string): Promise<WrittenFiles> {
  const out = resolve(outDir);
  const dashboardsDir = join(out, 'dashboards');
  const datasourcesDir = join(out, 'provisioning', 'datasources');
  const providersDir = join(out, 'provisioning', 'dashboards');
  for (const dir of [dashboardsDir, datasourcesDir, providersDir]) await mkdir(dir, { recursive: true });

  const written: WrittenFiles = { dashboards: [], provisioning: [] };
  for (const { file, dashboard } of buildDashboards(config)) {
    const path = join(dashboardsDir, `${file}.json`);
    await atomicWrite(path, `${JSON.stringify(dashboard, null, 2)}\n`);
    written.dashboards.push(path);
  }
  const datasource = join(datasourcesDir, 'release-health.yaml');
  await atomicWrite(
    datasource,
    toYaml(
      datasourceProvisioning(config),
      'Grafana datasource provisioning: the Prometheus every release-health panel queries.',
    ),
  );
  const provider = join(providersDir, 'release-health.yaml');
  const grafanaPath = config.grafanaDashboardsPath ?? dashboardsDir;
  await atomicWrite(
    provider,
    toYaml(dashboardProvisioning(config, grafanaPath), 'Grafana dashboard provider: the release-health dashboards.'),
  );
  written.provisioning.push(datasource, provider);
  return written;
}
