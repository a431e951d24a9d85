/**
 * Public face of dashboards/: Grafana dashboards as code (with provisioning files) and release
 * scorecards. The CLI's `dashboards` and `scorecard` commands (cli/) use them; the gate serves
 * `loadScorecard` + `renderScorecardPage` at `GET /scorecards`.
 */
export {
  dashboardsConfigSchema,
  DashboardsConfigError,
  loadDashboardsConfig,
  parseDashboardsConfig,
} from './config.ts';
export type { DashboardsConfig } from './config.ts';
export { buildDashboards, metricNames, metricNamesInExpr, PromqlNameError } from './grafana/index.ts';
export type { BuiltDashboard, DashboardProvisioning, DatasourceProvisioning } from './grafana/index.ts';
export { writeDashboards } from './write.ts';
export type { WrittenFiles } from './write.ts';

export { computeScorecard, FREEZE_OVERRIDE, REGRESSION_ONSET, ScorecardPeriodError } from './scorecard/compute.ts';
export { loadScorecard } from './scorecard/load.ts';
export type { ScorecardPeriod } from './scorecard/load.ts';
export { renderScorecardPage } from './scorecard/page.ts';
export type { PageOptions } from './scorecard/page.ts';
export { renderScorecard, SCORECARD_FORMATS, UnknownFormatError } from './scorecard/render.ts';
export type { ScorecardFormat } from './scorecard/render.ts';
export { DIMENSIONS } from './scorecard/types.ts';
export type {
  Dimension,
  GroupRow,
  MonthRow,
  ReleaseOutcome,
  Scorecard,
  ScorecardFigures,
  ScorecardInput,
  ScorecardReleaseRecord,
} from './scorecard/types.ts';
