/**
 * The efficiency pattern end to end: the spec and collect config validate, and on seeded
 * synthetic samples where the canary spends 40% more CPU per request (latency unchanged) the
 * sequential judge flags cpu_seconds_total while an A/A run does not; the capacity note then
 * reads "at Black Friday traffic (×3) this needs +4x% CPU".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { replaySamples, type Sample } from '../../analyzer/index.ts';
import { capacityNote } from './capacityNote.ts';
import { createRng } from '../../analyzer/stats/seededRandom.ts';
import { loadCollectConfig } from '../../cli/collect.ts';
import { loadSpec } from '../../cli/specFile.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

/** a seeded generator, so the samples are the same at every run */
const prng = (seed: number): (() => number) => createRng(seed).next;

/** 60 min of 15 s scrapes: 2 000 requests/min, 25% to the canary; CPU and Redis per request with ±10% noise. */
function samples(start: number, canaryCpuFactor: number, seed: number): Sample[] {
  const rnd = prng(seed);
  const noise = () => 0.9 + 0.2 * rnd();
  const out: Sample[] = [];
  for (let ts = start + 15_000; ts <= start + 60 * 60_000; ts += 15_000) {
    for (const [cohort, share, cpuPerRequest] of [
      ['baseline', 0.75, 0.08],
      ['canary', 0.25, 0.08 * canaryCpuFactor],
    ] as const) {
      const requests = Math.round(500 * share * noise());
      out.push({ ts, metric: 'http_requests_total', cohort, value: requests });
      out.push({ ts, metric: 'cpu_seconds_total', cohort, value: requests * cpuPerRequest * noise() });
      out.push({ ts, metric: 'redis_commands_total', cohort, value: Math.round(requests * 6 * noise()) });
      out.push({ ts, metric: 'pg_connections', cohort, value: Math.round(20 * share * noise()) });
      out.push({ ts, metric: 'memory_working_set_bytes', cohort, value: 6e8 * noise() });
    }
  }
  return out;
}

test('the efficiency spec and its collect config validate', async () => {
  const { spec, warnings } = await loadSpec(here('./spec.yaml'));
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    spec.metrics.map((m) => m.name),
    ['cpu_seconds_total', 'redis_commands_total', 'pg_connections', 'memory_working_set_bytes', 'http_requests_total'],
  );
  const collect = await loadCollectConfig(here('./collect.yaml'));
  const produced = new Set(collect.targets.flatMap((t) => t.metrics.map((m) => m.as ?? m.name)));
  for (const m of spec.metrics) assert.ok(produced.has(m.name), `collect.yaml produces ${m.name}`);
});

test('+40% CPU per request is caught and turned into a capacity note; an A/A run is not flagged', async (t) => {
  const { spec } = await loadSpec(here('./spec.yaml'));
  const regressed = replaySamples(spec, samples(spec.release.startedAt, 1.4, 42), {
    mode: 'sequential',
    intervalMs: 60_000,
  });
  const cpu = regressed.verdict.metrics.find((m) => m.metric === 'cpu_seconds_total');
  assert.equal(cpu?.classification, 'high', cpu?.reason);
  assert.ok(
    cpu.effect.low < 0.4 && 0.4 < cpu.effect.high,
    `interval [${cpu.effect.low}, ${cpu.effect.high}] holds the true +40%`,
  );
  for (const m of regressed.verdict.metrics.filter((x) => x.metric !== 'cpu_seconds_total'))
    assert.notEqual(m.classification, 'high', m.metric);
  const note = capacityNote(cpu, { peakTrafficFactor: 3, peakName: 'Black Friday' });
  t.diagnostic(`${regressed.verdict.decision}: ${note?.text}`);
  assert.match(note?.text ?? '', /^at Black Friday traffic \(×3\) this needs \+(3[5-9]|4[0-5])% CPU/);

  const aa = replaySamples(spec, samples(spec.release.startedAt, 1, 43), { mode: 'sequential', intervalMs: 60_000 });
  assert.ok(
    !aa.verdict.metrics.some((m) => m.classification === 'high' || m.classification === 'low'),
    JSON.stringify(aa.verdict.metrics.map((m) => [m.metric, m.classification])),
  );
});
