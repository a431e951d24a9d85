/**
 * The gate's HTML pages besides `/scorecards`: `/`, the index (active releases with their live
 * verdicts — the same governed verdict the API answers — and the latest finished ones), and
 * `/releases/{id}`, one release's page (why it was promoted or rolled back). Readers' role, like
 * the API's GETs; the security headers of every answer apply (no script, no frame, no store).
 */
import { recordedOnset } from '../../dashboards/scorecard/load.ts';
import { renderIndexPage, renderReleasePage, type IndexRow } from '../../dashboards/scorecard/releasePage.ts';
import type { ReleaseRecord } from '../../store/index.ts';
import { ApiError, releaseIdParam } from '../http.ts';
import { governedVerdict } from '../verdicts.ts';
import type { RouteContext } from './context.ts';

/** Rows on the index at most, per table: the page must stay one quick answer. */
export const INDEX_ROWS = 200;

export function pageRoutes({ app, deps, clock, requires }: RouteContext): void {
  const { store, governance } = deps;

  app.get('/', requires('reader'), async (c) => {
    const now = clock();
    const row = async (record: ReleaseRecord, live: boolean): Promise<IndexRow> => {
      const r = record.release;
      const v = live ? await governedVerdict(store, governance, record, now) : await store.latestVerdict(r.id);
      return {
        id: r.id,
        service: r.service,
        environment: r.environment,
        tenantTier: r.tenantTier,
        startedAt: r.startedAt,
        decision: v?.decision ?? record.decision,
        score: v?.score,
        minute: v ? Math.round((v.at - r.startedAt) / 60_000) : undefined,
        reason: v?.reasons[0],
      };
    };
    const active = await store.listReleases({ status: 'active', limit: INDEX_ROWS });
    const recent = (await store.listReleases({ limit: INDEX_ROWS })).filter((r) => r.status !== 'active').slice(0, 25);
    return c.html(
      renderIndexPage({
        active: await Promise.all(active.map((r) => row(r, true))),
        recent: await Promise.all(recent.map((r) => row(r, false))),
        now,
      }),
    );
  });

  app.get('/releases/:id', requires('reader'), async (c) => {
    const id = releaseIdParam(c);
    const record = await store.getRelease(id);
    if (!record) throw new ApiError(404, `no release ${id}`);
    const [verdicts, actions, audit] = await Promise.all([
      store.listVerdicts(id),
      store.listActions({ releaseId: id, limit: 1000 }),
      store.listAudit({ releaseId: id, limit: 1000 }),
    ]);
    const onsetAt = recordedOnset(audit);
    return c.html(
      renderReleasePage({ record: onsetAt === undefined ? record : { ...record, onsetAt }, verdicts, actions, audit }),
    );
  });
}
