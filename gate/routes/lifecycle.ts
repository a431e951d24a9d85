/**
 * How a release ends, in one place (the close endpoints, Flagger's post-rollout hook, a newer
 * release of the same target, and the actions of a final decision all go through here):
 * the store closes it with its audit entry, the verdict cache forgets it, the analysis stops.
 *
 * A release's target is its service, environment and tenant: a newer release of the same target
 * supersedes the older (closed as `superseded` with `supersededBy` naming the newer, audit action
 * `release.supersede`),
 * because a controller only ever rolls out one revision per target — an older release left active
 * would keep its last verdict on /metrics and in the Flagger finder long after its pods are gone.
 */
import type { Decision, GovernanceConfig } from '../../analyzer/index.ts';
import type { ReleaseRunner } from '../../pipeline/index.ts';
import { StoreNotFoundError, type ReleaseRecord, type ReleaseStatus, type Store } from '../../store/index.ts';
import type { GateLogger } from '../deps.ts';
import type { VerdictCache } from '../verdictCache.ts';

export const SUPERSEDE_ACTION = 'release.supersede';

export interface CloseRequest {
  status: Exclude<ReleaseStatus, 'active'>;
  at: number;
  actor: string;
  /** audit action, e.g. `release.complete`, `release.supersede`, `flagger.post-rollout` */
  action: string;
  /** with status `superseded`: the newer release that replaced it */
  supersededBy?: string;
  detail?: Record<string, unknown>;
}

export interface ReleaseCloserDeps {
  store: Store;
  cache?: Pick<VerdictCache, 'invalidate'>;
  /** the live loop: stopped after the close (never awaited from inside one of its sinks) */
  runner?: Pick<ReleaseRunner, 'stop'>;
  logger: GateLogger;
}

export interface CloseOptions {
  /**
   * Stop the release's analysis (default true). False after a promotion whose class keeps a
   * post-release watch: the watch goes on judging the promoted version (a late regression still
   * raises `rollback` and its actions); it lives in the running process only.
   */
  stopAnalysis?: boolean;
  /** false from a verdict sink: the pipeline holds the release's lock while its sinks run */
  awaitStop?: boolean;
}

export interface ReleaseCloser {
  /** Closes an active release; false when it was not active (no audit entry then). Throws `StoreNotFoundError` for an unknown id. */
  close(id: string, request: CloseRequest, options?: CloseOptions): Promise<boolean>;
  /** Closes every other active release of the record's target registered before it; returns their ids. */
  supersede(record: ReleaseRecord, at: number, actor: string): Promise<string[]>;
}

/** Same service, environment and tenant (no tenant matches no tenant). */
export function sameTarget(a: ReleaseRecord, b: ReleaseRecord): boolean {
  return (
    a.release.service === b.release.service &&
    a.release.environment === b.release.environment &&
    (a.release.tenant ?? '') === (b.release.tenant ?? '')
  );
}

/** Whether the release's class keeps judging it after a promotion (then closing it leaves the analysis running). */
export function keepsWatching(governance: GovernanceConfig, record: ReleaseRecord): boolean {
  return (governance.classes[record.release.class]?.postReleaseWatchMs ?? 0) > 0;
}

/** The status a final decision closes a release with (rollback: aborted, promote: completed), if any. */
export function closingStatus(decision: Decision): Exclude<ReleaseStatus, 'active'> | undefined {
  if (decision === 'rollback') return 'aborted';
  if (decision === 'promote') return 'completed';
  return undefined;
}

export function createReleaseCloser(deps: ReleaseCloserDeps): ReleaseCloser {
  const { store, cache, runner, logger } = deps;

  async function close(id: string, request: CloseRequest, options: CloseOptions = {}): Promise<boolean> {
    const closed = await store.closeRelease(
      id,
      request.status,
      request.at,
      { at: request.at, actor: request.actor, action: request.action, releaseId: id, detail: request.detail },
      request.supersededBy,
    );
    cache?.invalidate(id);
    if (!closed) return false;
    if (runner && options.stopAnalysis !== false) {
      const stopping = runner
        .stop(id)
        .catch((error: unknown) =>
          logger.error({ releaseId: id, err: (error as Error).message }, 'the runner failed to stop'),
        );
      if (options.awaitStop !== false) await stopping;
    }
    logger.info(
      { releaseId: id, actor: request.actor, status: request.status, action: request.action },
      `release ${request.status}`,
    );
    return true;
  }

  async function supersede(record: ReleaseRecord, at: number, actor: string): Promise<string[]> {
    const id = record.release.id;
    const older: ReleaseRecord[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await store.listReleases({
        service: record.release.service,
        environment: record.release.environment,
        status: 'active',
        limit: 1000,
        offset,
      });
      older.push(
        ...page.filter((r) => r.release.id !== id && sameTarget(r, record) && r.registeredAt <= record.registeredAt),
      );
      if (page.length < 1000) break;
    }
    const closed: string[] = [];
    for (const r of older) {
      try {
        const done = await close(r.release.id, {
          status: 'superseded',
          supersededBy: id,
          at,
          actor,
          action: SUPERSEDE_ACTION,
          detail: { supersededBy: id, version: record.release.version },
        });
        if (done) closed.push(r.release.id);
      } catch (error) {
        if (!(error instanceof StoreNotFoundError)) throw error; // deleted meanwhile: nothing to supersede
      }
    }
    if (closed.length > 0)
      logger.info({ releaseId: id, superseded: closed }, 'older releases of the same target superseded');
    return closed;
  }

  return { close, supersede };
}
