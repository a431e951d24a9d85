import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Replay, type AnalysisSpec } from '../analyzer/index.ts';
import { readSamples } from '../cli/samplesFile.ts';
import { lognormal, seeded } from './timing.ts';

const START = Date.UTC(2026, 10, 27, 10, 0, 0);

export const benchSpec: AnalysisSpec = {
  release: { id: 'bench-1', service: 'odoo', version: '17.0.6', environment: 'production', strategy: 'canary', class: 'standard', startedAt: START, canaryWeight: 0.25 },
  metrics: [
    { name: 'checkout_latency_seconds', group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.05, critical: true },
    { name: 'stock_reservation_latency_seconds', group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.1 },
    { name: 'error_ratio', group: 'application', kind: 'ratio', harm: 'increase', tolerance: 0.2, numerator: 'http_errors_total', denominator: 'http_requests_total' },
    { name: 'orders_confirmed_total', group: 'business', kind: 'count', harm: 'decrease', tolerance: 0.1, exposure: 'http_requests_total' },
  ],
  policy: { observeMs: 3_600_000 },
};

/** Writes `lines` NDJSON samples spread over one hour (A/A, so the replay runs to the end). */
async function writeSamples(path: string, lines: number): Promise<void> {
  const random = seeded(7);
  const out = createWriteStream(path);
  const perMinute = Math.ceil(lines / 60);
  let written = 0;
  let buffer = '';
  for (let minute = 0; minute < 60 && written < lines; minute++) {
    for (let i = 0; i < perMinute && written < lines; i++, written++) {
      const ts = START + minute * 60_000 + Math.floor((i / perMinute) * 60_000);
      const cohort = random() < 0.25 ? 'canary' : 'baseline';
      const r = random();
      const metric = r < 0.7 ? 'checkout_latency_seconds' : r < 0.97 ? 'stock_reservation_latency_seconds' : r < 0.98 ? 'http_errors_total' : r < 0.99 ? 'orders_confirmed_total' : 'http_requests_total';
      const value = metric.endsWith('_seconds') ? Number(lognormal(random, 0.35, 0.6).toFixed(4)) : Math.floor(random() * 50);
      buffer += `{"ts":${ts},"metric":"${metric}","cohort":"${cohort}","value":${value}}\n`;
      if (buffer.length > 1 << 16) {
        if (!out.write(buffer)) await once(out, 'drain');
        buffer = '';
      }
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/** `analyze` throughput: NDJSON parsed, validated and judged (sequential, a look per minute). */
export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const lines = quick ? 300_000 : 3_000_000;
  const dir = await mkdtemp(join(tmpdir(), 'rh-bench-'));
  const path = join(dir, 'samples.ndjson');
  try {
    await writeSamples(path, lines);
    const bytes = (await stat(path)).size;
    const results: Record<string, number> = {};
    for (const mode of ['sequential', 'fixed'] as const) {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        const start = process.hrtime.bigint();
        const replay = new Replay(benchSpec, { mode, intervalMs: 60_000 });
        await readSamples(path, (s) => replay.push(s));
        replay.finish();
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
      }
      results[mode] = Math.round(lines / best);
      console.log(`analyze --mode ${mode}: ${lines.toLocaleString('en-US')} samples (${(bytes / 1e6).toFixed(0)} MB) in ${best.toFixed(2)} s = ${results[mode].toLocaleString('en-US')} samples/s`);
    }
    return { samples: lines, bytes, samplesPerSecondSequential: results.sequential, samplesPerSecondFixed: results.fixed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
