/**
 * Cohort mappings (docs/architecture.md, "Where cohorts come from"): which series of a scrape belong to the
 * baseline and which to the canary, for one release. Declarative so a release spec can carry
 * them as data; `compileCohortMapping` turns one into a matcher.
 */
import type { Cohort } from '../../analyzer/types.ts';

/**
 * A label value to match: a string matches exactly; `{ regex }` matches the whole value (the
 * pattern is anchored, as Prometheus's `=~` anchors it).
 */
export type CohortValue = string | { regex: string };

/**
 * Traffic split by a label that names the variant: Traefik's `service` (`odoo-stable@file` vs
 * `odoo-canary@file`) or the application's own `version`. A series must match one list; a series
 * matching neither (or both) is ignored.
 */
export interface LabelCohortMapping {
  by: 'label';
  label: string;
  baseline: CohortValue[];
  canary: CohortValue[];
}

/**
 * Tenant waves: the tenants in `canary` run the new version (tier-1 tenants are upgraded first);
 * every other tenant is baseline — unless `baseline` is given, which then limits the baseline to
 * the tenants it lists. A series without the label (a cluster-wide metric) is ignored: it mixes
 * both cohorts.
 */
export interface TenantCohortMapping {
  by: 'tenant';
  /** e.g. `datname` (postgres_exporter) or `tenant` (odoo-exporter) */
  label: string;
  canary: CohortValue[];
  baseline?: CohortValue[];
}

/**
 * Before/after: no concurrent canary, every series is the same series. Samples taken before
 * `releaseStartedAt` (epoch ms) are baseline, the rest canary; the engine's before/after aligner
 * moves the baseline onto the observation window.
 */
export interface TimeCohortMapping {
  by: 'time';
  releaseStartedAt: number;
}

export type CohortMapping = LabelCohortMapping | TenantCohortMapping | TimeCohortMapping;

/** Why a series got no cohort. */
export type IgnoreReason = 'no-label' | 'no-match' | 'ambiguous';

/** The cohort of one series, or why it has none. */
export type CohortResult = { cohort: Cohort } | { ignored: IgnoreReason };

/** A compiled mapping: regexes built once, then a pure lookup per series. */
export interface CohortMatcher {
  readonly mapping: CohortMapping;
  /** The cohort of a series with these labels, observed at `ts` (epoch ms; used by `by: 'time'`). */
  classify(labels: Readonly<Record<string, string>>, ts: number): CohortResult;
}
