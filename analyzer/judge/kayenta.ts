import { z } from 'zod';
import type { AnalysisPolicy, MetricSpec } from '../types.ts';

/**
 * The part of a Kayenta canary config (`CanaryConfig` in kayenta-core) that release-health
 * understands. Kayenta configs carry many more fields (applications, judge, templates, ...);
 * those are accepted and ignored, while a known field with an unknown value is an error, never a
 * silent default (Kayenta's own `NaNStrategy.parse` falls back quietly; we don't).
 */
const effectSizeSchema = z
  .object({
    allowedIncrease: z.number().positive().optional(),
    allowedDecrease: z.number().positive().optional(),
    criticalIncrease: z.number().positive().optional(),
    criticalDecrease: z.number().positive().optional(),
    measure: z.enum(['meanRatio', 'cles']).optional(),
  })
  .loose();

const canaryAnalysisSchema = z
  .object({
    direction: z.enum(['increase', 'decrease', 'either']).optional(),
    nanStrategy: z.enum(['remove', 'replace']).optional(),
    critical: z.boolean().optional(),
    mustHaveData: z.boolean().optional(),
    effectSize: effectSizeSchema.optional(),
    outliers: z
      .object({ strategy: z.enum(['remove', 'keep']), outlierFactor: z.number().positive().optional() })
      .loose()
      .optional(),
  })
  .loose();

const kayentaMetricSchema = z
  .object({
    name: z.string().min(1),
    // older configs give the query as a string, newer ones as a per-provider object
    query: z
      .union([
        z.string(),
        z
          .object({
            type: z.string().optional(),
            metricName: z.string().optional(),
            customInlineTemplate: z.string().optional(),
            q: z.string().optional(),
          })
          .loose(),
      ])
      .optional(),
    groups: z.array(z.string()).default([]),
    analysisConfigurations: z.object({ canary: canaryAnalysisSchema.optional() }).loose().optional(),
  })
  .loose();

const scoreThresholdsSchema = z
  .object({ marginal: z.number().min(0).max(100), pass: z.number().min(0).max(100) })
  .loose();

export const kayentaConfigSchema = z
  .object({
    name: z.string().optional(),
    metrics: z.array(kayentaMetricSchema).min(1),
    classifier: z
      .object({
        groupWeights: z.record(z.string(), z.number().nonnegative()).optional(),
        scoreThresholds: scoreThresholdsSchema.optional(),
      })
      .loose()
      .optional(),
    /** Kayenta takes thresholds with the execution request; accepted at the top level too */
    scoreThresholds: scoreThresholdsSchema.optional(),
  })
  .loose();

export interface KayentaTranslation {
  metrics: MetricSpec[];
  groupWeights: Record<string, number>;
  policy: Partial<AnalysisPolicy>;
  /** what Kayenta expressed that release-health handles differently */
  warnings: string[];
}

/**
 * Translates a Kayenta canary config into release-health metric specs:
 *  - `direction` → `harm`; `effectSize.allowedIncrease` 1.1 → tolerance 0.10 (for `decrease`,
 *    1 − `allowedDecrease`; for `either`, the larger of both). Kayenta's default effect size (1.0)
 *    means "any significant change", i.e. tolerance 0;
 *  - `critical`, `nanStrategy`, `outliers.strategy: remove` carry over; `groups[0]` is the group;
 *  - every Kayenta metric is a distribution of values (kind `gauge`): Kayenta compares the series'
 *    values with Mann-Whitney, and so does our fixed-horizon judge for gauges;
 *  - `classifier.groupWeights` → `groupWeights`; `scoreThresholds` (top level or in `classifier`)
 *    → `passScore`/`marginalScore`;
 *  - `mustHaveData` needs no translation: release-health never promotes on missing data.
 * Throws a zod error (with the field's path) on malformed input.
 */
export function fromKayentaConfig(config: unknown): KayentaTranslation {
  const parsed = kayentaConfigSchema.parse(config);
  const warnings: string[] = [];
  const metrics = parsed.metrics.map((metric): MetricSpec => {
    const canary = metric.analysisConfigurations?.canary ?? {};
    const direction = canary.direction ?? 'either';
    const increase = (canary.effectSize?.allowedIncrease ?? 1) - 1;
    const decrease = 1 - (canary.effectSize?.allowedDecrease ?? 1);
    const tolerance =
      direction === 'increase' ? increase : direction === 'decrease' ? decrease : Math.max(increase, decrease);
    if (metric.groups.length > 1)
      warnings.push(
        `${metric.name}: in groups ${metric.groups.join(', ')}; release-health uses the first, "${metric.groups[0]}"`,
      );
    if (canary.effectSize?.criticalIncrease !== undefined || canary.effectSize?.criticalDecrease !== undefined) {
      warnings.push(
        `${metric.name}: criticalIncrease/criticalDecrease are not translated; mark the metric critical instead`,
      );
    }
    if (canary.effectSize?.measure === 'cles')
      warnings.push(`${metric.name}: effect measure 'cles' is judged as a relative shift`);
    if (canary.outliers?.outlierFactor !== undefined)
      warnings.push(
        `${metric.name}: outlierFactor ${canary.outliers.outlierFactor} replaced by Tukey's 1.5 IQR fences`,
      );
    const spec: MetricSpec = {
      name: metric.name,
      group: metric.groups[0] ?? 'default',
      kind: 'gauge',
      harm: direction,
      tolerance: Math.max(0, tolerance),
    };
    if (canary.critical) spec.critical = true;
    if (canary.nanStrategy) spec.nanStrategy = canary.nanStrategy;
    if (canary.outliers?.strategy === 'remove') spec.removeOutliers = true;
    const query =
      typeof metric.query === 'string'
        ? metric.query
        : (metric.query?.customInlineTemplate ?? metric.query?.metricName ?? metric.query?.q);
    if (query) spec.query = query;
    return spec;
  });
  const policy: Partial<AnalysisPolicy> = {};
  const thresholds = parsed.scoreThresholds ?? parsed.classifier?.scoreThresholds;
  if (thresholds) {
    policy.passScore = thresholds.pass;
    policy.marginalScore = thresholds.marginal;
  }
  return { metrics, groupWeights: parsed.classifier?.groupWeights ?? {}, policy, warnings };
}
