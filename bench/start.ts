/**
 * Start time of the CLI, from the JavaScript build (dist/, what `bin` and the image run) and from
 * the TypeScript sources through tsx (RH_FROM_SOURCE=1, what ran in production before the build):
 * `--version` (process start and module loading) and `serve` until it logs "release-health serving"
 * (store opened, migrated and verified, pipeline, gate listening) on a fresh PGlite directory each
 * time. Medians of `runs` cold processes. Needs `npm run build` first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/release-health.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function version(fromSource: boolean): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [BIN, '--version'], {
    env: { ...process.env, RH_FROM_SOURCE: fromSource ? '1' : '' },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`--version failed: ${run.stderr}`);
  return performance.now() - started;
}

async function serve(fromSource: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'rh-bench-start-'));
  const config = join(dir, 'serve.yaml');
  writeFileSync(
    config,
    `listen: { port: 0 }\nstore: { url: "pglite://${join(dir, 'store')}" }\nlogging: { level: info }\n`,
  );
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config], {
    env: {
      ...process.env,
      RH_FROM_SOURCE: fromSource ? '1' : '',
      RH_TOKENS: 'bench:reader:bench-reader-token-0123456789abcdef',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('release-health serving')) resolve(performance.now() - started);
      });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`serve exited (${code}) before serving: ${err.slice(0, 300)}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  if (!existsSync(BUILT)) throw new Error('dist/ is missing: run "npm run build" first');
  const runs = quick ? 3 : 5;
  const figures: Record<string, number> = {};
  for (const [label, fromSource] of [
    ['dist', false],
    ['tsx', true],
  ] as const) {
    const versions: number[] = [];
    const serves: number[] = [];
    for (let i = 0; i < runs; i++) {
      versions.push(version(fromSource));
      serves.push(await serve(fromSource));
    }
    figures[`versionMs_${label}`] = Math.round(median(versions));
    figures[`serveReadyMs_${label}`] = Math.round(median(serves));
    console.log(
      `${label.padEnd(5)} --version ${figures[`versionMs_${label}`]} ms, serve ready ${figures[`serveReadyMs_${label}`]} ms (median of ${runs}; min ${Math.round(Math.min(...serves))}, max ${Math.round(Math.max(...serves))})`,
    );
  }
  return { ...figures, runs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await run({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify({ bench: { start: figures } }));
}
