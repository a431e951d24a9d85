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

/**
 * The parent disconnects every worker as soon as one task fails (or when all are done), so a
 * worker still busy then has no one to answer: its reply is dropped. Without the callback a send on
 * the closed channel throws ERR_IPC_CHANNEL_CLOSED as an unhandled 'error' event.
 */
function reply(message: TaskReply): void {
  if (!process.connected || !process.send) return;
  process.send(message, undefined, {}, () => {});
}

process.on('message', (task: Task) => {
  void judgesFrom(task.judgesModule).then(
    (judges) =>
      reply({
        id: task.id,
        result: runCase(task.bench, judges, { scenario: task.scenario, seeds: { from: task.from, to: task.to } }),
      }),
    (error: unknown) => reply({ id: task.id, error: String(error instanceof Error ? error.stack : error) }),
  );
});
