/**
 * Start-up of the commands, as an operator meets it: `analyze` from process start to its exit on
 * a one-sample file (an upper bound of "start to the first sample read": reading one line and one
 * look are microseconds), and `serve` from process start to its first `/readyz` 200 (PGlite store
 * in a fresh temp directory, no targets). Wall time and peak RSS (VmHWM) of each child, best and
 * worst of N runs. Prints figures, then one JSON line.
 *
 *   node --import tsx bench/startup.ts [--quick] [--runs 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin/release-health.js');

const peakRssMiB = (pid: number): number => {
  try {
    return (
      Math.round(
        (Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024) * 10,
      ) / 10
    );
  } catch {
    return Number.NaN;
  }
};

/** analyze on a one-sample file: wall time to exit, peak RSS read just before it exits (via /proc while polling) */
function analyzeOnce(dir: string): Promise<{ s: number; peakMiB: number }> {
  const samples = join(dir, 'one.ndjson');
  writeFileSync(samples, readFileSync(join(ROOT, 'examples/aa-healthy/samples.ndjson'), 'utf8').split('\n')[0] + '\n');
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, 'analyze', '--spec', join(ROOT, 'examples/aa-healthy/spec.yaml'), '--samples', samples],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, peakRssMiB(child.pid!) || 0)), 20);
  return new Promise((res, rej) => {
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) rej(new Error(`analyze exited ${code}`));
      else res({ s: (performance.now() - t0) / 1000, peakMiB: peak });
    });
  });
}

/** serve with an empty config: wall time to the first /readyz 200 and the RSS peak by then */
async function serveOnce(dir: string): Promise<{ s: number; peakMiB: number }> {
  const config = join(dir, `serve-${Date.now()}.yaml`);
  writeFileSync(
    config,
    [
      `listen: { port: 0 }`,
      `store: { url: "pglite://${join(dir, `store-${Date.now()}`)}" }`,
      'logging: { level: warn }',
    ].join('\n'),
  );
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RH_TOKENS: 'bench:reader:bench-reader-startup-0000' },
  });
  try {
    const url = await new Promise<string>((res, rej) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /serving on (http:\/\/\S+)/.exec(err);
        if (m) res(m[1]);
      });
      child.on('exit', (code) => rej(new Error(`serve exited ${code}: ${err.slice(-500)}`)));
    });
    for (;;) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return { s: (performance.now() - t0) / 1000, peakMiB: peakRssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

export async function run({ quick, runs }: { quick: boolean; runs?: number }): Promise<Record<string, unknown>> {
  const n = runs ?? (quick ? 1 : 3);
  const dir = mkdtempSync(join(tmpdir(), 'rh-bench-startup-'));
  try {
    const figures: Record<string, unknown> = {
      runs: n,
      from: BIN.endsWith('.js') ? 'bin/release-health.js (TypeScript sources through tsx)' : BIN,
    };
    for (const [name, once] of [
      ['analyze', analyzeOnce],
      ['serve', serveOnce],
    ] as const) {
      const results: { s: number; peakMiB: number }[] = [];
      for (let i = 0; i < n; i++) results.push(await once(dir));
      const s = results.map((r) => Math.round(r.s * 100) / 100);
      const mibs = results.map((r) => r.peakMiB);
      figures[name] = {
        seconds: { best: Math.min(...s), worst: Math.max(...s) },
        peakRssMiB: { best: Math.min(...mibs), worst: Math.max(...mibs) },
      };
      console.log(
        `${name === 'analyze' ? 'analyze, start to exit on a one-sample file' : 'serve, start to the first /readyz 200'}: ${Math.min(...s)}–${Math.max(...s)} s, peak RSS ${Math.min(...mibs)}–${Math.max(...mibs)} MiB (${n} runs)`,
      );
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, runs: { type: 'string' } }, strict: true });
  const figures = await run({ quick: values.quick ?? false, runs: values.runs ? Number(values.runs) : undefined });
  console.log(JSON.stringify({ bench: { startup: figures } }));
}
