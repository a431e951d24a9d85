import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCases } from './pool.ts';
import type { BenchCase } from './runner.ts';

const judgesModule = fileURLToPath(new URL('./fixtures/toy-judges.ts', import.meta.url));
const scenario = { durationMinutes: 15, checkoutPerMinute: 40, stockPerMinute: 10, httpRequestsPerMinute: 300 };
const cases: BenchCase[] = [
  { tenant: 'mid-size', kind: 'none', onsetMinutes: 0, runs: 13, oracleRuns: 0 },
  { tenant: 'mid-size', kind: 'error-ratio-x3', onsetMinutes: 5, runs: 7, oracleRuns: 9 },
];

test('worker processes give exactly the in-process results, whatever the chunking', async () => {
  const alone = await runCases(cases, { workers: 1, judgesModule, scenario });
  const progress: string[] = [];
  const pooled = await runCases(cases, {
    workers: 2,
    judgesModule,
    scenario,
    chunk: 4,
    onProgress: (b, done, total) => progress.push(`${b.kind}:${done}/${total}`),
  });
  assert.deepEqual(pooled, alone);
  assert.ok(progress.includes('none:13/13') && progress.includes('error-ratio-x3:9/9'));
  assert.equal(alone[0].judges.toy.detections.length, 13);
  assert.ok(
    alone[0].judges.toy.detections.some((d) => d !== null),
    'some A/A seeds draw a share below 0.25',
  );
  assert.deepEqual(alone[1].judges.toy.detections, new Array(7).fill(3));
});

test('a failing judge module surfaces as a rejected promise, not a hang', async () => {
  await assert.rejects(
    runCases(cases, { workers: 2, judgesModule: '/nonexistent/judges.ts', scenario }),
    /detection worker failed/,
  );
});
