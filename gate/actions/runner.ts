/**
 * The action sink: a `VerdictSink` that decides when each action runs and hands every run to the
 * delivery module (`delivery.ts`: timeouts, retries with jitter, redaction, records, audit).
 *
 *  - enter: the release's (governed) decision changed to one of the action's `on` decisions;
 *  - repeat: it stayed there and the action asks to be repeated (`repeatEveryMs`: Alertmanager
 *    forgets an alert it has not heard of for `resolve_timeout`);
 *  - leave: it left them, or the release closed while in one (`resolvesOnLeave`: the alert ends).
 *
 * Steering actions (webhook, Traefik, Grafana) run in a sink that awaits them, on purpose: the
 * pipeline checkpoints (and acknowledges the batch) only after its sinks return, so a crash
 * mid-action replays the verdict and the action runs again. Replays are made idempotent here: an
 * action that already succeeded for the same (release, kind, target, verdict time) is not entered
 * twice — a Traefik `reduce-traffic` replayed would otherwise halve the weight twice. Worst-case
 * time per change is bounded by the policy (attempts × timeout + backoff).
 *
 * Alerts (Alertmanager, chat) run in a `background` sink: `onVerdict` queues their deliveries and
 * returns at once, so the pipeline never waits for an alert receiver; `drain()` waits for them.
 */
import type { Decision, Verdict } from '../../analyzer/index.ts';
import type { VerdictSink } from '../../pipeline/index.ts';
import type { ReleaseRecord, Store } from '../../store/index.ts';
import { silentLogger, type Logger } from '../../analyzer/logger.ts';
import { redactSecrets } from '../../collector/observe/redact.ts';
import { deliver, resolvePolicy, type DeliveryPolicy } from './delivery.ts';
import type { Action, ActionContext, ActionPhase } from './types.ts';

/** The house's logger (analyzer/logger.ts). */
export type ActionLogger = Logger;

export interface ActionSinkOptions {
  store: Pick<Store, 'listActions' | 'recordAction' | 'updateAction' | 'appendAudit'>;
  actions: readonly Action[];
  /** the delivery policy: attempts, backoff caps, timeout per attempt */
  retry?: DeliveryPolicy;
  /** queue the deliveries and return at once (alerts); default: await them (steering actions) */
  background?: boolean;
  /** epoch ms for records and repeats (default Date.now) */
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
   * Called once the actions entered by a changed decision have run (whatever their outcome, which
   * the records hold): the gate closes the release on a final `rollback` or `promote` here, so the
   * actions that end a rollout also end its release. Must not wait for the pipeline to stop the
   * release: the pipeline holds the release's lock while its sinks run.
   */
  afterActions?: (verdict: Verdict, record: ReleaseRecord) => Promise<void>;
}

export interface ActionSink extends VerdictSink {
  /** the release closed (completed, aborted, superseded): actions that hold state for it end it */
  releaseClosed(releaseId: string, at?: number): void;
  /** waits for every queued delivery (background sinks; tests, shutdown) */
  drain(): Promise<void>;
}

/** What is stored as the action's payload: enough to find it again on a replay, no secret. */
interface ActionPayload {
  verdictAt: number;
  previous: string | null;
  phase: ActionPhase;
}

interface Job {
  action: Action;
  context: ActionContext;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createActionSink(options: ActionSinkOptions): ActionSink {
  const { store, actions } = options;
  const policy = resolvePolicy(options.retry);
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const govern = options.govern ?? (async (v: Verdict) => v);
  const deliverOptions = {
    ledger: store,
    policy,
    clock,
    sleep: options.sleep ?? defaultSleep,
    logger,
    ...(options.random ? { random: options.random } : {}),
  };
  /** last delivery time per (release, action) of the actions that repeat; 0: the last one failed */
  const lastSent = new Map<string, number>();
  /** the last verdict of each release that is inside an action's `on` where that action resolves on leave */
  const holding = new Map<string, { verdict: Verdict; record: ReleaseRecord }>();
  let queue: Promise<void> = Promise.resolve();
  const keyOf = (releaseId: string, action: Action) => `${releaseId}\u0000${action.kind}\u0000${action.target}`;
  const resolving = actions.filter((a) => a.resolvesOnLeave);

  async function alreadyDone(action: Action, verdict: Verdict): Promise<boolean> {
    const records = await store.listActions({ releaseId: verdict.releaseId });
    return records.some((a) => {
      const payload = a.payload as Partial<ActionPayload> | undefined;
      return (
        a.kind === action.kind &&
        a.target === action.target &&
        a.decision === verdict.decision &&
        a.state === 'succeeded' &&
        payload?.verdictAt === verdict.at &&
        (payload.phase ?? 'enter') === 'enter'
      );
    });
  }

  async function runJob({ action, context }: Job): Promise<void> {
    const { verdict, previous, phase } = context;
    if (phase === 'enter' && (await alreadyDone(action, verdict))) {
      logger.info(
        { releaseId: verdict.releaseId, kind: action.kind, target: action.target },
        'action already succeeded for this verdict (replay); not run again',
      );
      return;
    }
    const payload: ActionPayload = { verdictAt: verdict.at, previous: previous?.decision ?? null, phase };
    const outcome = await deliver(action, context, { ...deliverOptions, payload });
    // counted as sent when scheduled (a background queue may not have run it before the next
    // verdict); a failure is not: the next verdict tries again
    if (phase !== 'leave' && action.repeatEveryMs !== undefined && outcome.state === 'failed')
      lastSent.set(keyOf(verdict.releaseId, action), 0);
  }

  async function runAll(jobs: Job[]): Promise<void> {
    await Promise.all(
      jobs.map((job) =>
        runJob(job).catch((err: unknown) =>
          // the store failing mid-way: logged, never thrown at the pipeline (VerdictSink contract)
          logger.error(
            { releaseId: job.context.verdict.releaseId, kind: job.action.kind, err: redactSecrets(String(err)) },
            'action bookkeeping failed',
          ),
        ),
      ),
    );
  }

  /** Runs now (steering) or queued (background); resolves when the caller may go on. */
  function dispatch(jobs: Job[], then?: () => Promise<void>): Promise<void> {
    const work = async () => {
      await runAll(jobs);
      await then?.();
    };
    if (!options.background) return work();
    queue = queue.then(work, work);
    return Promise.resolve();
  }

  function jobsFor(verdict: Verdict, governedPrevious: Verdict | undefined, record: ReleaseRecord): Job[] {
    const before: Decision | undefined = governedPrevious?.decision;
    const active = record.status === 'active';
    const jobs: Job[] = [];
    const id = verdict.releaseId;
    const held = holding.get(id);
    const push = (action: Action, context: ActionContext) => {
      if (action.repeatEveryMs !== undefined) {
        if (context.phase === 'leave') lastSent.delete(keyOf(id, action));
        else lastSent.set(keyOf(id, action), clock());
      }
      jobs.push({ action, context });
    };
    for (const action of actions) {
      const inNow = action.on.has(verdict.decision);
      const wasIn = before !== undefined && action.on.has(before);
      const base = { verdict, record };
      if (action.resolvesOnLeave && !active) {
        // a closed release: end what is held, start nothing
        if (held && action.on.has(held.verdict.decision))
          push(action, { ...base, previous: held.verdict, phase: 'leave' });
        continue;
      }
      if (before !== verdict.decision) {
        if (action.resolvesOnLeave && wasIn) push(action, { ...base, previous: governedPrevious, phase: 'leave' });
        if (inNow) push(action, { ...base, previous: governedPrevious, phase: 'enter' });
      } else if (inNow && action.repeatEveryMs !== undefined) {
        const last = lastSent.get(keyOf(id, action));
        if (last === undefined || clock() - last >= action.repeatEveryMs)
          push(action, { ...base, previous: governedPrevious, phase: last === undefined ? 'enter' : 'repeat' });
      }
    }
    if (resolving.length > 0) {
      if (active && resolving.some((a) => a.on.has(verdict.decision))) holding.set(id, { verdict, record });
      else holding.delete(id);
    }
    return jobs;
  }

  return {
    name: options.name ?? 'actions',
    async onVerdict(engineVerdict: Verdict, previous: Verdict | undefined, record: ReleaseRecord) {
      const id = engineVerdict.releaseId;
      let verdict: Verdict;
      let governedPrevious: Verdict | undefined;
      try {
        verdict = await govern(engineVerdict, record);
        // the previous verdict is governed afresh rather than remembered: on a replay after a restart
        // it is the checkpoint's, and a remembered later decision would make a non-change look like one
        governedPrevious = previous ? await govern(previous, record) : undefined;
      } catch (err) {
        logger.error({ releaseId: id, err: redactSecrets(String(err)) }, 'governing the verdict failed; no action run');
        return;
      }
      const jobs = jobsFor(verdict, governedPrevious, record);
      const entered = jobs.some((j) => j.context.phase === 'enter' && governedPrevious?.decision !== verdict.decision);
      const after =
        entered && options.afterActions
          ? () =>
              options.afterActions!(verdict, record).catch((err: unknown) =>
                logger.error(
                  { releaseId: id, err: redactSecrets(String(err)) },
                  'closing the release after its actions failed',
                ),
              )
          : undefined;
      if (jobs.length > 0 || after) await dispatch(jobs, after);
    },
    releaseClosed(releaseId: string, at = clock()) {
      const held = holding.get(releaseId);
      holding.delete(releaseId);
      for (const action of actions) lastSent.delete(keyOf(releaseId, action));
      if (!held) return;
      const verdict = { ...held.verdict, at };
      const { record } = held;
      const jobs = resolving
        .filter((a) => a.on.has(held.verdict.decision))
        .map((action) => ({ action, context: { verdict, previous: held.verdict, record, phase: 'leave' as const } }));
      void dispatch(jobs);
    },
    async drain() {
      // a job queued while draining is waited for too
      let seen: Promise<void>;
      do {
        seen = queue;
        await seen;
      } while (seen !== queue);
    },
  };
}
