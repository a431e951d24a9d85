import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from './main.ts';

// End to end on the shipped examples (examples/generate.ts made them from seeded scenarios whose
// truth is known: the regression example's canary is 25% slower at checkout from minute 10).
const example = (dir: string, file: string): string =>
  fileURLToPath(new URL(`../examples/${dir}/${file}`, import.meta.url));
const REGRESSION = [
  '--spec',
  example('checkout-latency-regression', 'spec.yaml'),
  '--samples',
  example('checkout-latency-regression', 'samples.ndjson'),
];
const AA = ['--spec', example('aa-healthy', 'spec.yaml'), '--samples', example('aa-healthy', 'samples.ndjson')];
const START = 1_741_770_000_000;

interface Output {
  verdict: { decision: string; reasons: string[]; metrics: { metric: string; classification: string }[]; at: number };
  timeline: { at: number; decision: string; score: number }[];
  samples: { lines: number; accepted: number };
}

async function analyze(args: string[]): Promise<{ code: number; json: Output }> {
  let out = '';
  const code = await main(['analyze', ...args, '--json'], { out: (t) => (out += t), err: () => {} });
  return { code, json: JSON.parse(out) as Output };
}

test('the +25% checkout regression ends in rollback (exit 2), after the onset, naming the metric', async () => {
  for (const mode of ['sequential', 'fixed']) {
    const { code, json } = await analyze([
      ...REGRESSION,
      '--mode',
      mode,
      '--interval',
      mode === 'fixed' ? '10m' : '1m',
    ]);
    assert.equal(code, 2, mode);
    assert.equal(json.verdict.decision, 'rollback');
    assert.ok(
      json.verdict.reasons.some((r) => r.includes('checkout_latency_seconds')),
      mode,
    );
    const rollback = json.timeline.find((e) => e.decision === 'rollback');
    assert.ok(rollback && rollback.at > START + 10 * 60_000, `${mode}: rollback only after the onset at minute 10`);
    assert.equal(json.timeline.at(-1)?.decision, 'rollback');
  }
});

test('the A/A example is not rolled back by either judge', async () => {
  for (const mode of ['sequential', 'fixed']) {
    const { code, json } = await analyze([...AA, '--mode', mode]);
    assert.notEqual(json.verdict.decision, 'rollback', mode);
    assert.ok(!json.timeline.some((e) => e.decision === 'rollback' || e.decision === 'reduce-traffic'), mode);
    assert.ok(code === 0 || code === 3, `${mode}: exit ${code}`);
  }
});

test('the timeline lists each change of decision once, in order', async () => {
  const { json } = await analyze(REGRESSION);
  for (let i = 1; i < json.timeline.length; i++) {
    assert.ok(json.timeline[i].at > json.timeline[i - 1].at);
    assert.notEqual(json.timeline[i].decision, json.timeline[i - 1].decision);
  }
});

test('a Kayenta canary config judges the same samples', async () => {
  const { code, json } = await analyze([
    '--spec',
    example('kayenta-config', 'spec.yaml'),
    '--samples',
    example('checkout-latency-regression', 'samples.ndjson'),
    '--mode',
    'fixed',
    '--interval',
    '10m',
  ]);
  assert.equal(code, 2);
  assert.ok(json.verdict.reasons.some((r) => r.includes('checkout_latency_seconds')));
});

test('the bin reads samples from stdin and prints the human summary', () => {
  const bin = fileURLToPath(new URL('../bin/release-health.js', import.meta.url));
  const input = readFileSync(example('checkout-latency-regression', 'samples.ndjson'));
  const result = spawnSync(
    process.execPath,
    [bin, 'analyze', '--spec', example('checkout-latency-regression', 'spec.yaml'), '--samples', '-'],
    { input, encoding: 'utf8' },
  );
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stdout, /verdict: ROLLBACK/);
  assert.match(result.stdout, /checkout_latency_seconds\s+high\s+CRITICAL/);
});

test('demo --replay replays the recorded examples and exits 0 whatever the verdicts', async () => {
  let out = '';
  const code = await main(['demo', '--replay'], { out: (t) => (out += `${t}\n`), err: () => {} });
  assert.equal(code, 0);
  assert.equal((out.match(/verdict: ROLLBACK/g) ?? []).length, 2);
  assert.match(out, /verdict: PROMOTE|verdict: INCONCLUSIVE/);
});
