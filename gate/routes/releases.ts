/**
 * Release life cycle: register (with governance: known class, freeze windows; a newer release of
 * the same service, environment and tenant supersedes the older), list, show with the verdict
 * timeline, complete, abort. Every state change is written with its audit entry (lifecycle.ts).
 */
import {
  analysisSpecSchema,
  checkFreeze,
  releasePower,
  UnknownReleaseClassError,
  resolveReleaseClass,
  type AnalysisSpec,
} from '../../analyzer/index.ts';
import { StoreConflictError, StoreNotFoundError, type ReleaseRecord, type ReleaseStatus } from '../../store/index.ts';
import { actorOf, ApiError, readJson, releaseIdParam, validate, type GateContext } from '../http.ts';
import {
  closeBodySchema,
  listQuerySchema,
  registerBodySchema,
  RELEASE_BOUNDS,
  specBodySchema,
  type SpecBody,
} from '../wireFormat.ts';
import { governedVerdict } from '../verdicts.ts';
import type { RouteContext } from './context.ts';
import { createReleaseCloser } from './lifecycle.ts';

const summary = (r: ReleaseRecord): Omit<ReleaseRecord, 'spec'> => {
  const { spec: _spec, ...rest } = r;
  return rest;
};

export function releaseRoutes({ app, deps, clock, logger, requires, cache }: RouteContext): void {
  const { store, governance } = deps;
  const closer = createReleaseCloser({ store, cache, logger, ...(deps.runner ? { runner: deps.runner } : {}) });

  app.post('/api/v1/releases', requires('operator'), async (c) => {
    const body = validate(registerBodySchema, await readJson(c));
    const now = clock();
    const actor = actorOf(c);
    const { startedAt } = body.release;
    if (startedAt > now + RELEASE_BOUNDS.maxStartAheadMs)
      throw new ApiError(400, 'invalid request body', [
        `release.startedAt: ${new Date(startedAt).toISOString()} is more than a day ahead`,
      ]);
    try {
      resolveReleaseClass(governance, body.release.class);
    } catch (error) {
      if (error instanceof UnknownReleaseClassError)
        throw new ApiError(400, 'invalid request body', [`release.class: ${error.message}`]);
      throw error;
    }
    let specBody: SpecBody;
    if (body.specName !== undefined) {
      const stored = await store.getSpec(body.specName);
      if (stored === undefined)
        throw new ApiError(400, 'invalid request body', [
          `specName: no stored spec "${body.specName}" (PUT /api/v1/specs/${body.specName} first)`,
        ]);
      specBody = validate(specBodySchema, stored, `stored spec "${body.specName}"`, 'specName');
    } else {
      specBody = body.spec!;
    }
    // the analyzer's own schema checks what spans release and spec (beforeAfter needs strategy before-after, ...)
    const spec: AnalysisSpec = validate(
      analysisSpecSchema,
      { release: body.release, ...specBody },
      'request body',
      'spec',
    );

    const freeze = checkFreeze(governance, body.release, now, body.justification);
    if (freeze.outcome === 'locked') {
      const { window } = freeze;
      throw new ApiError(423, freeze.reason, {
        freeze: window.name,
        from: new Date(window.from).toISOString(),
        to: new Date(window.to).toISOString(),
        reason: window.reason,
      });
    }
    const record: ReleaseRecord = {
      release: body.release,
      spec,
      status: 'active',
      registeredAt: now,
      registeredBy: actor,
    };
    if (body.specName !== undefined) record.specName = body.specName;
    if (body.justification !== undefined) record.justification = body.justification;
    if (freeze.outcome === 'override') record.frozen = freeze.window.name;
    const id = body.release.id;
    try {
      await store.createRelease(record, {
        at: now,
        actor,
        action: 'release.register',
        releaseId: id,
        detail: {
          service: body.release.service,
          version: body.release.version,
          environment: body.release.environment,
          class: body.release.class,
          specName: body.specName,
        },
      });
    } catch (error) {
      if (error instanceof StoreConflictError) throw new ApiError(409, `release "${id}" is already registered`);
      throw error;
    }
    if (freeze.outcome === 'override') {
      await store.appendAudit({
        at: now,
        actor,
        action: 'freeze.override',
        releaseId: id,
        detail: { freeze: freeze.window.name, reason: freeze.window.reason, justification: freeze.justification },
      });
      logger.warn(
        { releaseId: id, freeze: freeze.window.name, actor },
        'release registered during a freeze window with a justification',
      );
    }
    // the older release of this target is over: its pods are being replaced by this one's
    await closer.supersede(record, now, actor);
    cache.prime(record);
    if (deps.runner) {
      try {
        await deps.runner.start(record);
      } catch (error) {
        // the release is stored; the pipeline resumes active releases at its next start
        logger.error({ releaseId: id, err: (error as Error).message }, 'the runner failed to start the analysis');
      }
    }
    logger.info({ releaseId: id, actor, class: body.release.class }, 'release registered');
    c.header('Location', `/api/v1/releases/${encodeURIComponent(id)}`);
    // what the window can detect at the spec's expected traffic: an unreachable tolerance is a
    // warning for the person registering, never a refusal
    const power = releasePower(spec, governance.classes);
    const warnings = power.flatMap((p) => (p.warning && p.traffic ? [p.warning] : []));
    return c.json({ ...record, power, ...(warnings.length ? { warnings } : {}), links: links(id) }, 201);
  });

  app.get('/api/v1/releases', requires('reader'), async (c) => {
    const q = validate(listQuerySchema, c.req.query(), 'query');
    const { class: releaseClass, ...rest } = q;
    const records = await store.listReleases({ ...rest, ...(releaseClass ? { releaseClass } : {}) });
    return c.json({ releases: records.map(summary) });
  });

  app.get('/api/v1/releases/:id', requires('reader'), async (c) => {
    const id = releaseIdParam(c);
    const record = await mustGet(c, id);
    const [history, checkpoints] = await Promise.all([store.listVerdicts(id, 1000), store.listCheckpoints(id)]);
    const latest = history.at(-1);
    const verdict = await governedVerdict(store, governance, record, clock(), latest);
    const timeline = history.map((v) => ({ at: v.at, decision: v.decision, score: v.score }));
    return c.json({ ...record, verdict, timeline, checkpoints, links: links(id) });
  });

  for (const [verb, status] of [
    ['complete', 'completed'],
    ['abort', 'aborted'],
  ] as const) {
    app.post(`/api/v1/releases/:id/${verb}`, requires('operator'), async (c) => close(c, status, verb));
  }

  async function close(c: GateContext, status: Exclude<ReleaseStatus, 'active'>, verb: string): Promise<Response> {
    const id = releaseIdParam(c);
    const body = validate(closeBodySchema, (await readJson(c, true)) ?? {});
    await mustGet(c, id);
    const now = clock();
    let closed: boolean;
    try {
      closed = await closer.close(id, {
        status,
        at: now,
        actor: actorOf(c),
        action: `release.${verb}`,
        ...(body.reason ? { detail: { reason: body.reason } } : {}),
      });
    } catch (error) {
      if (error instanceof StoreNotFoundError) throw new ApiError(404, `release "${id}" not found`);
      throw error;
    }
    if (!closed) {
      const current = await store.getRelease(id);
      throw new ApiError(409, `release "${id}" is not active (status ${current?.status ?? 'unknown'})`);
    }
    return c.json({ id, status, closedAt: now });
  }

  async function mustGet(_c: GateContext, id: string): Promise<ReleaseRecord> {
    const record = await store.getRelease(id);
    if (!record) throw new ApiError(404, `release "${id}" not found`);
    return record;
  }
}

export const links = (id: string) => {
  const self = `/api/v1/releases/${encodeURIComponent(id)}`;
  return {
    self,
    verdict: `${self}/verdict`,
    checkpoints: `${self}/checkpoints`,
    complete: `${self}/complete`,
    abort: `${self}/abort`,
  };
};
