/**
 * Prometheus 0.0.4 and OpenMetrics 1.0 text parsing: pull parsers (`next()` + accessors, one
 * file per format), `parseExposition` into typed families, `histogramBuckets`, and the writer.
 */
export type {
  Entry,
  Exemplar,
  ExpositionFormat,
  ExpositionParser,
  ExpositionSample,
  Labels,
  MetricFamily,
  MetricType,
} from './types.ts';
export { ExpositionOptionsError, ExpositionParseError, HistogramShapeError, ParserStateError } from './errors.ts';
export { DEFAULT_LIMITS, type ExpositionLimits } from './limits.ts';
export { PrometheusTextParser } from './promtext.ts';
export { EXEMPLAR_MAX_LABEL_CHARS, OpenMetricsParser } from './openmetrics.ts';
export {
  createExpositionParser,
  parseExposition,
  type ParseExpositionOptions,
  type ParsedExposition,
  type ParserOptions,
} from './parse.ts';
export type { DuplicateSeries } from './families.ts';
export { histogramBuckets, type HistogramSeries } from './histogram.ts';
export { formatExposition } from './write.ts';
export { canonicalSeries } from './labelSet.ts';
