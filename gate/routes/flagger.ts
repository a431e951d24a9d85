/**
 * Flagger webhooks (Flagger v1.44, `pkg/controller/webhook.go` and `scheduler_hooks.go`):
 *  - Flagger POSTs `{"name","namespace","phase","checksum","metadata":{...}}` with
 *    `Content-Type: application/json` to every hook and treats status 200–202 as success; 203–299
 *    and every other status are failures (`if r.StatusCode > 202`), and so is a timeout (default
 *    10 s, the webhook's `timeout`).
 *  - `confirm-rollout` (before scaling up the canary) and `confirm-promotion` (before promoting) are
 *    retried at every analysis interval until they succeed: a failure HOLDS the rollout.
 *  - `pre-rollout` (before routing traffic): a failure counts against the analysis `threshold`
 *    and eventually rolls back.
 *  - `rollout` (an analysis check at every interval, `runAnalysis`): a failure halts the advance
 *    and counts against the analysis `threshold` like a failed metric check.
 *  - `rollback` is inverted: 200–202 makes Flagger roll back now; anything else lets it carry on.
 *  - `post-rollout` (after promotion, phase `Succeeded`, or after a rollback, phase `Failed`): a
 *    failure is only an event. The gate closes the release here — completed or aborted — so the
 *    release's answers and gauges end with the rollout (a class's post-release watch goes on
 *    judging a promoted version); it changes state, so it needs an operator token (the other
 *    hooks only read and take a reader token).
 * Flagger cannot easily send custom headers to a webhook, so the token may come in
 * `metadata.token` (a string in the Canary's `webhooks[].metadata`) as well as in a bearer header.
 * The token is never logged or echoed.
 */
import { BACKUP_REQUIRED_REASON, type Verdict } from '../../analyzer/index.ts';
import type { ReleaseRecord } from '../../store/index.ts';
import { bearerToken, type Role } from '../auth.ts';
import { authorize } from '../guard.ts';
import { ApiError, readJson, RELEASE_ID, validate, type GateContext } from '../http.ts';
import { flaggerPayloadSchema, type FlaggerPayload } from '../wireFormat.ts';
import { governedVerdict } from '../verdicts.ts';
import type { RouteContext } from './context.ts';
import { createReleaseCloser, keepsWatching } from './lifecycle.ts';

/** The hooks answered from the verdict; `post-rollout` (which closes the release) is apart. */
export const FLAGGER_HOOKS = ['confirm-rollout', 'pre-rollout', 'rollout', 'confirm-promotion', 'rollback'] as const;
export type FlaggerHook = (typeof FLAGGER_HOOKS)[number];

export interface HookAnswer {
  /** 200 lets Flagger proceed (rollback hook: makes it roll back); 409 holds (rollback hook: carry on) */
  status: 200 | 409;
  reason: string;
}

/**
 * The answer of one hook for a release's governed verdict (pure, exported for tests).
 * `reduce-traffic` rolls back under Flagger: Flagger can only advance, hold or roll back, and a
 * reduce-traffic verdict means harm was found with confidence.
 */
export function answerHook(hook: FlaggerHook, record: ReleaseRecord, verdict: Verdict): HookAnswer {
  const failing = verdict.decision === 'rollback' || verdict.decision === 'reduce-traffic';
  const decided = `decision ${verdict.decision}: ${verdict.reasons[0] ?? ''}`.trim();
  if (record.status === 'superseded')
    return { status: 409, reason: `release superseded by ${record.supersededBy ?? 'a newer release'}` };
  if (hook === 'rollback') {
    if (record.status === 'aborted') return { status: 200, reason: 'release aborted: roll back' };
    return failing && record.status === 'active'
      ? { status: 200, reason: `roll back (${decided})` }
      : { status: 409, reason: `carry on (${decided})` };
  }
  if (record.status !== 'active') return { status: 409, reason: `release is ${record.status}` };
  if (hook === 'confirm-promotion') {
    return verdict.decision === 'promote'
      ? { status: 200, reason: 'promote' }
      : { status: 409, reason: `hold promotion (${decided})` };
  }
  // rollout: an analysis check — it fails only on harm found (a warming-up or undecided release observes on)
  if (hook === 'rollout')
    return failing ? { status: 409, reason: `halt (${decided})` } : { status: 200, reason: `observe (${decided})` };
  // confirm-rollout, pre-rollout: the release is registered and governance lets it start
  if (verdict.reasons[0] === BACKUP_REQUIRED_REASON) return { status: 409, reason: `hold: ${BACKUP_REQUIRED_REASON}` };
  if (failing) return { status: 409, reason: `hold (${decided})` };
  return { status: 200, reason: `proceed (${decided})` };
}

export function flaggerRoutes({ app, deps, clock, logger, cache }: RouteContext): void {
  const { store, governance, tokens } = deps;
  const closer = createReleaseCloser({ store, cache, logger, ...(deps.runner ? { runner: deps.runner } : {}) });

  /** metadata.releaseId if given; else the newest release of service = name (or metadata.service) in environment = namespace (or metadata.environment), active first. */
  async function findRelease(p: FlaggerPayload): Promise<ReleaseRecord | undefined> {
    const id = p.metadata?.releaseId;
    if (id !== undefined) {
      if (!RELEASE_ID.test(id))
        throw new ApiError(400, 'invalid Flagger payload', [
          'metadata.releaseId: letters, digits and . _ : - only (max 128)',
        ]);
      return store.getRelease(id);
    }
    const candidates = await store.listReleases({
      service: p.metadata?.service ?? p.name,
      environment: p.metadata?.environment ?? p.namespace,
      limit: 100,
    });
    const rank = (r: ReleaseRecord) => (r.status === 'active' ? 1 : 0);
    return candidates.sort((a, b) => rank(b) - rank(a) || b.registeredAt - a.registeredAt)[0];
  }

  /** Authenticates (bearer header or metadata.token), validates and finds the release; 404 when there is none. */
  async function receive(c: GateContext, hook: FlaggerHook | 'post-rollout', role: Role) {
    const raw = await readJson(c);
    const fromMetadata = (raw as { metadata?: { token?: unknown } } | null)?.metadata?.token;
    const token =
      bearerToken(c.req.header('authorization')) ?? (typeof fromMetadata === 'string' ? fromMetadata : undefined);
    // webhooks never run unauthenticated, whatever allowAnonymousRead says
    const identity = authorize(tokens, token, role);
    c.set('identity', identity); // the access log shows the token's name
    const payload = validate(flaggerPayloadSchema, raw, 'Flagger payload');
    const record = await findRelease(payload);
    const where = { hook, canary: `${payload.namespace}/${payload.name}`, phase: payload.phase, actor: identity.name };
    if (!record) {
      logger.warn(where, 'Flagger webhook for an unknown release');
      // 404 holds the gating hooks, fails the rollout check and, on the rollback hook, lets Flagger carry on
      const id = payload.metadata?.releaseId;
      throw new ApiError(
        404,
        id !== undefined
          ? `release "${id}" (metadata.releaseId) not found`
          : `no release of service "${payload.metadata?.service ?? payload.name}" in environment "${payload.metadata?.environment ?? payload.namespace}" (register it first, or name it in metadata.releaseId)`,
      );
    }
    return { payload, record, where, identity };
  }

  for (const hook of FLAGGER_HOOKS) {
    // reader suffices: these hooks only read verdicts
    app.post(`/api/v1/flagger/${hook}`, async (c) => {
      const { record, where } = await receive(c, hook, 'reader');
      const verdict = await governedVerdict(store, governance, record, clock());
      const answer = answerHook(hook, record, verdict);
      logger.info(
        { ...where, releaseId: record.release.id, decision: verdict.decision, status: answer.status },
        'Flagger webhook answered',
      );
      return c.json(
        {
          hook,
          releaseId: record.release.id,
          success: answer.status === 200,
          reason: answer.reason,
          decision: verdict.decision,
          reasons: verdict.reasons,
        },
        answer.status,
      );
    });
  }

  // post-rollout: the rollout is over; the release ends with it (completed after a promotion,
  // aborted after a rollback). Answered 200 when the release is already closed: nothing to redo.
  app.post('/api/v1/flagger/post-rollout', async (c) => {
    const { payload, record, where, identity } = await receive(c, 'post-rollout', 'operator');
    const phase = payload.phase;
    if (phase !== 'Succeeded' && phase !== 'Failed')
      throw new ApiError(400, 'invalid Flagger payload', [
        `phase: post-rollout comes with Succeeded or Failed, not ${JSON.stringify(phase ?? null)}`,
      ]);
    const id = record.release.id;
    const reply = (reason: string, status?: string) =>
      c.json({ hook: 'post-rollout', releaseId: id, success: true, reason, ...(status ? { status } : {}) }, 200);
    if (record.status !== 'active') return reply(`release already ${record.status}`, record.status);
    const status = phase === 'Succeeded' ? 'completed' : 'aborted';
    // a promoted release of a class with a post-release watch stays under analysis (lifecycle.ts)
    const watching = status === 'completed' && keepsWatching(governance, record);
    await closer.close(
      id,
      {
        status,
        at: clock(),
        actor: identity.name,
        action: 'flagger.post-rollout',
        detail: { phase, canary: where.canary },
      },
      { stopAnalysis: !watching },
    );
    logger.info({ ...where, releaseId: id, status }, 'Flagger post-rollout: release closed');
    return reply(watching ? `release ${status}; the post-release watch goes on` : `release ${status}`, status);
  });
}
