/**
 * Spreads the benchmark's scenarios over worker processes: each case is cut into chunks of
 * consecutive seeds, idle workers pull the next chunk, and the chunks are merged back in seed
 * order — so the figures do not depend on the number of workers or on scheduling.
 *
 * Processes rather than worker threads: tsx's loader (`--import tsx`, inherited through
 * `execArgv`) reaches forked processes but not worker threads on Node 20.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  mergeCaseResults,
  runCase,
  scenarioCount,
  type BenchCase,
  type CaseResult,
  type RunnerOptions,
} from './runner.ts';
import type { Judge } from './runner.ts';

export interface Task {
  id: number;
  bench: BenchCase;
  from: number;
  to: number;
  scenario: RunnerOptions['scenario'];
  /** absolute path of a module exporting `JUDGES: readonly Judge[]` */
  judgesModule: string;
}

export type TaskReply = { id: number; result: CaseResult } | { id: number; error: string };

export interface PoolOptions {
  /** worker processes; 1 runs everything in this process */
  workers: number;
  /** absolute path of the judges module (see Task) */
  judgesModule: string;
  /** seeds per chunk: small enough to balance the load, large enough to amortise messaging */
  chunk?: number;
  scenario?: RunnerOptions['scenario'];
  /** called as chunks finish: scenarios done so far for the case, and its total */
  onProgress?: (bench: BenchCase, done: number, total: number) => void;
}

export async function runCases(cases: readonly BenchCase[], options: PoolOptions): Promise<CaseResult[]> {
  if (!Number.isInteger(options.workers) || options.workers < 1)
    throw new RangeError(`workers must be an integer >= 1, got ${options.workers}`);
  const chunk = options.chunk ?? 10;
  if (options.workers === 1) {
    const { JUDGES } = (await import(pathToFileURL(options.judgesModule).href)) as { JUDGES: readonly Judge[] };
    return cases.map((bench) => runCase(bench, JUDGES, { scenario: options.scenario, onProgress: options.onProgress }));
  }
  const tasks: Task[] = [];
  cases.forEach((bench) => {
    for (let from = 1; from <= scenarioCount(bench); from += chunk) {
      tasks.push({
        id: tasks.length,
        bench,
        from,
        to: Math.min(scenarioCount(bench), from + chunk - 1),
        scenario: options.scenario,
        judgesModule: options.judgesModule,
      });
    }
  });
  const results = new Array<CaseResult | undefined>(tasks.length);
  const done = new Map<BenchCase, number>();
  let next = 0;
  const workerPath = fileURLToPath(new URL('./worker.ts', import.meta.url));

  const drive = (child: ChildProcess): Promise<void> =>
    new Promise((resolve, reject) => {
      let finished = false;
      const give = (): void => {
        if (next >= tasks.length) {
          finished = true;
          child.disconnect();
          resolve();
          return;
        }
        child.send(tasks[next++]);
      };
      child.on('message', (reply: TaskReply) => {
        if ('error' in reply) {
          reject(new Error(`detection worker failed on task ${reply.id}: ${reply.error}`));
          return;
        }
        const task = tasks[reply.id];
        results[reply.id] = reply.result;
        const count = (done.get(task.bench) ?? 0) + (task.to - task.from + 1);
        done.set(task.bench, count);
        options.onProgress?.(task.bench, count, scenarioCount(task.bench));
        give();
      });
      child.on('exit', (code, signal) => {
        if (!finished) reject(new Error(`detection worker exited mid-task (code ${code}, signal ${signal})`));
      });
      give();
    });

  const children = Array.from({ length: Math.min(options.workers, tasks.length) }, () =>
    fork(workerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    await Promise.all(children.map(drive));
  } finally {
    for (const child of children) if (child.connected) child.disconnect();
  }
  return cases.map((bench) =>
    mergeCaseResults(tasks.flatMap((t, i) => (t.bench === bench ? [results[i] as CaseResult] : []))),
  );
}
