/**
 * The node flags the image runs the product with: what stands between "node" and the script in
 * the Dockerfile's ENTRYPOINT (V8 flags NODE_OPTIONS does not accept). The benches that start
 * `serve` or `analyze-worker` as processes pass them, so they measure the process a deployment
 * runs; RH_BENCH_IMAGE_FLAGS=0 leaves them out, to compare.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export function imageNodeFlags(dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')): string[] {
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile);
  if (!entrypoint) throw new Error('Dockerfile: no ENTRYPOINT in exec form');
  const argv = JSON.parse(entrypoint[1]) as string[];
  const script = argv.indexOf('bin/release-health.js');
  if (argv[0] !== 'node' || script < 0) throw new Error(`Dockerfile: ENTRYPOINT is not node … bin/release-health.js`);
  return argv.slice(1, script);
}

/** The image's flags unless RH_BENCH_IMAGE_FLAGS=0, then the words of `extra` (an env var's value). */
export function benchNodeFlags(extra: string | undefined): string[] {
  return [
    ...(process.env.RH_BENCH_IMAGE_FLAGS === '0' ? [] : imageNodeFlags()),
    ...(extra ?? '').split(' ').filter(Boolean),
  ];
}
