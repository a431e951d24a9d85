/**
 * A worker process of the detection benchmark (forked by pool.ts): receives chunks of seeds,
 * runs them with the judges of `judgesModule`, and sends each chunk's result back. The process
 * exits when the parent disconnects.
 */
import { pathToFileURL } from 'node:url';
import { runCase, type Judge } from './runner.ts';
import type { Task, TaskReply } from './pool.ts';

const cache = new Map<string, Promise<readonly Judge[]>>();

function judgesFrom(path: string): Promise<readonly Judge[]> {
  let judges = cache.get(path);
  if (!judges) {
    judges = import(pathToFileURL(path).href).then((m: { JUDGES: readonly Judge[] }) => m.JUDGES);
    cache.set(path, judges);
  }
  return judges;
}

process.on('message', (task: Task) => {
  void judgesFrom(task.judgesModule).then(
    (judges) => {
      const result = runCase(task.bench, judges, { scenario: task.scenario, seeds: { from: task.from, to: task.to } });
      const reply: TaskReply = { id: task.id, result };
      process.send?.(reply);
    },
    (error: unknown) => process.send?.({ id: task.id, error: String(error instanceof Error ? error.stack : error) } satisfies TaskReply),
  );
});
