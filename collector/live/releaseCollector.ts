/**
 * The collector of a long-running service: targets are written once (templates, see
 * `template.ts`), releases come and go while it runs (registered through the gate). Each target is
 * fetched once per interval whatever the number of releases; each release that the target serves
 * converts the scrape with its own cohort mapping and counter state, and the samples go to the
 * bus as one batch per (release, scrape). So ten releases of ten services cost ten conversions,
 * not ten scrapes.
 *
 * `ingest()` is the same path without HTTP: the embedded demo feeds it exposition scraped on a
 * virtual clock, and tests feed it recorded text.
 */
import type { Release } from '../../analyzer/types.ts';
import type { SampleBatch } from '../bus/index.ts';
import {
  ScrapeConverter,
  ScrapeError,
  scrapeOnce,
  type FetchLike,
  type ScrapeResult,
  type ScrapeTarget,
} from '../scrape/index.ts';
import { instantiateTarget, PROBE_RELEASE, targetServes, TemplateError, type TargetMatch } from './template.ts';

export interface ReleaseCollectorOptions {
  /** target templates: a scrape target (see collector/scrape/config.ts) plus an optional `match` */
  targets: unknown[];
  /** where each (release, scrape) batch goes; awaited, so a slow bus slows the scrape loop (back-pressure) */
  publish: (batch: SampleBatch) => Promise<void>;
  /** scrape failures, template errors, conversion problems, publish failures; the loop goes on */
  onError?: (error: Error, context: { target: string; releaseId?: string }) => void;
  /** a successful scrape: for self-observability */
  onScrape?: (record: { target: string; durationSeconds: number; samples: number; at: number }) => void;
  fetch?: FetchLike;
}

interface TemplateEntry {
  name: string;
  match?: TargetMatch;
  template: Record<string, unknown>;
  /** the fetch side (url, timeout, body limit) — the same for every release */
  fetchTarget: ScrapeTarget;
  timer?: ReturnType<typeof setTimeout>;
  inFlight?: Promise<void>;
}

interface ReleaseEntry {
  release: Release;
  converters: Map<string, ScrapeConverter>;
  /** last sequence published per target: strictly increasing, as the bus requires */
  lastSequence: Map<string, number>;
}

export class ReleaseCollector {
  private readonly templates: TemplateEntry[];
  private readonly releases = new Map<string, ReleaseEntry>();
  private readonly publish: ReleaseCollectorOptions['publish'];
  private readonly onError: NonNullable<ReleaseCollectorOptions['onError']>;
  private readonly onScrape?: ReleaseCollectorOptions['onScrape'];
  private readonly fetchImpl: FetchLike;
  private controller = new AbortController();
  private running = false;

  constructor(options: ReleaseCollectorOptions) {
    this.publish = options.publish;
    this.onError = options.onError ?? ((error) => console.error(error.message));
    this.onScrape = options.onScrape;
    this.fetchImpl = options.fetch ?? fetch;
    const names = new Set<string>();
    this.templates = options.targets.map((raw, i) => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        throw new TemplateError(`targets[${i}]: must be an object`);
      const { match, ...template } = raw as Record<string, unknown>;
      // validated once with every placeholder filled, so a typo fails at start, not at the first release
      const fetchTarget = instantiateTarget(template, PROBE_RELEASE);
      if (names.has(fetchTarget.name))
        throw new TemplateError(`targets[${i}]: name "${fetchTarget.name}" is used twice`);
      names.add(fetchTarget.name);
      return { name: fetchTarget.name, match: match as TargetMatch | undefined, template, fetchTarget };
    });
  }

  /** Begins collecting for a release; returns the problems of targets that could not serve it. */
  addRelease(release: Release): Error[] {
    const entry: ReleaseEntry = { release, converters: new Map(), lastSequence: new Map() };
    const problems: Error[] = [];
    for (const t of this.templates) {
      if (!targetServes(t.match, release)) continue;
      try {
        entry.converters.set(t.name, new ScrapeConverter(instantiateTarget(t.template, release)));
      } catch (error) {
        problems.push(error as Error);
        this.onError(error as Error, { target: t.name, releaseId: release.id });
      }
    }
    this.releases.set(release.id, entry);
    return problems;
  }

  removeRelease(releaseId: string): void {
    this.releases.delete(releaseId);
  }

  releaseIds(): string[] {
    return [...this.releases.keys()];
  }

  /** Converts one scrape of a target for every release it serves and publishes the batches. */
  async ingest(result: ScrapeResult): Promise<number> {
    let published = 0;
    for (const entry of this.releases.values()) {
      const converter = entry.converters.get(result.target);
      if (!converter) continue;
      const converted = converter.convert(result);
      for (const problem of converted.problems)
        this.onError(problem, { target: result.target, releaseId: entry.release.id });
      // no sample (first scrape, families missing) → nothing sent: the judge sees no data, never zeros
      if (converted.samples.length === 0) continue;
      const last = entry.lastSequence.get(result.target) ?? -1;
      const sequence = Math.max(Math.trunc(result.ts), last + 1);
      entry.lastSequence.set(result.target, sequence);
      try {
        await this.publish({
          releaseId: entry.release.id,
          batchId: `${result.target}:${sequence}`,
          producer: `scrape:${result.target}`,
          sequence,
          samples: converted.samples,
        });
        published += converted.samples.length;
      } catch (error) {
        this.onError(error as Error, { target: result.target, releaseId: entry.release.id });
      }
    }
    return published;
  }

  /** Starts every target's scrape loop (targets no active release uses are skipped at each tick). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.controller = new AbortController();
    for (const t of this.templates) this.schedule(t, 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.controller.abort();
    for (const t of this.templates) clearTimeout(t.timer);
    await Promise.all(this.templates.map((t) => t.inFlight));
  }

  private schedule(t: TemplateEntry, delay: number): void {
    t.timer = setTimeout(() => {
      const started = Date.now();
      t.inFlight = this.tick(t).finally(() => {
        t.inFlight = undefined;
        if (this.running) this.schedule(t, Math.max(0, t.fetchTarget.intervalMs - (Date.now() - started)));
      });
    }, delay);
  }

  private async tick(t: TemplateEntry): Promise<void> {
    const used = [...this.releases.values()].some((r) => r.converters.has(t.name));
    if (!used) return;
    const t0 = performance.now();
    try {
      const result = await scrapeOnce(t.fetchTarget, this.fetchImpl, { signal: this.controller.signal });
      const samples = await this.ingest(result);
      this.onScrape?.({ target: t.name, durationSeconds: (performance.now() - t0) / 1000, samples, at: result.ts });
    } catch (error) {
      if (error instanceof ScrapeError && error.kind === 'aborted' && !this.running) return;
      this.onError(error as Error, { target: t.name });
    }
  }
}
