/**
 * Preloaded into each worker process by `bench/kafkaWorkers.ts --cpu-prof-dir DIR` (through
 * NODE_OPTIONS, which does not accept node's own `--cpu-prof` on Node 20): profiles the whole
 * process with the inspector and writes `DIR/worker-<pid>.cpuprofile` at exit (open it in Chrome's
 * DevTools, Performance panel). On a busy machine the sampler counts wall time, so a function
 * the scheduler paused looks slower than it is: compare shares, not milliseconds.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.RH_BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // a same-thread session answers synchronously, so the profile is written before the exit
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `worker-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
