/**
 * Test helpers for the pipeline: a PGlite store with registered releases, scenario samples cut
 * into one batch per minute (as a scraping collector would publish them), and the reference the
 * pipeline must match — the same engine fed the same samples offline.
 */
import { ReleaseEngine, type AnalysisSpec, type Sample, type Verdict } from '../../analyzer/index.ts';
import type { Bus, SampleBatch } from '../../collector/index.ts';
import { createPgliteStore, type ReleaseRecord, type Store } from '../../store/index.ts';

export const MINUTE = 60_000;
export const ENGINE = { mode: 'sequential', intervalMs: MINUTE } as const;

export async function storeWith(...specs: AnalysisSpec[]): Promise<{ store: Store; records: ReleaseRecord[] }> {
  const store = await createPgliteStore();
  const records: ReleaseRecord[] = [];
  for (const spec of specs) records.push(await register(store, spec));
  return { store, records };
}

export async function register(store: Store, spec: AnalysisSpec): Promise<ReleaseRecord> {
  const record: ReleaseRecord = {
    release: spec.release,
    spec,
    status: 'active',
    registeredAt: spec.release.startedAt,
    registeredBy: 'test',
  };
  await store.createRelease(record, {
    at: spec.release.startedAt,
    actor: 'test',
    action: 'release.register',
    releaseId: spec.release.id,
  });
  return record;
}

/** One batch per minute of sample time; `sequence` is the minute's start (survives restarts, as the bus asks). */
export function minuteBatches(releaseId: string, samples: readonly Sample[], producer = 'sim'): SampleBatch[] {
  const byMinute = new Map<number, Sample[]>();
  for (const s of samples) {
    const minute = Math.floor(s.ts / MINUTE) * MINUTE;
    const list = byMinute.get(minute) ?? [];
    list.push(s);
    byMinute.set(minute, list);
  }
  return [...byMinute].map(([minute, list]) => ({
    releaseId,
    batchId: `${releaseId}@${minute}`,
    producer,
    sequence: minute,
    samples: list,
  }));
}

export async function publishAll(bus: Bus, batches: readonly SampleBatch[]): Promise<void> {
  for (const b of batches) await bus.publishSamples(b);
}

/** Every look an uninterrupted engine takes on these samples, then up to `end`. */
export function referenceLooks(spec: AnalysisSpec, samples: readonly Sample[], end: number): Verdict[] {
  const engine = new ReleaseEngine(spec, ENGINE);
  const looks: Verdict[] = [];
  for (const s of samples) {
    if (s.ts >= engine.nextBoundary) looks.push(...engine.advanceTo(s.ts));
    engine.ingest(s);
  }
  looks.push(...engine.advanceTo(end));
  return looks;
}

/** The decision changes of a verdict sequence, as `replaySamples`' timeline lists them. */
export function changes(verdicts: readonly Pick<Verdict, 'at' | 'decision'>[]): { at: number; decision: string }[] {
  const out: { at: number; decision: string }[] = [];
  for (const v of verdicts) if (out.at(-1)?.decision !== v.decision) out.push({ at: v.at, decision: v.decision });
  return out;
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The simulator's A/A scenarios mostly end `inconclusive` with its tight 5 % checkout tolerance;
 * wider tolerances let a healthy release be promoted within the test's window (seed 1: at minute 30).
 */
export function lenient<S extends { spec: AnalysisSpec }>(scenario: S, observeMinutes?: number): S {
  for (const m of scenario.spec.metrics) m.tolerance = 0.25;
  if (observeMinutes !== undefined) scenario.spec.policy.observeMs = observeMinutes * MINUTE;
  return scenario;
}
