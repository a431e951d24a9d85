/**
 * Public face of collector/: getting samples in. So far the Prometheus / OpenMetrics text
 * parser (`textparse/`) and the bus seam with its in-memory implementation (`bus/`); scraping,
 * PromQL and the Kafka bus come next to them.
 */
export * from './textparse/index.ts';
export * from './bus/index.ts';
