/**
 * The one owner of a release's lifecycle in a process that analyses: when a release starts, its
 * sources (scrape targets, PromQL queries) begin collecting and the pipeline opens its engine;
 * when it stops (completed, aborted, superseded, closed by its own actions) the sources stop, its
 * open alerts resolve and the pipeline checkpoints and drops it; when the pipeline drops a release
 * on its own (quarantined, closed or unknown to the store), its sources stop too. Everything that
 * starts or stops a release — the gate, the actions, the store reconciliation of the analysis
 * role — goes through here, so no periodic sweep has to bring the parts back in step.
 */
import type { AnalysisSpec, Release } from '../analyzer/index.ts';
import type { PromqlCollector, ReleaseCollector } from '../collector/index.ts';
import type { ReleaseRunner, Pipeline } from '../pipeline/index.ts';
import type { ReleaseRecord } from '../store/index.ts';
import type { Logger } from '../analyzer/logger.ts';

/** A sink with alerts to resolve when its release stops (Alertmanager). */
export interface ResolvingSink {
  resolve(releaseId: string): void;
}

export interface ReleaseLifecycleParts {
  pipeline: Pick<Pipeline, 'start' | 'stop' | 'active'>;
  collector: ReleaseCollector;
  promql?: PromqlCollector;
  resolving?: ResolvingSink[];
  logger: Logger;
  /**
   * Whether this process collects for the release (default: every release). Several analysis
   * processes share the releases by bus partition: each scrapes only the releases it owns, or
   * two processes would publish the same samples twice.
   */
  collects?: (releaseId: string) => boolean;
}

export class ReleaseLifecycle implements ReleaseRunner {
  /** the releases whose sources run here */
  readonly #following = new Set<string>();
  /**
   * Dropped by the pipeline: not collected for again by a reconciliation. The store closes a
   * quarantined release, but keeps it active when recording that failed (and until a supersede or
   * close reaches it), so a reconciliation may still see it listed.
   */
  readonly #dropped = new Set<string>();

  constructor(private readonly parts: ReleaseLifecycleParts) {}

  /** Starts collecting for an active release and opens its analysis (resumed from its checkpoint). */
  async start(record: ReleaseRecord): Promise<void> {
    this.#dropped.delete(record.release.id);
    if (record.status === 'active') this.follow(record.release, record.spec);
    await this.parts.pipeline.start(record); // a closed one: logged and left alone there
  }

  /** Stops collecting, resolves its alerts and stops its analysis; idempotent. */
  async stop(releaseId: string): Promise<void> {
    this.unfollow(releaseId);
    this.#dropped.delete(releaseId);
    for (const sink of this.parts.resolving ?? []) sink.resolve(releaseId);
    await this.parts.pipeline.stop(releaseId);
  }

  active(): string[] {
    return this.parts.pipeline.active();
  }

  /**
   * The pipeline dropped the release by itself (quarantine, closed, unknown): its sources stop.
   * Its open alerts stay open on purpose: a quarantined release ends `inconclusive`, which asks a
   * human to decide, and resolving its alerts here would hide that.
   */
  dropped(releaseId: string): void {
    this.unfollow(releaseId);
    this.#dropped.add(releaseId);
  }

  /**
   * Brings this process in step with the store's active releases (the analysis role: the api
   * processes register and close them): collects for the active ones it owns, stops the ones
   * closed meanwhile, lets go of the ones whose partition moved to another member.
   */
  async reconcile(active: ReadonlyMap<string, ReleaseRecord>): Promise<void> {
    for (const id of [...this.#following]) {
      if (!active.has(id)) await this.stop(id);
      else if (this.parts.collects && !this.parts.collects(id)) this.unfollow(id);
    }
    for (const id of [...this.#dropped]) if (!active.has(id)) this.#dropped.delete(id);
    for (const record of active.values()) this.follow(record.release, record.spec);
  }

  /** The releases whose sources are running. */
  following(): ReadonlySet<string> {
    return this.#following;
  }

  /** Starts the sources of a release without touching the pipeline (it opens the release at its first batch). */
  follow(release: Release, spec: AnalysisSpec): void {
    if (this.#following.has(release.id) || this.#dropped.has(release.id)) return;
    if (this.parts.collects && !this.parts.collects(release.id)) return;
    this.#following.add(release.id);
    for (const problem of this.parts.collector.addRelease(release))
      this.parts.logger.warn({ releaseId: release.id }, problem.message);
    this.parts.promql?.addRelease(release, spec); // its problems go to its onError (logged by the caller)
  }

  unfollow(releaseId: string): void {
    this.#following.delete(releaseId);
    this.parts.collector.removeRelease(releaseId);
    this.parts.promql?.removeRelease(releaseId);
  }
}
