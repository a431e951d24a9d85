/**
 * Judge code off the caller's event loop: a small pool of worker threads, each holding the engines
 * of the releases assigned to it (by a hash of the release id, so one release always lives in one
 * thread and its requests are answered in order). The pipeline keeps I/O (bus, store, sinks) in
 * its own thread and sends each batch and each look here; in `serve` that leaves the HTTP loop
 * with parsing, storing and answering only.
 *
 * Cost per request: one structured clone each way (a batch of tens of samples in; a verdict or a
 * checkpoint out) — small next to a look (milliseconds at 20 metrics).
 *
 * A thread that dies (out of memory, a bug) is replaced; the releases it held answer
 * `AnalysisThreadLost`, and the pipeline reopens them from their stored checkpoints at their next
 * batch. The batches they had ingested since that checkpoint were never acknowledged, but the bus
 * delivers them again only after a restart or a rebalance: until then those releases miss up to one
 * checkpoint period of samples (logged as an error; the engine counts nothing wrong, it never saw them).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Verdict } from '../analyzer/index.ts';
import type { AnalysisOpener, OpenedAnalysis, ReleaseAnalysis } from './analysis.ts';
import type { AnalysisReply, AnalysisRequest } from './analysisThread.ts';
import type { PipelineLogger } from './options.ts';
import { fnv1a32 } from '../analyzer/hash.ts';
import type { AnalysisState, BatchOutcome, PipelineCheckpoint } from './releaseRun.ts';

export class AnalysisThreadLost extends Error {
  override readonly name = 'AnalysisThreadLost';
}

/**
 * The thread's entry: the TypeScript source when this module runs from source (tsx), the compiled
 * file next to it otherwise. On Node 20 a worker gets none of the parent's module hooks (neither
 * `--import tsx` nor tsx's `register()`), and registering ESM hooks inside the worker does not
 * reach its own imports; tsx's CommonJS hook does, so from source a CommonJS bootstrap registers
 * it and requires the entry (tsx compiles the ES module to CommonJS on the way).
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './analysisThread.ts' : './analysisThread.js', import.meta.url);
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.tsx) {
  require(workerData.tsx).register();
  require(workerData.entry);
} else {
  import(workerData.entry).catch((error) => { console.error(error); process.exit(1); });
}
`;

/** A request before the thread assigns its sequence number (Omit over each member of the union). */
type Unsent = AnalysisRequest extends infer R ? (R extends AnalysisRequest ? Omit<R, 'seq'> : never) : never;

type PendingCall = { resolve: (value: unknown) => void; reject: (error: Error) => void };

class AnalysisThread {
  private worker!: Worker;
  private readonly pending = new Map<number, PendingCall>();
  private seq = 0;
  /** bumped when the worker is replaced: handles of an older generation are lost */
  generation = 0;
  private ready!: Promise<void>;
  private closing = false;
  /** calls in flight (waiting for readiness or a reply) */
  private inUse = 0;

  constructor(
    private readonly index: number,
    private readonly logger: PipelineLogger,
  ) {
    this.spawn();
  }

  private spawn(): void {
    const workerData = FROM_SOURCE
      ? { entry: fileURLToPath(ENTRY), tsx: createRequire(import.meta.url).resolve('tsx/cjs/api') }
      : { entry: ENTRY.href, tsx: '' };
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData, name: `analysis-${this.index}` });
    this.worker = worker;
    let markReady!: () => void;
    let failReady!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      markReady = res;
      failReady = rej;
    });
    this.ready.catch(() => undefined);
    worker.on('message', (reply: AnalysisReply) => {
      if (reply.seq === 0) return markReady();
      const call = this.pending.get(reply.seq);
      if (!call) return;
      this.pending.delete(reply.seq);
      if ('error' in reply) {
        const error = new Error(reply.error);
        error.name = reply.name;
        call.reject(error);
      } else call.resolve(reply.value);
    });
    worker.on('error', (error) =>
      this.logger.error({ thread: this.index, err: String(error) }, 'pipeline: analysis thread failed'),
    );
    worker.on('exit', (code) => {
      failReady(new AnalysisThreadLost(`analysis thread ${this.index} exited (${code}) before it was ready`));
      const lost = [...this.pending.values()];
      this.pending.clear();
      for (const call of lost) call.reject(new AnalysisThreadLost(`analysis thread ${this.index} exited (${code})`));
      if (this.closing) return;
      this.logger.error(
        { thread: this.index, code },
        'pipeline: analysis thread exited; replacing it (its releases reopen from their checkpoints)',
      );
      this.generation++;
      this.spawn();
    });
    if (this.inUse === 0) worker.unref();
  }

  async call<T>(request: Unsent, generation: number): Promise<T> {
    if (generation !== this.generation)
      throw new AnalysisThreadLost(`analysis thread ${this.index} was replaced since release ${request.id} was opened`);
    // referenced only while a call waits: an idle pool never keeps the process alive, a waiting
    // caller always does
    if (this.inUse++ === 0) this.worker.ref();
    try {
      await this.ready;
      const seq = ++this.seq;
      return await new Promise<T>((resolve, reject) => {
        this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
        this.worker.postMessage({ ...request, seq });
      });
    } finally {
      if (--this.inUse === 0) this.worker.unref();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

export interface AnalysisThreads {
  open: AnalysisOpener;
  readonly size: number;
  close(): Promise<void>;
}

/** Starts `count` (≥ 1) analysis threads. */
export function startAnalysisThreads(count: number, logger: PipelineLogger): AnalysisThreads {
  if (!Number.isSafeInteger(count) || count < 1)
    throw new RangeError(`analysis threads must be a positive integer, got ${count}`);
  const threads = Array.from({ length: count }, (_, i) => new AnalysisThread(i, logger));
  const threadOf = (id: string): AnalysisThread => {
    return threads[fnv1a32(id) % threads.length];
  };
  return {
    size: count,
    async open(record, options, watchMs, checkpoint): Promise<OpenedAnalysis> {
      const id = record.release.id;
      const thread = threadOf(id);
      const generation = thread.generation;
      const state = await thread.call<AnalysisState>(
        { op: 'open', id, record, options, watchMs, ...(checkpoint ? { checkpoint } : {}) },
        generation,
      );
      let disposed = false;
      const call = <T>(request: Unsent): Promise<T> => {
        if (disposed) return Promise.reject(new Error(`analysis of ${id} was disposed`));
        return thread.call<T>(request, generation);
      };
      const analysis: ReleaseAnalysis = {
        ingest: (batch) => call<BatchOutcome & { state: AnalysisState }>({ op: 'ingest', id, batch }),
        advanceTo: (now) => call<{ verdicts: Verdict[]; state: AnalysisState }>({ op: 'advance', id, now }),
        firstLook: (at) => call<Verdict | null>({ op: 'first-look', id, at }).then((verdict) => verdict ?? undefined),
        checkpoint: (lastHanded) =>
          call<PipelineCheckpoint>({ op: 'checkpoint', id, ...(lastHanded ? { lastHanded } : {}) }),
        dispose: () => {
          if (disposed) return;
          disposed = true;
          thread.call({ op: 'dispose', id }, generation).catch(() => undefined);
        },
      };
      return { analysis, state };
    },
    async close() {
      await Promise.all(threads.map((t) => t.close()));
    },
  };
}
