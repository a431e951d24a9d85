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
 *  - `rollback` is inverted: 200–202 makes Flagger roll back now; anything else lets it carry on.
 * Flagger cannot easily send custom headers to a webhook, so the token may come in
 * `metadata.token` (a string in the Canary's `webhooks[].metadata`) as well as in a bearer header.
 * The token is never logged or echoed.
 */
import { BACKUP_REQUIRED_REASON, type Verdict } from '../../analyzer/index.ts';
import type { ReleaseRecord } from '../../store/index.ts';
import { bearerToken } from '../auth.ts';
import { authorize } from '../guard.ts';
import { ApiError, readJson, RELEASE_ID, validate } from '../http.ts';
import { flaggerPayloadSchema, type FlaggerPayload } from '../schemas.ts';
import { governedVerdict } from '../verdicts.ts';
import type { RouteContext } from './context.ts';

export const FLAGGER_HOOKS = ['confirm-rollout', 'pre-rollout', 'confirm-promotion', 'rollback'] as const;
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
  if (hook === 'rollback') {
    if (record.status === 'aborted') return { status: 200, reason: 'release aborted: roll back' };
    return failing && record.status === 'active' ? { status: 200, reason: `roll back (${decided})` } : { status: 409, reason: `carry on (${decided})` };
  }
  if (record.status !== 'active') return { status: 409, reason: `release is ${record.status}` };
  if (hook === 'confirm-promotion') {
    return verdict.decision === 'promote' ? { status: 200, reason: 'promote' } : { status: 409, reason: `hold promotion (${decided})` };
  }
  // confirm-rollout, pre-rollout: the release is registered and governance lets it start
  if (verdict.reasons[0] === BACKUP_REQUIRED_REASON) return { status: 409, reason: `hold: ${BACKUP_REQUIRED_REASON}` };
  if (failing) return { status: 409, reason: `hold (${decided})` };
  return { status: 200, reason: `proceed (${decided})` };
}

export function flaggerRoutes({ app, deps, clock, logger }: RouteContext): void {
  const { store, governance, tokens } = deps;

  /** metadata.releaseId if given; else the newest release of service = name (or metadata.service) in environment = namespace (or metadata.environment), active first. */
  async function findRelease(p: FlaggerPayload): Promise<ReleaseRecord | undefined> {
    const id = p.metadata?.releaseId;
    if (id !== undefined) {
      if (!RELEASE_ID.test(id)) throw new ApiError(400, 'invalid Flagger payload', ['metadata.releaseId: letters, digits and . _ : - only (max 128)']);
      return store.getRelease(id);
    }
    const candidates = await store.listReleases({ service: p.metadata?.service ?? p.name, environment: p.metadata?.environment ?? p.namespace, limit: 100 });
    const rank = (r: ReleaseRecord) => (r.status === 'active' ? 1 : 0);
    return candidates.sort((a, b) => rank(b) - rank(a) || b.registeredAt - a.registeredAt)[0];
  }

  for (const hook of FLAGGER_HOOKS) {
    app.post(`/api/v1/flagger/${hook}`, async (c) => {
      const raw = await readJson(c);
      const fromMetadata = (raw as { metadata?: { token?: unknown } } | null)?.metadata?.token;
      const token = bearerToken(c.req.header('authorization')) ?? (typeof fromMetadata === 'string' ? fromMetadata : undefined);
      // webhooks never run unauthenticated, whatever allowAnonymousRead says; reader suffices: they only read verdicts
      const identity = authorize(tokens, token, 'reader');
      c.set('identity', identity); // the access log shows the token's name
      const payload = validate(flaggerPayloadSchema, raw, 'Flagger payload');
      const record = await findRelease(payload);
      const where = { hook, canary: `${payload.namespace}/${payload.name}`, phase: payload.phase, actor: identity.name };
      if (!record) {
        logger.warn(where, 'Flagger webhook for an unknown release');
        // 404 holds the three gating hooks and, on the rollback hook, lets Flagger carry on
        throw new ApiError(404, `no release for canary ${payload.namespace}/${payload.name} (register it first, or set metadata.releaseId)`);
      }
      const verdict = await governedVerdict(store, governance, record, clock());
      const answer = answerHook(hook, record, verdict);
      logger.info({ ...where, releaseId: record.release.id, decision: verdict.decision, status: answer.status }, 'Flagger webhook answered');
      return c.json({ hook, releaseId: record.release.id, success: answer.status === 200, reason: answer.reason, decision: verdict.decision, reasons: verdict.reasons }, answer.status);
    });
  }
}
