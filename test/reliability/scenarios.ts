/**
 * The release scenarios the fault tests share, and the uninterrupted reference run each faulty run
 * is compared with (same samples, in-process, PGlite in memory, no fault).
 */
import type { Release, Sample, Verdict } from '../../analyzer/index.ts';
import { generateScenario } from '../../simulator/index.ts';
import { api, feedMinutes, startEmbedded, TOKENS } from './harness.ts';

export interface Scenario {
  release: Release;
  spec: Record<string, unknown>;
  samples: Sample[];
}

/**
 * A healthy release that the reference run promotes at minute 15 (tolerances widened to 50 %,
 * window 30 min), so a store outage just before it tests "nothing promoted while the store is down".
 */
export function promotingScenario(id: string): Scenario {
  const s = generateScenario({ seed: 12, durationMinutes: 20, regression: 'none', onsetMinutes: 5 });
  const { release, ...spec } = s.spec;
  const metrics = (spec.metrics as { tolerance: number }[]).map((m) => ({ ...m, tolerance: 0.5 }));
  return {
    release: { ...release, id },
    spec: { ...spec, metrics, policy: { ...(spec.policy ?? {}), observeMs: 30 * 60_000 } },
    samples: s.samples,
  };
}

/** A release whose canary triples its error ratio from minute 5: the reference rolls back at minute 13. */
export function regressingScenario(id: string): Scenario {
  const s = generateScenario({ seed: 12, durationMinutes: 40, regression: 'error-ratio-x3', onsetMinutes: 5 });
  const { release, ...spec } = s.spec;
  return { release: { ...release, id }, spec, samples: s.samples };
}

/** What two runs must agree on: every look's time, decision and score, in order. */
export const history = (verdicts: readonly Verdict[]): string[] =>
  verdicts.map((v) => `${v.at}:${v.decision}:${v.score.toFixed(6)}`);

/** The uninterrupted run: same samples, minute by minute, with a tick after each. */
export async function referenceRun(
  s: Scenario,
  options: { stopWhen?: (d: string) => boolean } = {},
): Promise<Verdict[]> {
  let now = s.release.startedAt;
  const service = await startEmbedded({ clock: () => now });
  try {
    const created = await api(service.url, '/api/v1/releases', {
      method: 'POST',
      token: TOKENS.operator,
      body: { release: s.release, spec: s.spec },
    });
    if (created.status !== 201) throw new Error(`reference registration: ${created.text}`);
    await feedMinutes(service, s.release, s.samples, { setNow: (t) => (now = t), ...options });
    return await service.store.listVerdicts(s.release.id, 10_000);
  } finally {
    await service.close();
  }
}
