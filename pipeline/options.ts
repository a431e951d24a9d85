/**
 * The pipeline's options: one typed object, defaults in one place, unknown names and bad values
 * rejected, never silently defaulted.
 */
import type { GovernanceConfig, JudgeMode } from '../analyzer/index.ts';
import type { Bus } from '../collector/index.ts';
import type { ReleaseRecord, Store } from '../store/index.ts';
import { silentLogger, type Logger } from '../analyzer/logger.ts';
import type { VerdictSink } from './types.ts';

/** The house's logger (analyzer/logger.ts). */
export type PipelineLogger = Logger;

export const silentPipelineLogger: PipelineLogger = silentLogger;

export type AcknowledgeMode = 'after-checkpoint' | 'on-delivery';

export interface PipelineOptions {
  bus: Bus;
  store: Store;
  /** called in this order for every verdict of a release */
  sinks?: VerdictSink[];
  /** consumer group on the samples topic (default 'pipeline'); every pipeline process of one deployment shares it */
  group?: string;
  /** only 'sequential': the live loop must checkpoint engine state, and the fixed-horizon judge keeps every sample */
  mode?: JudgeMode;
  /** how often the engine looks, and the sequential judge's batch length (default 60 s) */
  intervalMs?: number;
  /** save a release's engine checkpoint (and acknowledge its batches) after this many batches (default 10) */
  checkpointEvery?: number;
  /**
   * acknowledgements held back (waiting for a checkpoint) across all releases before every dirty
   * release is checkpointed at once (default: half the bus's `maxPendingBatches`, else 200). Keep
   * it below the bus's `maxPendingBatches`, or the collector's back-pressure and the held acks
   * wait for each other. Too low for the number of active releases (each holds up to
   * `checkpointEvery`), it forces a checkpoint of every release every few batches.
   */
  maxHeldAcks?: number;
  /**
   * when a batch is acknowledged to the bus (default 'after-checkpoint'):
   *  - 'after-checkpoint': once a stored checkpoint covers it — what makes a restart lose nothing
   *    on a bus that outlives the process (Kafka), which redelivers what was not acknowledged;
   *  - 'on-delivery': as soon as it is delivered, for a bus that dies with the process and has no
   *    other member to redeliver to (`serve`'s in-memory bus). Holding acks there protects nothing —
   *    after a restart the bus is empty whatever was held — and costs memory: the in-memory bus
   *    keeps every batch from a partition's oldest unacknowledged one on (its commit is a prefix,
   *    as Kafka's), ~5 KB per batch of 20 gauges, 2.3 GiB at 5,000 releases checkpointing every
   *    30 batches. Checkpoints then bound only what a restart loses (the batches since the
   *    release's last one), and a failed batch is logged and not retried.
   */
  acknowledge?: AcknowledgeMode;
  /** epoch ms (default Date.now); the demo passes its virtual clock */
  clock?: () => number;
  /**
   * period of the timer that calls `tick(clock() - graceMs)`, in ms of real time (default: `intervalMs`);
   * 0 turns the timer off (tests and the demo call `tick` themselves)
   */
  tickEveryMs?: number;
  /** how far the timer stays behind the clock, so slow scrapes are not counted late (default 30 s) */
  graceMs?: number;
  /**
   * worker threads that run the judges (default 0: in the pipeline's own thread). With ≥ 1 the
   * thread that runs the pipeline — `serve`'s HTTP loop — only moves batches, verdicts and
   * checkpoints; each look runs in a thread of its own.
   */
  analysisThreads?: number;
  /**
   * spread each release's looks over this many ms after its boundary, at a stable offset from its
   * id (default 0: every look as soon as it is due). Releases registered in one wave share their
   * boundaries; spread over the interval, their looks no longer come in one burst. Needs the timer
   * (`tickEveryMs` > 0); a batch that reaches into the next look is held until that look is due.
   */
  lookSpreadMs?: number;
  /**
   * post-release watch after `promote` (ms; 0: none). A number applies to every release, a function
   * decides per release; without it, `governance.classes[class].postReleaseWatchMs` applies.
   */
  postReleaseWatchMs?: number | ((record: ReleaseRecord) => number);
  governance?: GovernanceConfig;
  /** on open, resume every release the store lists as active (default true) */
  resumeActive?: boolean;
  logger?: PipelineLogger;
  /**
   * the pipeline stopped analysing a release on its own — quarantined, or its batches are dropped
   * because the store says it is closed or unknown — so whoever collects for it can stop (once per
   * release and reason; not called for `stop()`, which the caller asked for)
   */
  onDropped?: (releaseId: string, why: string) => void;
}

export type ResolvedPipelineOptions = Required<
  Omit<PipelineOptions, 'postReleaseWatchMs' | 'governance' | 'onDropped'>
> &
  Pick<PipelineOptions, 'postReleaseWatchMs' | 'governance' | 'onDropped'>;

export class PipelineOptionsError extends Error {
  override readonly name = 'PipelineOptionsError';
}

const KNOWN = new Set([
  'bus',
  'store',
  'sinks',
  'group',
  'mode',
  'intervalMs',
  'checkpointEvery',
  'maxHeldAcks',
  'acknowledge',
  'clock',
  'tickEveryMs',
  'graceMs',
  'postReleaseWatchMs',
  'governance',
  'resumeActive',
  'logger',
  'analysisThreads',
  'lookSpreadMs',
  'onDropped',
]);

function positiveInteger(name: string, value: number, allowZero = false): void {
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new PipelineOptionsError(
      `pipeline option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}`,
    );
  }
}

export function resolvePipelineOptions(options: PipelineOptions): ResolvedPipelineOptions {
  const unknown = Object.keys(options).filter((k) => !KNOWN.has(k));
  if (unknown.length)
    throw new PipelineOptionsError(`unknown pipeline option(s) ${unknown.join(', ')}; known: ${[...KNOWN].join(', ')}`);
  if (!options.bus || !options.store) throw new PipelineOptionsError('pipeline options bus and store are required');
  const mode = options.mode ?? 'sequential';
  if (mode !== 'sequential') {
    // Refused rather than run without checkpoints: a restart would silently lose the samples seen so far.
    throw new PipelineOptionsError(
      `pipeline mode "${String(mode)}" is not supported: the live loop checkpoints engine state, which only the sequential judge keeps bounded; use \`analyze --mode fixed\` offline`,
    );
  }
  const intervalMs = options.intervalMs ?? 60_000;
  positiveInteger('intervalMs', intervalMs);
  const resolved: ResolvedPipelineOptions = {
    bus: options.bus,
    store: options.store,
    sinks: [...(options.sinks ?? [])],
    group: options.group ?? 'pipeline',
    mode,
    intervalMs,
    checkpointEvery: options.checkpointEvery ?? 10,
    maxHeldAcks:
      options.maxHeldAcks ??
      (options.bus?.maxPendingBatches ? Math.max(1, Math.floor(options.bus.maxPendingBatches / 2)) : 200),
    acknowledge: options.acknowledge ?? 'after-checkpoint',
    clock: options.clock ?? Date.now,
    tickEveryMs: options.tickEveryMs ?? intervalMs,
    graceMs: options.graceMs ?? 30_000,
    resumeActive: options.resumeActive ?? true,
    analysisThreads: options.analysisThreads ?? 0,
    lookSpreadMs: options.lookSpreadMs ?? 0,
    logger: options.logger ?? silentPipelineLogger,
  };
  positiveInteger('checkpointEvery', resolved.checkpointEvery);
  positiveInteger('maxHeldAcks', resolved.maxHeldAcks);
  if (resolved.acknowledge !== 'after-checkpoint' && resolved.acknowledge !== 'on-delivery')
    throw new PipelineOptionsError(
      `pipeline option acknowledge must be 'after-checkpoint' or 'on-delivery', got ${JSON.stringify(resolved.acknowledge)}`,
    );
  positiveInteger('tickEveryMs', resolved.tickEveryMs, true);
  positiveInteger('graceMs', resolved.graceMs, true);
  positiveInteger('analysisThreads', resolved.analysisThreads, true);
  positiveInteger('lookSpreadMs', resolved.lookSpreadMs, true);
  if (typeof resolved.group !== 'string' || resolved.group === '')
    throw new PipelineOptionsError('pipeline option group must be a non-empty string');
  if (typeof options.postReleaseWatchMs === 'number')
    positiveInteger('postReleaseWatchMs', options.postReleaseWatchMs, true);
  if (options.postReleaseWatchMs !== undefined) resolved.postReleaseWatchMs = options.postReleaseWatchMs;
  if (options.governance) resolved.governance = options.governance;
  if (options.onDropped) resolved.onDropped = options.onDropped;
  return resolved;
}

/** The post-release watch of one release (0: none): the explicit option, else its governance class. */
export function watchMsFor(options: ResolvedPipelineOptions, record: ReleaseRecord): number {
  const explicit = options.postReleaseWatchMs;
  if (typeof explicit === 'number') return explicit;
  if (typeof explicit === 'function') return Math.max(0, explicit(record));
  return options.governance?.classes[record.release.class]?.postReleaseWatchMs ?? 0;
}
