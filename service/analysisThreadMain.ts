/**
 * The analysis thread of the `all` role (started by service/analysisHost.ts): owns the store and
 * the bus, runs the analysis half (sources, pipeline, checkpoints, actions, alerts), answers the
 * HTTP thread's store calls and release starts/stops, and posts every verdict back so the gate's
 * cache answers it at once. Nothing here runs on the loop that answers HTTP.
 *
 * Loaded as CommonJS through tsx when running from source (see pipeline/analysisThreads.ts), so
 * no top-level await.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Store } from '../store/index.ts';
import { openBus } from './busConfig.ts';
import type { ServeConfig } from './config.ts';
import { startAnalysis, type RunningAnalysis } from './analysis.ts';
import { openMigratedStore, serviceLogger, storeUrlOf } from './parts.ts';
import { sendError, type FromAnalysis, type ToAnalysis } from './threadMessages.ts';

export interface AnalysisThreadData {
  config: ServeConfig;
  env: Record<string, string | undefined>;
  scrape: boolean;
  tickEveryMs?: number;
}

if (!parentPort) throw new Error('analysisThreadMain.ts runs as a worker thread (see analysisHost.ts)');
const port = parentPort;
const post = (message: FromAnalysis) => port.postMessage(message);

/**
 * Lowers this thread's scheduling priority (Linux keeps a nice value per thread; `setPriority(0)`
 * sets the calling thread's), before anything starts: the judges' threads it spawns inherit it.
 * When the analysis and the HTTP thread both want a core, the HTTP thread gets it; when the HTTP
 * thread is idle the analysis has every core as before. Without it, on a loaded machine the polled
 * answers waited for the analysis's time slices and the probes' answers with them.
 */
function yieldToTheHttpThread(nice: number, logger: ReturnType<typeof serviceLogger>): void {
  // elsewhere (macOS) the nice value is the process's: lowering it would slow the HTTP thread too
  if (nice === 0 || process.platform !== 'linux') return;
  try {
    setPriority(0, nice);
  } catch (error) {
    logger.warn({ err: String(error), nice }, 'could not lower the analysis thread priority; it competes with HTTP');
  }
}

async function run(data: AnalysisThreadData): Promise<void> {
  const { config, env } = data;
  const logger = serviceLogger(config, 'all');
  yieldToTheHttpThread(config.engine.analysisNice, logger);
  const closers: (() => Promise<void>)[] = [];
  let store: Store | undefined;
  let analysis: RunningAnalysis | undefined;
  // calls may arrive while starting: answered once the parts they need exist
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  port.on('message', (message: ToAnalysis) => {
    if (message.type === 'close') {
      void (async () => {
        for (const close of closers)
          await close().catch((err: unknown) => logger.error({ err: String(err) }, 'shutdown step failed'));
        post({ type: 'closed' });
      })();
      return;
    }
    void (async () => {
      try {
        await ready;
        const target = (message.target === 'store' ? store : analysis?.lifecycle) as unknown as Record<
          string,
          (...args: unknown[]) => unknown
        >;
        if (typeof target?.[message.method] !== 'function') throw new Error(`no such call: ${message.method}`);
        const value = await target[message.method](...message.args);
        post({ type: 'reply', seq: message.seq, value });
      } catch (error) {
        post({ type: 'reply', seq: message.seq, error: sendError(error) });
      }
    })();
  });
  try {
    store = await openMigratedStore(storeUrlOf(config, env));
    const opened = store;
    closers.unshift(() => opened.close());
    const bus = await openBus(config.bus, env);
    closers.unshift(() => bus.close());
    analysis = await startAnalysis(config, {
      store,
      bus,
      env,
      logger,
      clock: Date.now,
      trailingSinks: [
        {
          // last in line: the actions have run (and may have closed the release) when the gate hears of it
          name: 'gate-thread',
          onVerdict: async (verdict) => post({ type: 'verdict', verdict }),
        },
      ],
      ...(data.tickEveryMs !== undefined ? { tickEveryMs: data.tickEveryMs } : {}),
    });
    closers.unshift(() => analysis!.close());
    if (data.scrape) analysis.startSources();
    started();
    post({ type: 'ready', storeKind: store.kind });
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    post({ type: 'failed', error: sendError(error) });
  }
}

void run(workerData as AnalysisThreadData);
