/**
 * What the embedded store's integrity check (store/integrity.ts) adds to opening a PGlite
 * directory: a store of `releases` × `verdicts` verdicts (each with its metric rows, as the
 * pipeline writes them) opened with and without the check. Medians of 3 opens each.
 */
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPgliteStore } from '../store/index.ts';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const releases = quick ? 200 : 1000;
  const perRelease = quick ? 100 : 300;
  const dir = join(mkdtempSync(join(tmpdir(), 'rh-bench-integrity-')), 'store');
  try {
    await (await createPgliteStore(dir)).close(); // migrated, empty
    // filled in bulk through SQL (appendVerdict one by one would take minutes), ledger included
    const db = await PGlite.create(dir);
    const verdict = `'{"metrics":[{"metric":"m","classification":"pass"}],"reasons":["observing"]}'::jsonb`;
    await db.exec(`
      INSERT INTO releases (id, service, environment, version, release_class, strategy, started_at, release, spec, status, registered_at, registered_by)
      SELECT 'r' || g, 'svc', 'prod', '2', 'standard', 'canary', 0, '{}'::jsonb, '{}'::jsonb, 'active', 0, 'bench' FROM generate_series(1, ${releases}) g;
      INSERT INTO verdicts (release_id, at, decision, score, verdict)
      SELECT 'r' || r, k * 60000, 'continue', 90, ${verdict} FROM generate_series(1, ${releases}) r, generate_series(1, ${perRelease}) k;
      INSERT INTO metric_results (verdict_id, ordinal, release_id, at, metric, classification, effect_relative, effect_low, effect_high, evidence, method, n_baseline, n_canary, critical)
      SELECT id, 0, release_id, at, 'm', 'pass', 0.01, -0.02, 0.03, 2, 'latency-shift-e-process', 100, 30, false FROM verdicts;
      INSERT INTO integrity_ledger (release_id, verdicts, checkpoint) SELECT 'r' || g, ${perRelease}, false FROM generate_series(1, ${releases}) g;
    `);
    await db.close();
    const open = async (verify: boolean): Promise<number> => {
      const started = performance.now();
      const store = await createPgliteStore(dir, { verify });
      const ms = performance.now() - started;
      await store.close();
      return ms;
    };
    const times = { withCheck: [] as number[], withoutCheck: [] as number[] };
    for (let i = 0; i < 3; i++) {
      times.withoutCheck.push(await open(false));
      times.withCheck.push(await open(true));
    }
    const figures = {
      releases,
      verdicts: releases * perRelease,
      openMs_withoutCheck: Math.round(median(times.withoutCheck)),
      openMs_withCheck: Math.round(median(times.withCheck)),
    };
    console.log(
      `${figures.verdicts.toLocaleString('en-US')} verdicts in ${releases} releases: open ${figures.openMs_withoutCheck} ms without the integrity check, ${figures.openMs_withCheck} ms with it (medians of 3)`,
    );
    return figures;
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await run({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify({ bench: { storeIntegrity: figures } }));
}
