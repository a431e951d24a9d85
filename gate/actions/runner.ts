/**
 * The action sink: a `VerdictSink` that, when a release's decision changes, runs every configured
 * action wanting the new decision — concurrently with each other, each retried with backoff —
 * and records each action (`store.recordAction`), each attempt (`store.updateAction`, which keeps
 * the attempt history) and an audit entry `action.run` per attempt.
 *
 * It awaits its actions before returning, on purpose: the pipeline checkpoints (and acknowledges
 * the batch) only after its sinks return, so a crash mid-action replays the verdict and the action
 * runs again. Replays are made idempotent here: an action that already succeeded for the same
 * (release, kind, target, verdict time) is not run twice — a Traefik `reduce-traffic` replayed
 * would otherwise halve the weight twice. Worst-case time per change is bounded by the retry
 * policy (attempts × timeout + backoff).
 */
import type { Decision, Verdict } from '../../analyzer/index.ts';
import type { VerdictSink } from '../../pipeline/index.ts';
import type { ActionRecord, ReleaseRecord, Store } from '../../store/index.ts';
import { backoffDelay, resolveRetry, type RetryOptions } from './retry.ts';
import { silentLogger, type Logger } from '../../analyzer/logger.ts';
import type { Action, ActionContext } from './types.ts';

/** The house's logger (analyzer/logger.ts). */
export type ActionLogger = Logger;

export interface ActionSinkOptions {
  store: Store;
  actions: readonly Action[];
  retry?: RetryOptions;
  /** epoch ms for records (default Date.now) */
  clock?: () => number;
  /** waits between attempts (default setTimeout); tests pass a fast one */
  sleep?: (ms: number) => Promise<void>;
  /** in [0, 1) (default Math.random), for the jitter */
  random?: () => number;
  logger?: ActionLogger;
  name?: string;
  /**
   * Turns the engine's verdict into the one the gate reports (governance: failure action, backup
   * checkpoint, approvals), so the actions steer by what Argo and Flagger are told — a
   * schema change without a backup must not be promoted by the Traefik action either. The gate
   * wires `(v, r) => governedVerdict(store, governance, r, now, v)`; default: the verdict as is.
   */
  govern?: (verdict: Verdict, record: ReleaseRecord) => Promise<Verdict>;
  /**
   * Called once the actions of a changed decision have run (whatever their outcome, which the
   * records hold): the gate closes the release on a final `rollback` or `promote` here, so the
   * actions that end a rollout also end its release. Must not wait for the pipeline to stop the
   * release: the pipeline holds the release's lock while its sinks run.
   */
  afterActions?: (verdict: Verdict, record: ReleaseRecord) => Promise<void>;
}

/** What is stored as the action's payload: enough to find it again on a replay, no secret. */
interface ActionPayload {
  verdictAt: number;
  previous: string | null;
}

const quiet: ActionLogger = silentLogger;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createActionSink(options: ActionSinkOptions): VerdictSink {
  const { store, actions } = options;
  const retry = resolveRetry(options.retry);
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? quiet;
  const govern = options.govern ?? (async (v: Verdict) => v);

  async function alreadyDone(action: Action, verdict: Verdict): Promise<boolean> {
    const records = await store.listActions({ releaseId: verdict.releaseId });
    return records.some(
      (a) =>
        a.kind === action.kind &&
        a.target === action.target &&
        a.decision === verdict.decision &&
        a.state === 'succeeded' &&
        (a.payload as ActionPayload | undefined)?.verdictAt === verdict.at,
    );
  }

  async function runOne(action: Action, context: ActionContext): Promise<void> {
    const { verdict, previous } = context;
    const releaseId = verdict.releaseId;
    const where = { releaseId, kind: action.kind, target: action.target, decision: verdict.decision };
    if (await alreadyDone(action, verdict)) {
      logger.info(where, 'action already succeeded for this verdict (replay); not run again');
      return;
    }
    const created = clock();
    const payload: ActionPayload = { verdictAt: verdict.at, previous: previous?.decision ?? null };
    const record: ActionRecord = {
      releaseId,
      kind: action.kind,
      decision: verdict.decision,
      target: action.target,
      state: 'pending',
      attempts: 0,
      createdAt: created,
      updatedAt: created,
      payload,
    };
    const id = await store.recordAction(record);
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      let result: unknown;
      let error: string | undefined;
      try {
        result = await action.run(context);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      const state = error === undefined ? 'succeeded' : attempt === retry.attempts ? 'failed' : 'pending';
      const at = clock();
      await store.updateAction(id, {
        state,
        attempts: attempt,
        updatedAt: at,
        ...(error !== undefined ? { lastError: error } : {}),
      });
      const detail: Record<string, unknown> = {
        actionId: id,
        kind: action.kind,
        target: action.target,
        decision: verdict.decision,
        verdictAt: verdict.at,
        attempt,
        state,
      };
      if (error !== undefined) detail.error = error;
      if (result !== undefined) detail.result = result;
      await store.appendAudit({ at, actor: 'system', action: 'action.run', releaseId, detail });
      if (state === 'succeeded') {
        logger.info({ ...where, attempt }, 'action succeeded');
        return;
      }
      if (state === 'failed') {
        logger.error({ ...where, attempt, error }, 'action failed; attempts exhausted');
        return;
      }
      const wait = backoffDelay(attempt, retry, random);
      logger.warn({ ...where, attempt, error, retryInMs: wait }, 'action attempt failed; retrying');
      await sleep(wait);
    }
  }

  return {
    name: options.name ?? 'actions',
    async onVerdict(engineVerdict: Verdict, previous: Verdict | undefined, record: ReleaseRecord) {
      const id = engineVerdict.releaseId;
      let verdict: Verdict;
      let before: Decision | undefined;
      try {
        verdict = await govern(engineVerdict, record);
        // the previous verdict is governed afresh rather than remembered: on a replay after a restart
        // it is the checkpoint's, and a remembered later decision would make a non-change look like one
        before = previous ? (await govern(previous, record)).decision : undefined;
      } catch (err) {
        logger.error({ releaseId: id, err: String(err) }, 'governing the verdict failed; no action run');
        return;
      }
      if (before === verdict.decision) return;
      const wanted = actions.filter((a) => a.on.has(verdict.decision));
      const context: ActionContext = { verdict, previous, record };
      await Promise.all(
        wanted.map((action) =>
          runOne(action, context).catch((err: unknown) =>
            // the store failing mid-way: logged, never thrown at the pipeline (VerdictSink contract)
            logger.error(
              { releaseId: verdict.releaseId, kind: action.kind, target: action.target, err: String(err) },
              'action bookkeeping failed',
            ),
          ),
        ),
      );
      if (wanted.length > 0 && options.afterActions) {
        await options
          .afterActions(verdict, record)
          .catch((err: unknown) =>
            logger.error({ releaseId: id, err: String(err) }, 'closing the release after its actions failed'),
          );
      }
    },
  };
}
