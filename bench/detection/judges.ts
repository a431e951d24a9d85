/**
 * The judges the detection benchmark compares, in a module of their own so that the worker
 * processes (worker.ts) load exactly the same ones as an in-process run.
 * - sequential: the default judge, read every minute on the raw samples (per-request durations);
 * - fixed: Kayenta's standalone analysis, read every 10 minutes on what Prometheus would give
 *   it — per-minute mean durations (`toPerMinuteMeans`) and the per-minute counts.
 */
import { replaySamples } from '../../analyzer/index.ts';
import { toPerMinuteMeans } from '../../simulator/index.ts';
import type { Judge } from './runner.ts';

export const JUDGES: readonly Judge[] = [
  {
    name: 'sequential',
    replay: (s) => replaySamples(s.spec, s.samples, { mode: 'sequential', intervalMs: 60_000 }).timeline,
  },
  {
    name: 'fixed',
    replay: (s) => replaySamples(s.spec, toPerMinuteMeans(s.samples), { mode: 'fixed', intervalMs: 600_000 }).timeline,
  },
];
