import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Replay, type AnalysisSpec } from '../analyzer/index.ts';
import { readSamples } from '../collector/ndjson/samples.ts';
import { lognormal, seeded } from './timing.ts';

const START = Date.UTC(2026, 10, 27, 10, 0, 0);

export const benchSpec: AnalysisSpec = {
  release: {
    id: 'bench-1',
    service: 'odoo',
    version: '17.0.6',
    environment: 'production',
    strategy: 'canary',
    class: 'standard',
    startedAt: START,
    canaryWeight: 0.25,
  },
  metrics: [
    {
      name: 'checkout_latency_seconds',
      group: 'business',
      kind: 'latency',
      harm: 'increase',
      tolerance: 0.05,
      critical: true,
    },
    { name: 'stock_reservation_latency_seconds', group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.1 },
    {
      name: 'error_ratio',
      group: 'application',
      kind: 'ratio',
      harm: 'increase',
      tolerance: 0.2,
      numerator: 'http_errors_total',
      denominator: 'http_requests_total',
    },
    {
      name: 'orders_confirmed_total',
      group: 'business',
      kind: 'count',
      harm: 'decrease',
      tolerance: 0.1,
      exposure: 'http_requests_total',
    },
  ],
  policy: { observeMs: 3_600_000 },
};

/** A binomial draw (n small: the bench's per-sample request counts), by summing Bernoulli trials. */
function binomial(random: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

/**
 * Writes `lines` NDJSON samples spread over one hour: an A/A comparison (both cohorts drawn from
 * the same distributions), valid input for every metric of `benchSpec`, so the replay runs to the
 * window's end and promotes. Latencies are lognormal per request; counters come as one traffic
 * sample per cohort and moment — requests n, errors ~ Binomial(n, 1%) and confirmed orders ~
 * Binomial(n, 30%) — so events never exceed their totals.
 */
async function writeSamples(path: string, lines: number): Promise<void> {
  const random = seeded(7);
  const out = createWriteStream(path);
  const perMinute = Math.ceil(lines / 60);
  let written = 0;
  let buffer = '';
  for (let minute = 0; minute < 60 && written < lines; minute++) {
    // by lines written, not draws: a traffic draw writes three
    for (let i = 0; written < Math.min(lines, (minute + 1) * perMinute); i++) {
      const ts = START + minute * 60_000 + Math.min(59_999, Math.floor((i / perMinute) * 60_000));
      const cohort = random() < 0.25 ? 'canary' : 'baseline';
      if (random() < 0.97 || lines - written < 3) {
        const metric = random() < 0.72 ? 'checkout_latency_seconds' : 'stock_reservation_latency_seconds';
        buffer += `{"ts":${ts},"metric":"${metric}","cohort":"${cohort}","value":${Number(lognormal(random, 0.35, 0.6).toFixed(4))}}\n`;
        written++;
      } else {
        const requests = 1 + Math.floor(random() * 50);
        buffer += `{"ts":${ts},"metric":"http_requests_total","cohort":"${cohort}","value":${requests}}\n`;
        buffer += `{"ts":${ts},"metric":"http_errors_total","cohort":"${cohort}","value":${binomial(random, requests, 0.01)}}\n`;
        buffer += `{"ts":${ts},"metric":"orders_confirmed_total","cohort":"${cohort}","value":${binomial(random, requests, 0.3)}}\n`;
        written += 3;
      }
      if (buffer.length > 1 << 16) {
        if (!out.write(buffer)) await once(out, 'drain');
        buffer = '';
      }
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/**
 * `analyze` throughput: NDJSON parsed, validated and judged (a look per minute), for the sequential
 * and the fixed-horizon judge. The data is A/A and valid, so both must promote at the window's end;
 * a bench whose replay ended otherwise would be timing a different workload (an early rollback
 * stops judging), so it fails instead of printing a figure.
 */
export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const lines = quick ? 300_000 : 3_000_000;
  const dir = await mkdtemp(join(tmpdir(), 'rh-bench-'));
  const path = join(dir, 'samples.ndjson');
  try {
    await writeSamples(path, lines);
    const bytes = (await stat(path)).size;
    const results: Record<string, number> = {};
    const decisions: Record<string, string> = {};
    for (const mode of ['sequential', 'fixed'] as const) {
      let best = Number.POSITIVE_INFINITY;
      // the fixed judge re-ranks every sample at every look (minutes on 3 M samples): one run of it
      for (let i = 0; i < (quick || mode === 'fixed' ? 1 : 3); i++) {
        const start = process.hrtime.bigint();
        const replay = new Replay(benchSpec, { mode, intervalMs: 60_000 });
        await readSamples(path, (s) => replay.push(s));
        const { verdict } = replay.finish();
        decisions[mode] = verdict.decision;
        if (verdict.decision !== 'promote')
          throw new Error(
            `bench analyze: the A/A replay (--mode ${mode}) ended ${verdict.decision} at ${new Date(verdict.at).toISOString()}, not promote: ${verdict.reasons.join('; ')}`,
          );
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
      }
      results[mode] = Math.round(lines / best);
      console.log(
        `analyze --mode ${mode}: ${lines.toLocaleString('en-US')} samples (${(bytes / 1e6).toFixed(0)} MB) in ${best.toFixed(2)} s = ${results[mode].toLocaleString('en-US')} samples/s (A/A: ${decisions[mode]})`,
      );
    }
    return {
      samples: lines,
      bytes,
      samplesPerSecondSequential: results.sequential,
      samplesPerSecondFixed: results.fixed,
      decisions,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
