import type { AnalysisPolicy, ReleaseClass } from '../types.ts';

/**
 * What a release class sets (docs/judging.md): how long to watch, how sure to be, and
 * how strictly tolerances apply. A spec's own `policy` fields override the class defaults.
 */
export interface ReleaseClassPolicy extends AnalysisPolicy {
  /** multiplies every metric's tolerance (a peak-season release tolerates less) */
  toleranceScale: number;
  /**
   * at the window's end, promote only when every critical metric has its harm ruled out (interval
   * inside the tolerance); otherwise "no harm detected" is enough. Classes whose mistakes are
   * expensive to undo set it.
   */
  requireRuledOut: boolean;
}

const MINUTE = 60_000;

const BASE: ReleaseClassPolicy = {
  alpha: 0.01,
  observeMs: 60 * MINUTE,
  minObserveMs: 30 * MINUTE,
  passScore: 95,
  marginalScore: 75,
  minSamples: 10,
  confidence: 0.95,
  toleranceScale: 1,
  requireRuledOut: false,
};

/**
 * Defaults per class. Why these numbers:
 * - emergency-fix: the old version is the known-bad one, so watch briefly and accept more risk;
 * - infra-patch: changes under the application, usually safe, shorter window;
 * - schema-change: irreversible data changes, so watch longer, be stricter, and promote only when
 *   harm on the critical metrics is ruled out (not merely not detected);
 * - peak-season-restricted: releases during peak retail events: strictest alpha, halved tolerances,
 *   harm on critical metrics ruled out.
 */
export const RELEASE_CLASSES: Readonly<Record<string, ReleaseClassPolicy>> = {
  standard: BASE,
  'emergency-fix': { ...BASE, alpha: 0.02, observeMs: 20 * MINUTE, minObserveMs: 10 * MINUTE, marginalScore: 60 },
  'infra-patch': { ...BASE, observeMs: 30 * MINUTE, minObserveMs: 15 * MINUTE },
  'schema-change': {
    ...BASE,
    alpha: 0.005,
    observeMs: 120 * MINUTE,
    minObserveMs: 60 * MINUTE,
    passScore: 98,
    marginalScore: 85,
    requireRuledOut: true,
  },
  'peak-season-restricted': {
    ...BASE,
    alpha: 0.005,
    observeMs: 90 * MINUTE,
    minObserveMs: 60 * MINUTE,
    passScore: 98,
    marginalScore: 90,
    toleranceScale: 0.5,
    requireRuledOut: true,
  },
};

export class UnknownReleaseClassError extends Error {
  override readonly name = 'UnknownReleaseClassError';
}

/**
 * The effective policy of a release: its class defaults overlaid with the spec's own fields.
 * `classes` is where class names are looked up: the built-in table by default, or the platform's
 * governance file (which adds user-defined classes and overrides built-in ones).
 */
export function resolvePolicy(
  releaseClass: ReleaseClass,
  overrides: Partial<AnalysisPolicy> = {},
  classes: Readonly<Record<string, ReleaseClassPolicy>> = RELEASE_CLASSES,
): ReleaseClassPolicy {
  const definition = classes[releaseClass];
  if (!definition) {
    // Unknown names are rejected, never silently treated as 'standard'.
    throw new UnknownReleaseClassError(
      `unknown release class "${releaseClass}"; known: ${Object.keys(classes).join(', ')}`,
    );
  }
  // only the analysis fields: a governance class definition carries more (failure action, approvals…)
  const base: ReleaseClassPolicy = {
    alpha: definition.alpha,
    observeMs: definition.observeMs,
    minObserveMs: definition.minObserveMs,
    passScore: definition.passScore,
    marginalScore: definition.marginalScore,
    minSamples: definition.minSamples,
    confidence: definition.confidence,
    toleranceScale: definition.toleranceScale,
    requireRuledOut: definition.requireRuledOut ?? false,
  };
  const merged: ReleaseClassPolicy = { ...base };
  for (const [key, value] of Object.entries(overrides) as [keyof AnalysisPolicy, number | undefined][]) {
    if (value !== undefined) merged[key] = value;
  }
  if (overrides.observeMs !== undefined && overrides.minObserveMs === undefined) {
    merged.minObserveMs = Math.min(merged.minObserveMs, Math.round(overrides.observeMs / 2));
  }
  if (merged.marginalScore > merged.passScore) {
    throw new RangeError(
      `policy: marginalScore (${merged.marginalScore}) must not exceed passScore (${merged.passScore})`,
    );
  }
  return merged;
}
