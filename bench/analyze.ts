import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
export async function writeSamples(path: string, lines: number): Promise<void> {
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

/** One replay of the file in this process: wall seconds, decision and peak resident memory. */
async function replayOnce(
  path: string,
  mode: 'sequential' | 'fixed',
): Promise<{ seconds: number; decision: string; reasons: string[]; at: number }> {
  const start = process.hrtime.bigint();
  const replay = new Replay(benchSpec, { mode, intervalMs: 60_000 });
  await readSamples(path, (s) => replay.push(s));
  const { verdict } = replay.finish();
  return {
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
    decision: verdict.decision,
    reasons: verdict.reasons,
    at: verdict.at,
  };
}

/**
 * `analyze` throughput: NDJSON parsed, validated and judged (a look per minute), for the sequential
 * and the fixed-horizon judge, each replay in a child process of its own so that its peak resident
 * memory (maxRSS) is its own. The data is A/A and valid, so both must promote at the window's end;
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
    const peaks: Record<string, number> = {};
    const decisions: Record<string, string> = {};
    for (const mode of ['sequential', 'fixed'] as const) {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < (quick ? 1 : 2); i++) {
        const child = spawnSync(
          process.execPath,
          ['--import', 'tsx', fileURLToPath(import.meta.url), '--replay', mode, path],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
        );
        if (child.status !== 0) throw new Error(`bench analyze: the ${mode} replay exited ${child.status}`);
        const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof replayOnce>> & {
          maxRssMiB: number;
        };
        decisions[mode] = r.decision;
        if (r.decision !== 'promote')
          throw new Error(
            `bench analyze: the A/A replay (--mode ${mode}) ended ${r.decision} at ${new Date(r.at).toISOString()}, not promote: ${r.reasons.join('; ')}`,
          );
        best = Math.min(best, r.seconds);
        peaks[mode] = Math.max(peaks[mode] ?? 0, r.maxRssMiB);
      }
      results[mode] = Math.round(lines / best);
      console.log(
        `analyze --mode ${mode}: ${lines.toLocaleString('en-US')} samples (${(bytes / 1e6).toFixed(0)} MB) in ${best.toFixed(2)} s = ${results[mode].toLocaleString('en-US')} samples/s, peak RSS ${peaks[mode]} MiB (A/A: ${decisions[mode]})`,
      );
    }
    console.log(
      `analyze: fixed / sequential = ${(results.sequential / results.fixed).toFixed(2)}× the time, ${(peaks.fixed / peaks.sequential).toFixed(2)}× the peak memory`,
    );
    return {
      samples: lines,
      bytes,
      samplesPerSecondSequential: results.sequential,
      samplesPerSecondFixed: results.fixed,
      peakRssMiBSequential: peaks.sequential,
      peakRssMiBFixed: peaks.fixed,
      decisions,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--replay') {
  const mode = process.argv[3] === 'fixed' ? 'fixed' : 'sequential';
  const r = await replayOnce(process.argv[4], mode);
  console.log(JSON.stringify({ ...r, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}
