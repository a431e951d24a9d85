/** The three dashboards, built from one config (one file per section, assembled here, after grafana-foundation-sdk's examples). */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardsConfig } from '../config.ts';
import { buildBusinessSignals } from './business.ts';
import { contextOf } from './common.ts';
import { buildPlatform } from './platform.ts';
import { buildReleaseHealth } from './releaseHealth.ts';

export interface BuiltDashboard {
  /** file name stem: `<file>.json` */
  file: string;
  dashboard: dashboard.Dashboard;
}

export function buildDashboards(config: DashboardsConfig): BuiltDashboard[] {
  const ctx = contextOf(config);
  return [
    { file: 'release-health', dashboard: numberPanels(buildReleaseHealth(ctx)) },
    { file: 'business-signals', dashboard: numberPanels(buildBusinessSignals(ctx)) },
    { file: 'platform', dashboard: numberPanels(buildPlatform(ctx)) },
  ];
}

/**
 * Stable panel ids (1, 2, …) in layout order: the builders leave them unset, and Grafana's links
 * to a panel (`viewPanel=`) and annotation panel filters need ids that survive a regeneration.
 */
function numberPanels(d: dashboard.Dashboard): dashboard.Dashboard {
  let id = 0;
  for (const p of d.panels ?? []) {
    p.id = ++id;
    if ('panels' in p) for (const inner of p.panels) inner.id = ++id;
  }
  return layoutGrid(d);
}

/**
 * Re-flows the 24-column grid left to right, wrapping a panel that would overflow the line. The
 * SDK's builder (0.0.21) wraps only after a panel has overflowed, so a full-width panel after a
 * two-thirds line lands at x=8, w=24.
 */
function layoutGrid(d: dashboard.Dashboard): dashboard.Dashboard {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  const newLine = (): void => {
    y += lineHeight;
    x = 0;
    lineHeight = 0;
  };
  for (const p of d.panels ?? []) {
    const pos = p.gridPos ?? { x: 0, y: 0, w: 24, h: 8 };
    if (p.type === 'row') {
      newLine();
      p.gridPos = { ...pos, x: 0, y, w: 24, h: 1 };
      y += 1;
      continue;
    }
    if (x + pos.w > 24) newLine();
    p.gridPos = { ...pos, x, y };
    x += pos.w;
    lineHeight = Math.max(lineHeight, pos.h);
  }
  return d;
}

export { metricNamesInExpr, PromqlNameError } from './promqlNames.ts';
export { dashboardProvisioning, datasourceProvisioning } from './provisioning.ts';
export type { DashboardProvisioning, DatasourceProvisioning } from './provisioning.ts';
export * as metricNames from './metricNames.ts';
