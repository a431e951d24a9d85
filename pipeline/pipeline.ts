/**
 * The live loop (docs/architecture.md, "Data flow"): consumes the bus's `samples` topic in a consumer group,
 * runs one sequential engine per active release, stores each verdict, hands it to the sinks in
 * order and publishes it on the `verdicts` topic.
 *
 * Delivery and restart, the whole argument:
 *  - a batch's acknowledgement is held until a checkpoint covers it: the engine snapshot (with the
 *    per-producer sequence marks of what it has ingested) is saved only once every verdict
 *    produced so far is stored (the outbox is empty). So an acknowledged batch is always inside a
 *    stored checkpoint and its verdicts are stored — a restart loses nothing;
 *  - after a crash the bus redelivers what was not acknowledged; the new owner restores the
 *    checkpoint, skips batches at or below the marks, and re-ingests the rest. The engine is
 *    deterministic, so it emits the very same verdicts again, which the store ignores as duplicates
 *    of (releaseId, at). Sinks see them again, flagged `replayed` (at-least-once; the action sink
 *    is idempotent per verdict through the store);
 *  - held acks are bounded (`checkpointEvery` per release, `maxHeldAcks` in all) so they never
 *    deadlock with the bus's back-pressure.
 * On a bus that dies with the process and redelivers to no one else (`serve`'s in-memory bus),
 * `acknowledge: 'on-delivery'` acknowledges each batch as it arrives instead: there a restart
 * finds the bus empty whatever was held, so holding only kept batches in memory, and checkpoints
 * bound what a restart loses (see `PipelineOptions.acknowledge`).
 */
import type { EngineOptions, Verdict } from '../analyzer/index.ts';
import type { Ack, SampleBatch, Subscription } from '../collector/index.ts';
import { DbError, StoreError, type ReleaseRecord, type Store } from '../store/index.ts';
import {
  lookOffset,
  openLocalAnalysis,
  ReleaseSlot,
  type AnalysisOpener,
  type DeferredBatch,
  type OpenedAnalysis,
} from './analysis.ts';
import { AnalysisThreadLost, startAnalysisThreads, type AnalysisThreads } from './analysisThreads.ts';
import { resolvePipelineOptions, watchMsFor, type PipelineOptions } from './options.ts';
import { progressOf, type PipelineCheckpoint } from './releaseRun.ts';
import type { Pipeline, PipelineStats } from './types.ts';
import { fnv1a32 } from '../analyzer/hash.ts';

const IGNORED_MEMORY = 10_000;

/**
 * Verdict publishes not yet confirmed by the bus, past which `drain` waits for its own: verdicts
 * are published in the background (see `publish`), and this keeps a slow bus slowing the pipeline
 * down rather than growing a queue.
 */
const MAX_UNCONFIRMED_PUBLISHES = 1000;

/** The ack a batch carries once `acknowledge: 'on-delivery'` has acknowledged it: nothing left to do. */
const ACKNOWLEDGED_ON_DELIVERY: Ack = () => Promise.resolve();

/** The audit action of a release closed as `quarantined` (its detail: `{ reason }`, the error). */
const QUARANTINE_ACTION = 'release.quarantine';

/** Subscribes to the bus, resumes the store's active releases (unless told not to) and starts the timer. */
export async function createPipeline(options: PipelineOptions): Promise<Pipeline> {
  const o = resolvePipelineOptions(options);
  const { store, bus, logger, sinks } = o;
  // the governance file's classes reach the judge too (user-defined classes, overridden built-ins)
  const engineOptions: EngineOptions = {
    mode: o.mode,
    intervalMs: o.intervalMs,
    ...(o.governance ? { classes: o.governance.classes } : {}),
  };
  // judge code in worker threads (analysisThreads > 0) or in this thread
  const threads: AnalysisThreads | undefined =
    o.analysisThreads > 0 ? startAnalysisThreads(o.analysisThreads, logger) : undefined;
  const openAnalysis: AnalysisOpener = threads ? threads.open : openLocalAnalysis;
  // look spreading needs the timer that takes the held looks
  const spreadMs = o.tickEveryMs > 0 ? o.lookSpreadMs : 0;
  const runs = new Map<string, ReleaseSlot>();
  const starting = new Map<string, Promise<ReleaseSlot>>();
  /** bumped by forgetAll(); runs it dropped are in `forgotten` */
  let generation = 0;
  const forgotten = new WeakSet<ReleaseSlot>();
  /** ids whose batches are dropped: unknown, closed, or refused; logged once each */
  const ignored = new Set<string>();
  const stats: PipelineStats = {
    batches: 0,
    samples: 0,
    skippedBatches: 0,
    ignoredBatches: 0,
    malformedBatches: 0,
    malformedSamples: 0,
    lateSamples: 0,
    verdicts: 0,
    duplicateVerdicts: 0,
    sinkErrors: 0,
    storeErrors: 0,
    checkpointsRefused: 0,
    publishErrors: 0,
    checkpoints: 0,
    heldAcks: 0,
    quarantined: 0,
    deferredBatches: 0,
    looks: 0,
    lookLagMs: { count: 0, p50: 0, p99: 0, max: 0 },
  };
  /** lag of each scheduled look behind its due time (ms), the last LAG_WINDOW of them */
  const lookLags: number[] = [];
  const LAG_WINDOW = 10_000;
  let closed = false;
  /** per release, the settling of its latest verdict publish (publishes of one release settle in order) */
  const published = new WeakMap<ReleaseSlot, Promise<void>>();
  let unconfirmedPublishes = 0;
  /** acknowledgements handed to the bus and not yet settled (`checkpoint()` and `close()` wait for them) */
  const acknowledging = new Set<Promise<void>>();
  /** batches being handled (bus handler calls not yet settled) */
  const handling = new Set<Promise<void>>();

  function ignore(releaseId: string, why: string): void {
    if (ignored.has(releaseId)) return;
    if (ignored.size >= IGNORED_MEMORY) ignored.delete(ignored.values().next().value as string);
    ignored.add(releaseId);
    logger.warn({ releaseId }, `pipeline: dropping batches of release: ${why}`);
    dropped(releaseId, why);
  }

  function dropped(releaseId: string, why: string): void {
    try {
      o.onDropped?.(releaseId, why);
    } catch (err) {
      logger.error({ releaseId, err: String(err) }, 'pipeline: onDropped failed');
    }
  }

  /**
   * Records the quarantine in the store: the release is closed as `quarantined` with an audit
   * entry (`release.quarantine`) naming the error, so the active list, the index page and a restart
   * no longer take it for a release being judged. Not `aborted`: that means a rollback, and nobody
   * decided one. False when it was not active (a promoted release under its post-release watch
   * stays `completed`) or the store failed (logged: the release then stays active and a restart
   * tries it again, as before this record existed).
   */
  async function closeQuarantined(id: string, why: string, at: number): Promise<boolean> {
    try {
      return await store.closeRelease(id, 'quarantined', at, {
        at,
        actor: 'pipeline',
        action: QUARANTINE_ACTION,
        releaseId: id,
        detail: { reason: why.slice(0, 1000) },
      });
    } catch (err) {
      stats.storeErrors++;
      logger.error(
        { releaseId: id, err: String(err) },
        'pipeline: recording the quarantine failed; the release stays active in the store',
      );
      return false;
    }
  }

  /**
   * The poison-release rule: a release whose analysis throws (a state that cannot be judged, an
   * engine error) is taken out of the pipeline, alone. Its batches are acknowledged and dropped,
   * it gets one final `inconclusive` verdict saying why (Argo Rollouts pauses for a human, Flagger
   * holds; never a promotion), the store closes it as `quarantined`, and every other release goes
   * on. Runs inside `run.exclusive`.
   */
  async function quarantine(run: ReleaseSlot, error: unknown, at: number): Promise<void> {
    const id = run.id;
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    stats.quarantined++;
    logger.error(
      { releaseId: id, err: why },
      `pipeline: release ${id} quarantined: its analysis failed (${why}); it ends inconclusive and the other releases go on — fix its spec or data and register it under a new id`,
    );
    runs.delete(id);
    ignored.add(id);
    dropped(id, `quarantined: ${why}`);
    const last = run.current;
    const verdictAt = Math.max(at, (last?.at ?? 0) + 1, (run.outbox.at(-1)?.at ?? 0) + 1);
    // closed before the verdict is handed on: the sinks (the gate's verdict cache) see the new status
    if (await closeQuarantined(id, why, verdictAt)) run.record = { ...run.record, status: 'quarantined' };
    run.outbox.push({
      releaseId: id,
      at: verdictAt,
      decision: 'inconclusive',
      score: 0,
      metrics: last?.metrics ?? [],
      reasons: [`analysis stopped: ${why.slice(0, 300)}; a human decides`],
      policy: { class: run.record.release.class, observedFor: Math.max(0, verdictAt - run.record.release.startedAt) },
    });
    await drain(run).catch(() => false);
    // its batches will not be analysed: acknowledged, or the bus would hold them (and others) for ever
    const acks = [...run.heldAcks, ...run.deferred.map((d) => d.ack)];
    stats.heldAcks -= run.heldAcks.length;
    run.heldAcks = [];
    run.deferred = [];
    run.analysis.dispose();
    for (const ack of acks) await ack();
  }

  async function open(record: ReleaseRecord): Promise<ReleaseSlot> {
    const id = record.release.id;
    const watchMs = watchMsFor(o, record);
    // forgetAll() while loading: the checkpoint read may predate the other owner's; read again
    let seen: number;
    let saved: Awaited<ReturnType<Store['loadEngineCheckpoint']>>;
    do {
      seen = generation;
      saved = await store.loadEngineCheckpoint(id);
    } while (seen !== generation);
    let opened: OpenedAnalysis | undefined;
    let restored: PipelineCheckpoint | undefined;
    if (saved) {
      try {
        restored = saved.snapshot as PipelineCheckpoint;
        opened = await openAnalysis(record, engineOptions, watchMs, restored);
        logger.info({ releaseId: id, savedAt: saved.savedAt }, 'pipeline: release resumed from its checkpoint');
      } catch (err) {
        if (err instanceof AnalysisThreadLost) throw err;
        restored = undefined;
        // a spec edited after the checkpoint: start over; the store drops the verdicts it already has
        logger.warn(
          { releaseId: id, err: String(err) },
          'pipeline: checkpoint does not fit the release, starting afresh',
        );
      }
    }
    if (!opened) {
      try {
        opened = await openAnalysis(record, engineOptions, watchMs);
      } catch (err) {
        // stored before the gate bounded it (or written to the store by hand): refused here, so a
        // restart from this store comes back instead of taking looks until the heap runs out
        // (by name: from an analysis thread the error is a copy)
        if (err instanceof Error && err.name === 'UnboundedReleaseError') {
          stats.quarantined++;
          logger.error(
            { releaseId: id, err: err.message },
            `pipeline: release ${id} quarantined at load: ${err.message}; the other releases go on — register it under a new id with a bounded window`,
          );
          // recorded, so the next restart does not load it again (its verdict: the gate answers inconclusive)
          await closeQuarantined(id, `${err.name}: ${err.message}`, o.clock());
        }
        throw err;
      }
    }
    const run = new ReleaseSlot(record, opened.analysis, opened.state);
    run.lastHanded = restored?.lastHanded;
    run.current = restored?.engine?.last;
    ignored.delete(id);
    runs.set(id, run);
    return run;
  }

  function startRun(record: ReleaseRecord): Promise<ReleaseSlot> {
    const id = record.release.id;
    const existing = runs.get(id);
    if (existing) return Promise.resolve(existing);
    let pending = starting.get(id);
    if (!pending) {
      pending = open(record).finally(() => starting.delete(id));
      starting.set(id, pending);
    }
    return pending;
  }

  /**
   * A batch of a release this process is not running: resume it if the store says it is active.
   * The store is asked up to three times: a batch dropped on a transient store error would leave a
   * hole that the producer marks then make permanent.
   */
  async function lookup(releaseId: string): Promise<ReleaseSlot | undefined> {
    if (ignored.has(releaseId)) return undefined;
    let record: ReleaseRecord | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        record = await store.getRelease(releaseId);
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
    if (!record) {
      ignore(releaseId, 'unknown release');
      return undefined;
    }
    if (record.status !== 'active') {
      ignore(releaseId, `release is ${record.status}`);
      return undefined;
    }
    try {
      return await startRun(record);
    } catch (err) {
      // a store failure (loading the checkpoint) is transient: the batch stays unacknowledged;
      // only a release the engine refuses (e.g. an unknown class) is dropped for good
      if (err instanceof StoreError || err instanceof DbError) throw err;
      ignore(releaseId, `cannot analyse it: ${String(err)}`);
      return undefined;
    }
  }

  /** Stores, hands on and publishes the outbox in order; false when the store failed (retried later). */
  async function drain(run: ReleaseSlot): Promise<boolean> {
    while (run.outbox.length > 0) {
      const verdict = run.outbox[0];
      let fresh: boolean;
      try {
        fresh = await store.appendVerdict(verdict);
      } catch (err) {
        stats.storeErrors++;
        logger.error(
          { releaseId: run.id, at: verdict.at, err: String(err) },
          'pipeline: storing a verdict failed; will retry',
        );
        return false;
      }
      if (fresh) stats.verdicts++;
      else stats.duplicateVerdicts++;
      for (const sink of sinks) {
        try {
          await sink.onVerdict(verdict, run.lastHanded, run.record, { replayed: !fresh });
        } catch (err) {
          stats.sinkErrors++;
          logger.error({ releaseId: run.id, sink: sink.name, err: String(err) }, 'pipeline: verdict sink failed');
        }
      }
      run.lastHanded = verdict;
      const publishing = publish(run, verdict);
      if (unconfirmedPublishes > MAX_UNCONFIRMED_PUBLISHES) await publishing;
      run.outbox.shift();
    }
    return true;
  }

  /**
   * Publishes a verdict on the bus without waiting for the broker: a produce round trip per
   * verdict, awaited inside the release's lock, held the bus's partition (a Kafka worker handles
   * one batch at a time per partition): 14 % of a worker's handler time in bench/kafkaWorkers.ts. Order is kept by the bus (publishes of a release are accepted in call
   * order); a failure is logged and counted, as before. Settles once the publish has.
   */
  function publish(run: ReleaseSlot, verdict: Verdict): Promise<void> {
    unconfirmedPublishes++;
    const settled = bus.publishVerdict(verdict).then(
      () => undefined,
      (err: unknown) => {
        stats.publishErrors++;
        logger.error({ releaseId: run.id, err: String(err) }, 'pipeline: publishing a verdict failed');
      },
    );
    const all = (published.get(run) ?? Promise.resolve()).then(() => settled).finally(() => unconfirmedPublishes--);
    published.set(run, all);
    return all;
  }

  /**
   * Acknowledges the batches a stored checkpoint covers, in order, once the release's verdicts
   * published so far have settled (so a committed batch's verdicts are on the verdict topic, or
   * their failure logged) — without holding the release while the bus confirms: on Kafka each ack
   * that moves a partition's prefix is an offset commit, a round trip to the broker, and awaited
   * one by one they took 64 % of a worker's handler time (bench/kafkaWorkers.ts). Called together, the
   * acks of one checkpoint share one commit per partition. `checkpoint()` and `close()` wait.
   */
  function acknowledge(run: ReleaseSlot, acks: readonly Ack[]): void {
    if (acks.length === 0) return;
    const done = (published.get(run) ?? Promise.resolve())
      .then(() => Promise.all(acks.map((ack) => ack())))
      .then(
        () => undefined,
        (err: unknown) => logger.error({ releaseId: run.id, err: String(err) }, 'pipeline: acknowledging failed'),
      );
    acknowledging.add(done);
    void done.finally(() => acknowledging.delete(done));
  }

  /** Saves the run's checkpoint and acknowledges the batches it covers (only with an empty outbox). */
  async function saveCheckpoint(run: ReleaseSlot): Promise<void> {
    if (run.outbox.length > 0) return;
    let snapshot: PipelineCheckpoint;
    try {
      snapshot = await run.analysis.checkpoint(run.lastHanded);
    } catch (err) {
      if (err instanceof AnalysisThreadLost) return lose(run);
      // never store a state that cannot be judged: the stored checkpoint stays the last good one
      await quarantine(run, err, o.clock());
      return;
    }
    let saved: boolean;
    try {
      const progress = progressOf(snapshot);
      saved = await store.saveEngineCheckpoint({
        releaseId: run.id,
        snapshot,
        offsets: {},
        savedAt: o.clock(),
        progress,
      });
    } catch (err) {
      stats.storeErrors++;
      logger.error({ releaseId: run.id, err: String(err) }, 'pipeline: saving a checkpoint failed; acks held');
      return;
    }
    if (!saved) {
      // The stored checkpoint is further along: another instance has taken this release on (this
      // one was paused past its session, or has not yet heard of the rebalance). It covers every
      // batch this run has, so nothing is lost by keeping the acks: they wait for a save of this
      // run that gets further (batches it still had in flight), or are dropped at the rebalance.
      // Tried again after another checkpoint period, not at every batch.
      stats.checkpointsRefused++;
      logger.warn(
        { releaseId: run.id, heldAcks: run.heldAcks.length },
        'pipeline: checkpoint refused, the stored one is further along (another instance has this release); acks held',
      );
      run.batchesSinceCheckpoint = 0;
      run.checkpointDue = o.checkpointEvery;
      return;
    }
    stats.checkpoints++;
    const acks = run.heldAcks;
    run.heldAcks = [];
    run.batchesSinceCheckpoint = 0;
    run.checkpointDue = o.checkpointEvery;
    stats.heldAcks -= acks.length;
    acknowledge(run, acks);
  }

  /** Checkpoints every release with something new since its last checkpoint (a clean one's stored
   * checkpoint already covers it: rewriting thousands of them on every call would be pure load). */
  async function checkpointAll(): Promise<void> {
    for (const run of [...runs.values()]) {
      if (run.heldAcks.length === 0 && run.batchesSinceCheckpoint === 0 && run.outbox.length === 0) continue;
      await run
        .exclusive(async () => (await drain(run)) && saveCheckpoint(run))
        .catch((err: unknown) =>
          logger.error(
            { releaseId: run.id, err: String(err) },
            'pipeline: checkpoint failed; the other releases go on',
          ),
        );
    }
    // what a caller of checkpoint() (and close) expects: the covered batches acknowledged
    await Promise.all([...acknowledging]);
  }

  /**
   * Held acks at `maxHeldAcks`: checkpoints the releases holding the most acks until half the bound
   * is held, one relief at a time (every batch handler that finds the bound reached waits for the
   * same one). Checkpointing every dirty release instead, from every handler at the bound, turned
   * the bound into a storm at 5,000 releases (each holding a few acks: 5,000 checkpoints of
   * ~170 kB in a row, every lane of the bus waiting behind them, every look late).
   */
  let relieving: Promise<void> | undefined;
  function relieveHeldAcks(): Promise<void> {
    return (relieving ??= (async () => {
      const target = Math.floor(o.maxHeldAcks / 2);
      const holders = [...runs.values()]
        .filter((run) => run.heldAcks.length > 0)
        .sort((a, b) => b.heldAcks.length - a.heldAcks.length);
      for (const run of holders) {
        if (stats.heldAcks <= target) break;
        await run
          .exclusive(async () => runs.get(run.id) === run && (await drain(run)) && saveCheckpoint(run))
          .catch((err: unknown) =>
            logger.error(
              { releaseId: run.id, err: String(err) },
              'pipeline: checkpoint failed; the other releases go on',
            ),
          );
      }
    })().finally(() => (relieving = undefined)));
  }

  /** When a release's next look is due: its boundary plus its stable offset in the spread. */
  function dueAt(run: ReleaseSlot): number {
    return run.state.nextBoundary + lookOffset(run.id, spreadMs);
  }

  /**
   * One call into a release's analysis. A lost analysis thread is rethrown (its releases are
   * re-homed); any other error quarantines the release at `at()` after `beforeQuarantine`, and
   * the answer is undefined.
   */
  async function analyse<T>(
    run: ReleaseSlot,
    call: () => Promise<T>,
    at: () => number,
    beforeQuarantine?: () => void,
  ): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof AnalysisThreadLost) {
        lose(run);
        throw err;
      }
      beforeQuarantine?.();
      await quarantine(run, err, at());
      return undefined;
    }
  }

  /** Holds a batch's ack until a checkpoint covers it (nothing to hold when it went on delivery). */
  function holdAck(run: ReleaseSlot, ack: Ack): void {
    if (ack === ACKNOWLEDGED_ON_DELIVERY) return;
    run.heldAcks.push(ack);
    stats.heldAcks++;
  }

  /**
   * A batch into the engine (inside `run.exclusive`): verdicts to the outbox, its ack held.
   * False when the release was quarantined (or its analysis thread lost) on the way.
   */
  async function ingest(run: ReleaseSlot, batch: SampleBatch, ack: Ack): Promise<boolean> {
    stats.batches++;
    const outcome = await analyse(
      run,
      () => run.analysis.ingest(batch),
      () => o.clock(),
      () => holdAck(run, ack),
    );
    if (outcome === undefined) return false;
    run.state = outcome.state;
    run.noteVerdicts(outcome.verdicts);
    if (outcome.skipped) stats.skippedBatches++;
    else {
      stats.samples += batch.samples.length - outcome.malformed;
      stats.lateSamples += outcome.late;
      run.batchesSinceCheckpoint++;
      run.batchesSinceLook++;
    }
    if (outcome.malformed > 0) {
      stats.malformedSamples += outcome.malformed;
      logger.warn(
        { releaseId: run.id, batchId: batch.batchId, malformed: outcome.malformed },
        'pipeline: malformed samples dropped',
      );
    }
    run.outbox.push(...outcome.verdicts);
    holdAck(run, ack);
    const stored = await drain(run);
    // Releases scraped together would all reach `checkpointEvery` on the same scrape and write
    // their checkpoints in one burst (1,000 × ~150 kB stalled the gate for seconds in
    // bench/gate.ts); a first threshold spread over 1..checkpointEvery by release id evens it out.
    if (run.checkpointDue === 0) run.checkpointDue = staggeredFirstCheckpoint(run.id, o.checkpointEvery);
    if (stored && run.batchesSinceCheckpoint >= run.checkpointDue) await saveCheckpoint(run);
    return runs.get(run.id) === run;
  }

  /** Feeds the held batches, in order (inside `run.exclusive`); false when the release was quarantined. */
  async function ingestDeferred(run: ReleaseSlot): Promise<boolean> {
    while (run.deferred.length > 0) {
      const { batch, ack } = run.deferred.shift() as DeferredBatch;
      if (!(await ingest(run, batch, ack))) return false;
    }
    return true;
  }

  /**
   * Takes the looks due at `now` (inside `run.exclusive`): held batches first, then the clock.
   * `checkpointEachLook`: save a checkpoint after every look that emitted a verdict (the explicit
   * `tick`). The spread scheduler passes false: a look needs no checkpoint of its own — its
   * verdicts are stored, and after a crash the restored engine takes the same looks again
   * (duplicates the store ignores) — so it checkpoints only when the decision became final or a
   * quiet release holds acks; batches checkpoint every `checkpointEvery` as before. At 1,000
   * releases that halves the checkpoints, the largest write the pipeline's thread makes.
   */
  async function look(run: ReleaseSlot, now: number, checkpointEachLook = true): Promise<Verdict[]> {
    // quiet: nothing came since the last look (no batch ingested, none held back). Not merely
    // "nothing held back": with a scrape every few seconds that is true of many looks of a busy
    // release, and each of them then checkpointed (at 2,000 releases about one checkpoint per
    // release and minute whatever `checkpointEvery` said, bench/scale.ts --serve)
    const quiet = run.deferred.length === 0 && run.batchesSinceLook === 0;
    if (!(await ingestDeferred(run))) return [];
    run.batchesSinceLook = 0;
    const advanced = await analyse(
      run,
      () => run.analysis.advanceTo(now),
      () => now,
    );
    if (advanced === undefined) return [];
    run.state = advanced.state;
    run.noteVerdicts(advanced.verdicts);
    run.outbox.push(...advanced.verdicts);
    const stored = await drain(run);
    const due = checkpointEachLook
      ? advanced.verdicts.length > 0 || run.heldAcks.length > 0
      : (advanced.state.final && advanced.verdicts.length > 0) ||
        // a release gone quiet would otherwise hold its last acks until the global bound
        (quiet && advanced.verdicts.length > 0 && (run.heldAcks.length > 0 || run.batchesSinceCheckpoint > 0));
    if (stored && due) await saveCheckpoint(run);
    return advanced.verdicts;
  }

  /** The look at registration: stored and handed on like any look; none when the release has looked before. */
  async function firstLook(run: ReleaseSlot, at: number): Promise<void> {
    if (runs.get(run.id) !== run || run.lastHanded !== undefined || run.current !== undefined) return;
    const verdict = await run.analysis.firstLook(at);
    if (!verdict) return;
    run.noteVerdicts([verdict]);
    run.outbox.push(verdict);
    await drain(run);
  }

  /**
   * Its analysis thread died: the run is dropped unacknowledged, so its next batch reopens it
   * from the stored checkpoint. What it ingested after that checkpoint comes again only when the
   * bus redelivers (a restart, a rebalance): up to one checkpoint period of samples is missed
   * meanwhile (see analysisThreads.ts).
   */
  function lose(run: ReleaseSlot): void {
    if (runs.get(run.id) !== run) return;
    runs.delete(run.id);
    forgotten.add(run);
    stats.heldAcks -= run.heldAcks.length;
    run.heldAcks = [];
    run.deferred = [];
  }

  /** The bus's handler; close() waits for the batches in hand before it waits for their acks. */
  function handle(batch: SampleBatch, ack: Ack): Promise<void> {
    if (o.acknowledge === 'on-delivery') {
      const done = ack().catch((err: unknown) =>
        logger.error({ releaseId: batch.releaseId, err: String(err) }, 'pipeline: acknowledging failed'),
      );
      acknowledging.add(done);
      void done.finally(() => acknowledging.delete(done));
      ack = ACKNOWLEDGED_ON_DELIVERY;
    }
    const running = handleBatch(batch, ack);
    handling.add(running);
    const settled = (): void => void handling.delete(running);
    running.then(settled, settled);
    return running;
  }

  async function handleBatch(batch: SampleBatch, ack: Ack): Promise<void> {
    // closing: leave it unacknowledged for the next owner (an ack after leaving would be ignored anyway)
    if (closed) return;
    if (!Array.isArray(batch.samples)) {
      stats.malformedBatches++;
      logger.warn({ releaseId: batch.releaseId, batchId: batch.batchId }, 'pipeline: malformed batch dropped');
      return ack();
    }
    const run = runs.get(batch.releaseId) ?? (await lookup(batch.releaseId));
    if (!run) {
      stats.ignoredBatches++;
      return ack();
    }
    await run.exclusive(async () => {
      if (closed) return;
      // forgotten while this batch waited (a rebalance): the partition may have a new owner, so
      // neither process nor acknowledge it; it comes again from the committed offset
      if (forgotten.has(run)) return;
      if (runs.get(run.id) !== run) {
        stats.ignoredBatches++; // stopped while this batch waited
        return ack();
      }
      // look spreading: a batch that reaches into the next look waits for that look's due time
      // (and so does every later batch of the release, to keep their order)
      if (
        spreadMs > 0 &&
        !run.state.final &&
        (run.deferred.length > 0 || (latestTs(batch) >= run.state.nextBoundary && o.clock() < dueAt(run)))
      ) {
        run.deferred.push({ batch, ack });
        stats.deferredBatches++;
        return;
      }
      await ingest(run, batch, ack);
    });
    if (stats.heldAcks >= o.maxHeldAcks) await relieveHeldAcks();
  }

  async function tick(now: number): Promise<Verdict[]> {
    const emitted: Verdict[] = [];
    for (const run of [...runs.values()]) {
      // one release's failure is that release's: the loop goes on to the others' looks
      await run
        .exclusive(async () => {
          if (runs.get(run.id) !== run) return;
          emitted.push(...(await look(run, now)));
        })
        .catch((err: unknown) =>
          logger.error({ releaseId: run.id, err: String(err) }, 'pipeline: look failed; the other releases go on'),
        );
    }
    return emitted;
  }

  /**
   * Look spreading (`lookSpreadMs`): every second, the releases whose look is due — held batches
   * waiting, or the clock past the boundary by the grace — each at its own offset in the
   * interval. The lag behind the due time is recorded (stats.lookLagMs).
   */
  async function scheduledLooks(): Promise<void> {
    const now = o.clock();
    const due: ReleaseSlot[] = [];
    const finals: ReleaseSlot[] = [];
    for (const run of runs.values()) {
      if (run.looking) continue;
      if (run.state.final && run.deferred.length === 0) {
        // decided: only a post-release watch still looks, on the clock — once an interval
        if (now - run.lastClockLook >= o.intervalMs) {
          run.lastClockLook = now;
          finals.push(run);
        }
        continue;
      }
      if (now < dueAt(run)) continue;
      if (run.deferred.length === 0 && now - o.graceMs < run.state.nextBoundary) continue;
      // taken now, before any await: a round started a second later must not pick it again
      run.looking = true;
      due.push(run);
    }
    await Promise.all([
      watchLooks(finals),
      ...due.map(async (run) => {
        const scheduled = Math.max(dueAt(run), run.deferred.length === 0 ? run.state.nextBoundary + o.graceMs : 0);
        try {
          await run.exclusive(async () => {
            if (runs.get(run.id) !== run || closed) return;
            const before = run.state.nextBoundary;
            // lag: from the due time to the moment the look starts (waiting for the timer, for the
            // release's earlier work, for the machine); the look itself takes milliseconds
            const startedAt = o.clock();
            await look(run, o.clock() - o.graceMs, false);
            if (run.state.nextBoundary !== before) recordLag(startedAt - scheduled);
          });
        } catch (err) {
          logger.error(
            { releaseId: run.id, err: String(err) },
            'pipeline: scheduled look failed; the other releases go on',
          );
        } finally {
          run.looking = false;
        }
      }),
    ]);
  }

  function watchLooks(final: ReleaseSlot[]): Promise<unknown> {
    return Promise.all(
      final.map((run) =>
        run
          .exclusive(async () => {
            if (runs.get(run.id) === run && !closed) await look(run, o.clock() - o.graceMs, false);
          })
          .catch((err: unknown) =>
            logger.error(
              { releaseId: run.id, err: String(err) },
              'pipeline: post-release look failed; the other releases go on',
            ),
          ),
      ),
    );
  }

  function recordLag(ms: number): void {
    stats.looks++;
    lookLags.push(Math.max(0, ms));
    if (lookLags.length > LAG_WINDOW) lookLags.splice(0, lookLags.length - LAG_WINDOW);
  }

  function lagSummary(): PipelineStats['lookLagMs'] {
    if (lookLags.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    const sorted = Float64Array.from(lookLags).sort();
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
    return { count: stats.looks, p50: at(0.5), p99: at(0.99), max: Math.round(sorted[sorted.length - 1]) };
  }

  if (o.resumeActive) {
    // paged: the store lists at most 1000 at a time
    for (let offset = 0; ; offset += 1000) {
      const page = await store.listReleases({ status: 'active', limit: 1000, offset });
      for (const record of page) {
        await startRun(record).catch((err: unknown) => ignore(record.release.id, `cannot analyse it: ${String(err)}`));
      }
      if (page.length < 1000) break;
    }
  }
  const subscription: Subscription = await bus.subscribeSamples(o.group, handle, {
    onError: (err, info) =>
      logger.error({ releaseId: info.releaseId, err: String(err) }, 'pipeline: batch failed; left unacknowledged'),
  });

  let ticking = false;
  const timer =
    o.tickEveryMs > 0
      ? setInterval(
          () => {
            if (closed) return;
            // spread looks: every second, whatever the earlier rounds are doing — each release is
            // in at most one look (`looking`), so a round never waits for the slowest look (or
            // checkpoint) of the one before, which made every look of the next second late
            if (spreadMs > 0)
              return void scheduledLooks().catch((err: unknown) =>
                logger.error({ err: String(err) }, 'pipeline: tick failed'),
              );
            if (ticking) return; // a slow store must not pile ticks up
            ticking = true;
            tick(o.clock() - o.graceMs)
              .catch((err: unknown) => logger.error({ err: String(err) }, 'pipeline: tick failed'))
              .finally(() => (ticking = false));
          },
          spreadMs > 0 ? Math.min(1000, o.tickEveryMs) : o.tickEveryMs,
        )
      : undefined;
  timer?.unref();

  return {
    async start(record) {
      if (closed) throw new Error('pipeline is closed');
      if (record.status !== 'active') {
        logger.warn({ releaseId: record.release.id, status: record.status }, 'pipeline: not starting a closed release');
        return;
      }
      const run = await startRun(record);
      // the release is judged from its registration: a first look, taken off the caller's path
      // (registration answers at once; the look, its storing and the sinks run on the release's lock)
      void run
        .exclusive(() => firstLook(run, o.clock()))
        .catch((err: unknown) =>
          logger.error({ releaseId: run.id, err: String(err) }, 'pipeline: the look at registration failed'),
        );
    },
    async stop(releaseId) {
      const run = runs.get(releaseId);
      if (!run) return;
      await run.exclusive(async () => {
        if (runs.get(releaseId) !== run) return; // quarantined meanwhile
        if (!(await ingestDeferred(run).catch(() => false))) return;
        if ((await drain(run)) === true) await saveCheckpoint(run);
        runs.delete(releaseId);
      });
      stats.heldAcks -= run.heldAcks.length; // left unacknowledged: a later owner drops them as closed
      run.analysis.dispose();
      ignored.add(releaseId);
    },
    async forgetAll() {
      generation++;
      // dropped at once, so a batch arriving meanwhile opens its release afresh from the store
      const dropped = [...runs.values()];
      runs.clear();
      for (const run of dropped) forgotten.add(run);
      for (const run of dropped) {
        await run.exclusive(async () => undefined); // its current batch (or tick) settles
        stats.heldAcks -= run.heldAcks.length; // acks of a former assignment: the bus ignores them
        run.heldAcks = [];
        run.deferred = [];
        run.analysis.dispose();
      }
    },
    active: () => [...runs.keys()],
    tick,
    checkpoint: checkpointAll,
    stats: () => ({ ...stats, lookLagMs: lagSummary() }),
    async close({ graceful = true } = {}) {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      // checkpoint and acknowledge while still a member: acks from a member that has left are ignored
      if (graceful) {
        for (const run of [...runs.values()]) {
          await run
            .exclusive(() => ingestDeferred(run))
            .catch((err: unknown) =>
              logger.error({ releaseId: run.id, err: String(err) }, 'pipeline: held batches failed at close'),
            );
        }
        await checkpointAll();
        // a batch in hand when close began may have checkpointed since: its acks go out while
        // this process is still a member (the bus ignores acks from a member that has left)
        await Promise.allSettled([...handling]);
        await Promise.all([...acknowledging]);
      }
      await subscription.close();
      runs.clear();
      await threads?.close();
    },
  };
}

/** The newest sample time in a batch (-Infinity when it has none). */
function latestTs(batch: SampleBatch): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const sample of batch.samples as { ts?: unknown }[]) {
    const ts = typeof sample === 'object' && sample !== null ? sample.ts : undefined;
    if (typeof ts === 'number' && ts > latest) latest = ts;
  }
  return latest;
}

/** 1..every, stable per release id (FNV-1a), so the releases' checkpoints fall on different batches. */
export function staggeredFirstCheckpoint(releaseId: string, every: number): number {
  return (fnv1a32(releaseId) % every) + 1;
}
