/** Links every alert carries: the release's verdict in the gate and its Grafana dashboard. */

export interface LinkOptions {
  /** base URL of the gate as people reach it */
  gateUrl: string;
  /** base URL of Grafana; without it there is no dashboard link */
  grafanaUrl?: string;
  /** uid of the release dashboard (default rh-release-health, the dashboards room's default) */
  dashboardUid?: string;
}

const trim = (url: string) => url.replace(/\/+$/, '');

export function verdictUrl(options: LinkOptions, releaseId: string): string {
  return `${trim(options.gateUrl)}/api/v1/releases/${encodeURIComponent(releaseId)}/verdict`;
}

export function dashboardUrl(options: LinkOptions, releaseId: string): string | undefined {
  if (!options.grafanaUrl) return undefined;
  return `${trim(options.grafanaUrl)}/d/${options.dashboardUid ?? 'rh-release-health'}?var-release_id=${encodeURIComponent(releaseId)}`;
}
