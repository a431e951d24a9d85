/**
 * The `all` role's liveness: while its analysis thread runs, `/healthz` answers 200; once that
 * thread has exited without being asked to, no release is judged any more, so `/healthz` answers
 * 503 with the reason (the kubelet then restarts the pod, which resumes every release from its
 * checkpoint) and `/readyz` answers 503 too. A process that kept answering 200 would be left
 * running, judging nothing, for as long as nobody looked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { startThreadedService } from './analysisHost.ts';
import { parseServeConfig } from './config.ts';

test(
  'all role: /healthz answers 503 with the reason once the analysis thread has exited',
  { timeout: 120_000 },
  async () => {
    const config = parseServeConfig(
      ['listen: { host: 127.0.0.1, port: 0 }', 'bus: { kind: memory }', 'engine: { interval: 1m }'].join('\n'),
      'serve.yaml',
    );
    const service = await startThreadedService(config, {
      env: { RH_TOKENS: 'ci:operator:0123456789abcdef0123456789abcdef' },
      scrape: false,
    });
    try {
      const healthy = await fetch(`${service.url}/healthz`);
      assert.deepEqual([healthy.status, await healthy.json()], [200, { status: 'ok' }]);
      assert.equal((await fetch(`${service.url}/readyz`)).status, 200);

      const exited = once(service.analysisThread, 'exit');
      await service.analysisThread.terminate();
      await exited;

      const failing = await fetch(`${service.url}/healthz`);
      assert.equal(failing.status, 503);
      assert.deepEqual(await failing.json(), {
        status: 'failing',
        reason: 'the analysis thread exited; no release is judged until a restart',
      });
      assert.equal((await fetch(`${service.url}/readyz`)).status, 503);
    } finally {
      await service.close();
    }
  },
);
