/**
 * The verdict endpoint (the Argo Rollouts web-metric contract), backup checkpoints and approvals.
 *
 * Argo Rollouts v1.8.5 `metricproviders/webmetric`: any non-2xx answer becomes a measurement
 * **Error**, retried every 10 s (`analysis.DefaultErrorRetryInterval`); the metric errors when the
 * consecutive errors exceed `consecutiveErrorLimit` (default 4, `result.ConsecutiveError >
 * consecutiveErrorLimit`: the 5th in a row). The first match of `jsonPath` becomes `result`; with
 * both conditions set and neither true the measurement is **Inconclusive** (the rollout pauses for
 * a human). So every decision — `inconclusive` included, and "warming up" before the first look —
 * is a 200 with the Verdict JSON; HTTP errors mean real errors only (unknown release: 404,
 * malformed id: 400, auth: 401/403).
 */
import { StoreConflictError, type ReleaseRecord } from '../../store/index.ts';
import { actorOf, ApiError, readJson, releaseIdParam, validate, type GateContext } from '../http.ts';
import { approvalBodySchema, checkpointBodySchema } from '../wireFormat.ts';
import { countApprovals } from '../verdicts.ts';
import type { RouteContext } from './context.ts';

/** A backup "taken" further in the future than this is a clock or input error. */
const FUTURE_SKEW_MS = 5 * 60_000;

export function verdictRoutes({ app, deps, clock, logger, requires, cache }: RouteContext): void {
  const { store, governance } = deps;

  const mustGet = async (id: string): Promise<ReleaseRecord> => {
    const record = await store.getRelease(id);
    if (!record) throw new ApiError(404, `release "${id}" not found`);
    return record;
  };

  app.get('/api/v1/releases/:id/verdict', requires('reader'), async (c) => {
    const id = releaseIdParam(c);
    const inputs = await cache.get(id);
    if (!inputs) throw new ApiError(404, `release "${id}" not found`);
    const body = cache.body(inputs, clock()); // memoised per entry (verdictCache.ts)
    // a controller polls this (gate/fastPath.ts answers the same from a fresh entry without the router): never serve a cached answer (HTTP caches; our own memo is exact)
    return c.body(body, 200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  });

  app.post('/api/v1/releases/:id/checkpoints', requires('operator'), async (c: GateContext) => {
    const id = releaseIdParam(c);
    const body = validate(checkpointBodySchema, await readJson(c));
    const record = await mustGet(id);
    if (record.status !== 'active') throw new ApiError(409, `release "${id}" is not active (status ${record.status})`);
    const now = clock();
    const takenAt = typeof body.takenAt === 'number' ? body.takenAt : Date.parse(body.takenAt);
    if (takenAt > now + FUTURE_SKEW_MS)
      throw new ApiError(400, 'invalid request body', [`takenAt: ${new Date(takenAt).toISOString()} is in the future`]);
    const checkpoint = {
      releaseId: id,
      backupId: body.backupId,
      takenAt,
      source: body.source ?? 'manual',
      recordedAt: now,
      recordedBy: actorOf(c),
    };
    try {
      await store.addCheckpoint(checkpoint, {
        at: now,
        actor: actorOf(c),
        action: 'checkpoint.record',
        releaseId: id,
        detail: { backupId: body.backupId, takenAt, source: checkpoint.source },
      });
    } catch (error) {
      // the store keeps the first record of a backup; a second post of it is the client's conflict, not a 500
      if (error instanceof StoreConflictError)
        throw new ApiError(409, `backup "${body.backupId}" is already recorded for release "${id}"`, [
          'backupId: already recorded',
        ]);
      throw error;
    }
    cache.invalidate(id);
    logger.info({ releaseId: id, backupId: body.backupId, actor: actorOf(c) }, 'backup checkpoint recorded');
    return c.json(checkpoint, 201);
  });

  app.get('/api/v1/releases/:id/checkpoints', requires('reader'), async (c) => {
    const id = releaseIdParam(c);
    await mustGet(id);
    return c.json({ checkpoints: await store.listCheckpoints(id) });
  });

  // Approvals: classes with `approvalsRequired` report `promote` only after that many distinct
  // operators other than the registrant have approved (four eyes on schema changes, peak season).
  app.post('/api/v1/releases/:id/approvals', requires('operator'), async (c) => {
    const id = releaseIdParam(c);
    const body = validate(approvalBodySchema, (await readJson(c, true)) ?? {});
    const record = await mustGet(id);
    const actor = actorOf(c);
    if (record.status !== 'active') throw new ApiError(409, `release "${id}" is not active (status ${record.status})`);
    if (actor === record.registeredBy)
      throw new ApiError(403, `"${actor}" registered this release and cannot approve it`);
    const now = clock();
    await store.appendAudit({
      at: now,
      actor,
      action: 'release.approve',
      releaseId: id,
      detail: body.comment ? { comment: body.comment } : undefined,
    });
    cache.invalidate(id);
    const required = governance.classes[record.release.class]?.approvalsRequired ?? 0;
    logger.info({ releaseId: id, actor }, 'release approved');
    return c.json({ releaseId: id, approvals: await countApprovals(store, record), required }, 201);
  });
}
