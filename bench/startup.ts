/**
 * Start-up of the commands, as an operator meets it. `analyze` from process start to its first
 * sample read: the samples file is a named pipe, and the bench's open of its writing end returns
 * when the child opens it to read (the first read follows within microseconds); the child's peak
 * RSS (VmHWM) is read at that moment, then one sample is written and the child must exit 0. Three
 * programs, alternating run by run so the machine's load falls on all alike: bare node opening the
 * same pipe (the floor), the unbundled compiled JavaScript (dist/cli/main.js) and the bundle that
 * bin/release-health.js runs (dist/app/main.js, `npm run build`). `serve` from process start to its
 * first `/readyz` 200 (PGlite store in a fresh temp directory, no targets). Prints figures with the
 * load average, then one JSON line.
 *
 *   node --import tsx bench/startup.ts [--quick] [--runs 5] [--analyze-only]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
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

type Program = 'bare node' | 'dist unbundled' | 'dist bundled';

/** the node arguments that run `analyze` on the pipe (or, for bare node, just open it to read) */
function argsFor(program: Program, spec: string, samples: string): string[] {
  const analyze = ['analyze', '--spec', spec, '--samples', samples];
  if (program === 'bare node') return ['-e', 'require("node:fs").createReadStream(process.argv[1]).resume()', samples];
  if (program === 'dist unbundled') {
    const main = pathToFileURL(join(ROOT, 'dist/cli/main.js')).href;
    return [
      '--input-type=module',
      '-e',
      `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(process.argv.slice(1));`,
      ...analyze,
    ];
  }
  return [BIN, ...analyze];
}

/** one run: seconds from spawn to the child's open of the samples pipe, and its peak RSS by then */
async function analyzeOnce(dir: string, program: Program, line: string): Promise<{ s: number; peakMiB: number }> {
  const samples = join(dir, `samples-${process.hrtime.bigint()}.ndjson`);
  execFileSync('mkfifo', [samples]);
  const t0 = performance.now();
  const child = spawn(process.execPath, argsFor(program, join(ROOT, 'examples/aa-healthy/spec.yaml'), samples), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  // an exit before the open (a crash at start) would leave the open waiting: race the two
  const writer = await Promise.race([open(samples, 'w'), exited.then(() => undefined)]);
  const s = (performance.now() - t0) / 1000;
  const peakMiB = peakRssMiB(child.pid!);
  if (!writer) throw new Error(`${program} exited before reading the samples: ${stderr.slice(-500)}`);
  await writer.write(line);
  await writer.close();
  const code = await exited;
  rmSync(samples, { force: true });
  if (code !== 0) throw new Error(`${program} analyze exited ${code}: ${stderr.slice(-500)}`);
  return { s, peakMiB };
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

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

export async function run({
  quick,
  runs,
  analyzeOnly = false,
}: {
  quick: boolean;
  runs?: number;
  analyzeOnly?: boolean;
}): Promise<Record<string, unknown>> {
  const n = runs ?? (quick ? 1 : 5);
  const dir = mkdtempSync(join(tmpdir(), 'rh-bench-startup-'));
  try {
    const programs: Program[] = ['bare node', 'dist unbundled', 'dist bundled'];
    for (const [file, build] of [
      ['dist/cli/main.js', 'unbundled'],
      ['dist/app/main.js', 'bundled'],
    ])
      if (!existsSync(join(ROOT, file))) throw new Error(`no ${file} (the ${build} build): run "npm run build" first`);
    const line = readFileSync(join(ROOT, 'examples/aa-healthy/samples.ndjson'), 'utf8').split('\n')[0] + '\n';
    const loadBefore = loadavg().map((l) => round(l, 2));
    const results = new Map<Program, { s: number; peakMiB: number }[]>(programs.map((p) => [p, []]));
    // alternating: run i of every program before run i + 1 of any
    for (let i = 0; i < n; i++) for (const p of programs) results.get(p)!.push(await analyzeOnce(dir, p, line));
    const loadAfter = loadavg().map((l) => round(l, 2));
    const bareMedian = median(results.get('bare node')!.map((r) => r.s));
    const analyze: Record<string, unknown> = {};
    console.log(
      `analyze, process start to the first sample read (${n} alternating runs; load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after):`,
    );
    for (const p of programs) {
      const s = results.get(p)!.map((r) => round(r.s, 3));
      const mibs = results.get(p)!.map((r) => r.peakMiB);
      const figures = {
        seconds: { best: Math.min(...s), median: round(median(s), 3), worst: Math.max(...s) },
        peakRssMiB: { best: Math.min(...mibs), worst: Math.max(...mibs) },
        medianOverBareNode: round(median(s) / bareMedian, 2),
      };
      analyze[p] = figures;
      console.log(
        `  ${p.padEnd(15)} ${figures.seconds.best}–${figures.seconds.worst} s (median ${figures.seconds.median} s, ${figures.medianOverBareNode}× bare node), peak RSS ${figures.peakRssMiB.best}–${figures.peakRssMiB.worst} MiB`,
      );
    }
    const figures: Record<string, unknown> = {
      runs: n,
      loadAverage: { before: loadBefore, after: loadAfter },
      analyze,
    };
    if (!analyzeOnly) {
      const served: { s: number; peakMiB: number }[] = [];
      for (let i = 0; i < n; i++) served.push(await serveOnce(dir));
      const s = served.map((r) => round(r.s, 2));
      const mibs = served.map((r) => r.peakMiB);
      figures.serve = {
        seconds: { best: Math.min(...s), worst: Math.max(...s) },
        peakRssMiB: { best: Math.min(...mibs), worst: Math.max(...mibs) },
      };
      console.log(
        `serve (bin/release-health.js), start to the first /readyz 200: ${Math.min(...s)}–${Math.max(...s)} s, peak RSS ${Math.min(...mibs)}–${Math.max(...mibs)} MiB (${n} runs)`,
      );
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, runs: { type: 'string' }, 'analyze-only': { type: 'boolean' } },
    strict: true,
  });
  const figures = await run({
    quick: values.quick ?? false,
    runs: values.runs ? Number(values.runs) : undefined,
    analyzeOnly: values['analyze-only'] ?? false,
  });
  console.log(JSON.stringify({ bench: { startup: figures } }));
}
