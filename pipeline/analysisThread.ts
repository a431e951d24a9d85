/**
 * The body of one analysis thread (analysisThreads.ts): holds the `ReleaseRun` of every release
 * assigned to it and answers the pipeline's requests one at a time, in the order they came.
 * Messages: `{ seq, op, id, ... }` in, `{ seq, value }` or `{ seq, error }` out.
 */
import { parentPort } from 'node:worker_threads';
import type { EngineOptions, Verdict } from '../analyzer/index.ts';
import type { SampleBatch } from '../collector/index.ts';
import type { ReleaseRecord } from '../store/index.ts';
import { ReleaseRun, type PipelineCheckpoint } from './releaseRun.ts';

export type AnalysisRequest =
  | {
      seq: number;
      op: 'open';
      id: string;
      record: ReleaseRecord;
      options: EngineOptions;
      watchMs: number;
      checkpoint?: PipelineCheckpoint;
    }
  | { seq: number; op: 'ingest'; id: string; batch: SampleBatch }
  | { seq: number; op: 'advance'; id: string; now: number }
  | { seq: number; op: 'first-look'; id: string; at: number }
  | { seq: number; op: 'checkpoint'; id: string; lastHanded?: Verdict }
  | { seq: number; op: 'dispose'; id: string };

/** `name`: the error's class name (UnboundedReleaseError…), which a structured copy would lose */
export type AnalysisReply = { seq: number; value: unknown } | { seq: number; error: string; name: string };

const cores = new Map<string, ReleaseRun>();

function core(id: string): ReleaseRun {
  const found = cores.get(id);
  if (!found) throw new Error(`analysis thread holds no release ${JSON.stringify(id)}`);
  return found;
}

function answer(request: AnalysisRequest): unknown {
  switch (request.op) {
    case 'open': {
      const opened = request.checkpoint
        ? ReleaseRun.restore(request.record, request.options, request.watchMs, request.checkpoint)
        : ReleaseRun.fresh(request.record, request.options, request.watchMs);
      cores.set(request.id, opened);
      return opened.state;
    }
    case 'ingest': {
      const c = core(request.id);
      return { ...c.ingest(request.batch), state: c.state };
    }
    case 'advance': {
      const c = core(request.id);
      return { verdicts: c.advanceTo(request.now), state: c.state };
    }
    case 'first-look':
      return core(request.id).firstLook(request.at) ?? null;
    case 'checkpoint': {
      const c = core(request.id);
      c.lastHanded = request.lastHanded;
      return c.checkpoint();
    }
    case 'dispose':
      cores.delete(request.id);
      return null;
  }
}

if (!parentPort) throw new Error('analysisThread.ts runs as a worker thread (see analysisThreads.ts)');
const port = parentPort;
port.on('message', (request: AnalysisRequest) => {
  let reply: AnalysisReply;
  try {
    reply = { seq: request.seq, value: answer(request) };
  } catch (error) {
    reply = {
      seq: request.seq,
      error: error instanceof Error ? error.message : String(error),
      name: error instanceof Error ? error.name : 'Error',
    };
  }
  port.postMessage(reply);
});
port.postMessage({ seq: 0, value: 'ready' } satisfies AnalysisReply);
