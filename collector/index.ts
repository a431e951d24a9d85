/**
 * Public face of collector/: getting samples in. The Prometheus / OpenMetrics text parser
 * (`textparse/`), scraping with Prometheus-style counter resets (`scrape/`), series → cohort
 * mappings (`cohorts/`), PromQL queries (`promql/`), the release-aware collector of `serve`
 * (`live/`), the collector's own metrics (`observe/`), and the bus
 * seam with its in-memory and Kafka implementations (`bus/`). `release-health collect` is `cli/collect.ts`.
 */
export * from './textparse/index.ts';
export * from './bus/index.ts';
export * from './cohorts/index.ts';
export * from './scrape/index.ts';
export * from './promql/index.ts';
export * from './observe/index.ts';
export * from './live/index.ts';
