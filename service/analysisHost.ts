/**
 * The `all` role with its analysis off the HTTP loop: the gate runs in this thread and answers
 * from its verdict cache; the store, the bus, the sources, the pipeline and the acting sinks run
 * in one analysis thread (service/analysisThreadMain.ts), which posts every verdict here. The
 * store (PGlite belongs to one thread) is reached through calls to that thread, so a cache
 * reload, a registration or a list waits on the analysis thread's loop — never the other way
 * round: the loop that answers HTTP runs no judge, no scrape, no checkpoint encoding and no
 * query.
 *
 * Each call is one structured clone each way (a record or a page of records); the verdict GETs
 * that controllers poll need none once their entry is cached.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { loadTokens, VerdictCache } from '../gate/index.ts';
import { serveGate } from './gate.ts';
import type { ReleaseRunner } from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import type { AnalysisThreadData } from './analysisThreadMain.ts';
import type { ServeConfig } from './config.ts';
import { closeInOrder, serviceLogger } from './parts.ts';
import { reviveError, type CallTarget, type FromAnalysis, type ToAnalysis } from './threadMessages.ts';

/** The same bootstrap as the judges' threads (pipeline/analysisThreads.ts): tsx's CommonJS hook from source. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './analysisThreadMain.ts' : './analysisThreadMain.js', import.meta.url);
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.tsx) {
  require(workerData.tsx).register();
  require(workerData.entry);
} else {
  import(workerData.entry).catch((error) => { console.error(error); process.exit(1); });
}
`;

export interface ThreadedServiceOptions {
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  /** start the scrape timers (default true) */
  scrape?: boolean;
  /** the pipeline's tick timer period (default the interval) */
  tickEveryMs?: number;
}

export interface ThreadedService {
  url: string;
  /** the store as this thread sees it: every call runs in the analysis thread */
  store: Store;
  /** the analysis thread itself (tests end it to see the process report itself failing) */
  analysisThread: Worker;
  close(): Promise<void>;
}

class AnalysisThreadClient {
  readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;
  private closing = false;

  constructor(
    data: AnalysisThreadData,
    private readonly onVerdict: (message: Extract<FromAnalysis, { type: 'verdict' }>) => void,
    private readonly logger: Logger,
  ) {
    const workerData = FROM_SOURCE
      ? { ...data, entry: fileURLToPath(ENTRY), tsx: createRequire(import.meta.url).resolve('tsx/cjs/api') }
      : { ...data, entry: ENTRY.href, tsx: '' };
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData, name: 'analysis' });
  }

  /** Resolves with the store's kind once the thread runs; rejects with the thread's start-up error. */
  started(): Promise<'postgres' | 'pglite'> {
    return new Promise((resolve, reject) => {
      this.worker.on('message', (message: FromAnalysis) => {
        switch (message.type) {
          case 'ready':
            return resolve(message.storeKind);
          case 'failed':
            return reject(reviveError(message.error));
          case 'verdict':
            return this.onVerdict(message);
          case 'reply': {
            const call = this.pending.get(message.seq);
            if (!call) return;
            this.pending.delete(message.seq);
            if (message.error) call.reject(reviveError(message.error));
            else call.resolve(message.value);
            return;
          }
          case 'closed':
            return;
        }
      });
      this.worker.on('error', (error) => {
        this.logger.error({ err: String(error) }, 'the analysis thread failed');
        reject(error);
      });
      this.worker.on('exit', (code) => {
        this.exited = true;
        if (!this.closing) this.logger.error({ code }, 'the analysis thread exited; verdicts stop until a restart');
        const error = new Error(`the analysis thread exited (${code})`);
        for (const call of this.pending.values()) call.reject(error);
        this.pending.clear();
        reject(error);
      });
    });
  }

  /** why the thread can no longer judge (it exited without being asked to), or undefined */
  failure(): string | undefined {
    return this.exited && !this.closing
      ? 'the analysis thread exited; no release is judged until a restart'
      : undefined;
  }

  call<T>(target: CallTarget, method: string, args: unknown[]): Promise<T> {
    if (this.exited) return Promise.reject(new Error('the analysis thread has exited'));
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ type: 'call', seq, target, method, args } satisfies ToAnalysis);
    });
  }

  /** Lets the thread close its parts (checkpointing every release), then ends it. */
  async close(): Promise<void> {
    if (this.exited) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      const done = (message: FromAnalysis) => {
        if (message.type !== 'closed') return;
        this.worker.off('message', done);
        resolve();
      };
      this.worker.on('message', done);
      this.worker.once('exit', () => resolve());
      this.worker.postMessage({ type: 'close' } satisfies ToAnalysis);
    });
    await this.worker.terminate();
  }
}

/** A `Store` whose every method is a call into the analysis thread. */
function storeThrough(client: AnalysisThreadClient, kind: 'postgres' | 'pglite'): Store {
  return new Proxy({ kind } as Store, {
    get(target, name) {
      if (name === 'kind') return target.kind;
      // the thread owns the store: migrated there, closed there
      if (name === 'migrate' || name === 'close') return async () => undefined;
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (...args: unknown[]) => client.call('store', name, args);
    },
  });
}

/** Starts the analysis thread, then the gate in this thread; `close()` stops the gate first. */
export async function startThreadedService(
  config: ServeConfig,
  options: ThreadedServiceOptions = {},
): Promise<ThreadedService> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? serviceLogger(config, 'all');
  const tokens = await loadTokens({ env: env[config.auth.tokensEnv], file: config.auth.tokensFile });
  const governance = config.governanceConfig;
  let cache: VerdictCache | undefined;
  const client = new AnalysisThreadClient(
    {
      config,
      env: { ...env },
      scrape: options.scrape !== false,
      ...(options.tickEveryMs !== undefined ? { tickEveryMs: options.tickEveryMs } : {}),
    },
    ({ verdict }) => cache?.noteVerdict(verdict),
    logger,
  );
  const opened: { close(): Promise<void> }[] = [client];
  try {
    const storeKind = await client.started();
    const store = storeThrough(client, storeKind);
    // every verdict and every write of the gate reaches the cache at once (the thread posts the
    // verdicts; the gate invalidates what it writes), so entries may live long: a reload is a
    // call into the busy analysis thread
    cache = new VerdictCache(store, governance, { ttlMs: 300_000 });
    const started = new Set<string>();
    const runner: ReleaseRunner = {
      async start(record) {
        await client.call('releases', 'start', [record]);
        started.add(record.release.id);
      },
      async stop(id) {
        await client.call('releases', 'stop', [id]);
        started.delete(id);
      },
      // what this thread asked for (the gate never reads it; the pipeline's own list is in the other thread)
      active: () => [...started],
    };
    const clock = Date.now;
    const gate = await serveGate(
      config,
      { store, runner, governance, tokens, logger, clock, verdictCache: cache, liveness: () => client.failure() },
      opened,
    );
    logger.info(
      {
        url: gate.url,
        analysis: 'thread',
        store: storeKind,
        bus: config.bus.kind,
        targets: config.collector.targets.length,
      },
      'release-health serving',
    );
    return { url: gate.url, store, analysisThread: client.worker, close: closeInOrder(opened, logger) };
  } catch (error) {
    for (const part of opened) await part.close().catch(() => undefined);
    throw error;
  }
}
