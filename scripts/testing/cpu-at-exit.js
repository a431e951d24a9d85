// Preloaded (--import) into every test process scripts/run-tests.js starts: at exit, writes this
// process's CPU time (user + system, µs) to RH_TEST_CPU_DIR/<pid>.json, so the runner can say what
// each test file cost in CPU — the figure that matters on a shared two-core machine, where wall
// time depends on what else runs. Node children that inherit execArgv add their own files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.RH_TEST_CPU_DIR;
if (dir) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    try {
      writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ user, system }));
    } catch {
      // the runner's folder is gone (the runner itself was stopped): nothing to report to
    }
  });
}
