/**
 * Public face of collector/scrape: pull-based scraping of Prometheus `/metrics` endpoints into
 * baseline/canary `Sample`s — target config, one scrape, reset-aware counter tracking, the
 * families → samples conversion, and the `Scraper` that runs targets on their intervals.
 */
export {
  SCRAPE_TARGET_DEFAULTS,
  ScrapeConfigError,
  parseScrapeTarget,
  parseScrapeTargets,
  scrapeTargetSchema,
} from './config.ts';
export type { ScrapeKind, ScrapeMetric, ScrapeTarget } from './config.ts';
export { SCRAPE_ACCEPT, ScrapeError, scrapeOnce } from './fetch.ts';
export type { FetchLike, ScrapeErrorKind, ScrapeOnceOptions, ScrapeResult } from './fetch.ts';
export { COUNTER_TRACKER_DEFAULTS, CounterTracker } from './counters.ts';
export type { CounterTrackerOptions } from './counters.ts';
export { ScrapeConverter, formatLe } from './convert.ts';
export type { ConvertResult } from './convert.ts';
export { Scraper } from './scraper.ts';
export type { ScraperOptions, TargetStats } from './scraper.ts';
