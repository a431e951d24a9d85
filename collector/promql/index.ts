/**
 * Public face of collector/promql: metric queries against Prometheus turned into baseline/canary
 * `Sample`s.
 *
 * Query templates — a `MetricSpec.query` may contain placeholders, expanded once per cohort:
 *  - `$cohort` (or `${cohort}`): the cohort's selector value from the cohort-value map, e.g.
 *    `{ baseline: { cohort: 'odoo-stable@file' }, canary: { cohort: 'odoo-canary@file' } }`; no default;
 *  - `$version`: the map's value, else `release.version` (canary) / `release.baselineVersion` (baseline);
 *  - `$service`: the map's value, else `release.service`.
 *  Placeholders must stand inside a quoted PromQL string; the value is escaped for it (`\` → `\\`,
 *  the quote → `\"`), newlines are rejected, and after `=~`/`!~` regex metacharacters are quoted —
 *  a value like `odoo"}) or vector(1) #` stays one label value. Unknown placeholders are rejected;
 *  `$$` is a literal `$`. The cohorts queried are the keys of the cohort-value map.
 *
 * Results: one `Sample` per point per series per cohort (`metric` = the spec's name, the series'
 * labels — `__name__` included when Prometheus returns it — as `labels`, `ts` in ms, `"NaN"` → NaN,
 * `"+Inf"` → Infinity). A query that matches nothing gives no samples for that cohort — the analyzer
 * sees `nodata`, never zeros — flagged in `queryRangeResult(...).cohorts[i].empty` and counted in
 * `stats().empty`. Every failure (template, syntax, evaluation, HTTP, timeout, Prometheus down, a
 * non-API answer) is a `PromqlError` naming the query and the cause.
 */
export {
  PLACEHOLDERS,
  PromqlTemplateError,
  cohortPlaceholderValues,
  cohortsOf,
  escapePromqlString,
  escapeRegex,
  expandForCohorts,
  expandTemplate,
} from './template.ts';
export type { CohortValues, Placeholder, PlaceholderValues } from './template.ts';
export { PromqlError, createPromqlSource, parsePromValue } from './source.ts';
export type {
  CohortQueryInfo,
  PromqlErrorKind,
  PromqlResult,
  PromqlSource,
  PromqlSourceOptions,
  PromqlStats,
  TimeRange,
} from './source.ts';
