/**
 * Public face of collector/: getting samples in. So far the Prometheus / OpenMetrics text
 * parser (`textparse/`), scraping with Prometheus-style counter resets (`scrape/`), series → cohort
 * mappings (`cohorts/`) and the bus seam with its in-memory implementation (`bus/`); PromQL, the
 * Kafka bus, self-observability and `release-health collect` come next.
 */
export * from './textparse/index.ts';
export * from './bus/index.ts';
export * from './cohorts/index.ts';
export * from './scrape/index.ts';
export * from './promql/index.ts';
export * from './observe/index.ts';
export * from './live/index.ts';
export * from './backup/index.ts';
