/**
 * A short-lived cache of what the verdict endpoint needs (record, engine verdict, checkpoints,
 * approvals), so the endpoint controllers poll answers from memory (the target: p99 < 5 ms
 * at 2,000 requests/s with 1,000 active releases) instead of two or more store queries per request.
 *
 * Freshness: the gate's own writes (close, checkpoint, approval) invalidate at once; the pipeline,
 * when it runs in the same process, pushes each verdict through `sink` at once; otherwise (workers
 * in other processes writing the store) an answer is at most 5 × `ttlMs` old, and normally
 * `ttlMs` — negligible next to the controllers' polling intervals (Argo's `interval`, Flagger's
 * analysis interval: typically 1 min). With the sink wired, `ttlMs` can be raised freely.
 * Unknown ids are not cached, so a release registered elsewhere is visible at its first request.
 *
 * Entries loaded together (the start-up warm, a wave of registrations) would also expire together
 * and send every poll of the next seconds to the store at once — in `serve`'s `all` role through
 * the analysis thread, every 5 minutes for every release. So an entry is dated up to half a TTL
 * back by a hash of its id: it is never served for longer than the TTL, and the reloads of a
 * thousand releases spread over half a TTL instead of one instant.
 */
import type { GovernanceConfig, Verdict } from '../analyzer/index.ts';
import type { VerdictSink } from '../pipeline/index.ts';
import type { ReleaseRecord, Store } from '../store/index.ts';
import { fnv1a32 } from '../analyzer/hash.ts';
import { governed, loadVerdictInputs, type VerdictInputs } from './verdicts.ts';

export interface VerdictCacheOptions {
  /** how long an entry may be served without re-reading the store (ms); 0 disables the cache */
  ttlMs: number;
  /** entries kept at most (oldest dropped first); default 20,000 */
  maxEntries?: number;
}

/** an entry older than the TTL is still served (while reloading) up to this many TTLs */
const STALE_FACTOR = 5;
const WARM_PAGE = 1000;

interface Entry extends VerdictInputs {
  loadedAt: number;
}

export class VerdictCache {
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<VerdictInputs | undefined>>();
  readonly #ttlMs: number;
  readonly #max: number;
  #generation = 0;

  constructor(
    private readonly store: Store,
    private readonly governance: GovernanceConfig,
    options: VerdictCacheOptions,
  ) {
    if (!(options.ttlMs >= 0)) throw new RangeError(`verdict cache ttlMs must be ≥ 0, got ${options.ttlMs}`);
    this.#ttlMs = options.ttlMs;
    this.#max = options.maxEntries ?? 20_000;
  }

  /**
   * The inputs of a release's governed verdict; undefined for an unknown release. Within `ttlMs`
   * from memory; up to `STALE_FACTOR × ttlMs` from memory while a background reload runs (stale
   * while revalidate: a polled release never waits on the store); older: waits for the reload.
   */
  async get(id: string): Promise<VerdictInputs | undefined> {
    const hit = this.#entries.get(id);
    const age = hit ? performance.now() - hit.loadedAt : Infinity;
    if (hit && age < this.#ttlMs) return hit;
    const pending = this.#reload(id);
    if (hit && age < STALE_FACTOR * this.#ttlMs) {
      pending.catch(() => undefined); // a failed background reload leaves the entry to expire
      return hit;
    }
    return pending;
  }

  /**
   * The entry if it is fresh (within `ttlMs`), without touching the store: the fast path of the
   * polled verdict answers only from such an entry and leaves everything else to the router.
   */
  peek(id: string): VerdictInputs | undefined {
    const hit = this.#entries.get(id);
    return hit && performance.now() - hit.loadedAt < this.#ttlMs ? hit : undefined;
  }

  /**
   * The verdict endpoint's body for an entry. Once the engine has judged, the governed verdict is
   * a pure function of the entry (governance reads no clock then; an entry is replaced, never
   * changed, when anything it holds changes), so it is governed and serialised once per entry,
   * not on every poll. Before the engine's first look the placeholder depends on the clock.
   */
  body(inputs: VerdictInputs, now: number): string {
    if (!inputs.engine) return JSON.stringify(governed(this.governance, inputs, now));
    let text = this.#rendered.get(inputs);
    if (text === undefined) {
      text = JSON.stringify(governed(this.governance, inputs, now));
      this.#rendered.set(inputs, text);
    }
    return text;
  }
  readonly #rendered = new WeakMap<VerdictInputs, string>();

  /**
   * The same body encoded once per entry: the fast path writes these bytes as they are, so a
   * poll neither measures nor encodes a 5 KB string (the router's route sends the text).
   */
  bodyBytes(inputs: VerdictInputs, now: number): Buffer {
    if (!inputs.engine) return Buffer.from(this.body(inputs, now));
    let bytes = this.#encoded.get(inputs);
    if (bytes === undefined) {
      bytes = Buffer.from(this.body(inputs, now));
      this.#encoded.set(inputs, bytes);
    }
    return bytes;
  }
  readonly #encoded = new WeakMap<VerdictInputs, Buffer>();

  /** concurrent reloads of one id share one load */
  #reload(id: string): Promise<VerdictInputs | undefined> {
    let pending = this.#loading.get(id);
    if (!pending) {
      pending = this.#load(id).finally(() => this.#loading.delete(id));
      this.#loading.set(id, pending);
    }
    return pending;
  }

  /**
   * A release just registered: its inputs are known without reading the store (no verdict, no
   * backup checkpoint, no approval yet), so its first polls — and the verdict of its first look,
   * which replaces the entry's — are answered from memory.
   */
  prime(record: ReleaseRecord): void {
    if (this.#ttlMs === 0 || this.#entries.has(record.release.id)) return;
    this.#entries.set(record.release.id, {
      record,
      checkpoints: [],
      approvals: 0,
      loadedAt: this.#loadedNow(record.release.id),
    });
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Drops an entry (the gate changed the release); a load in flight is not stored either. */
  invalidate(id: string): void {
    this.#generation++;
    this.#entries.delete(id);
  }

  /** Hand this to the pipeline's sinks: a new verdict replaces the cached one at once. */
  readonly sink: VerdictSink = {
    name: 'gate-verdict-cache',
    onVerdict: async (verdict: Verdict, _previous: Verdict | undefined, record: ReleaseRecord) => {
      const entry = this.#entries.get(verdict.releaseId);
      if (entry && (!entry.engine || verdict.at >= entry.engine.at)) {
        this.#entries.set(verdict.releaseId, {
          ...entry,
          record: { ...entry.record, status: record.status },
          engine: verdict,
        });
      }
    },
  };

  /**
   * A verdict from another process (the verdict topic, when the analysis runs elsewhere): replaces
   * the cached one if it is newer. A final decision also marks the entry for a reload in the
   * background: the analysis process runs its actions, which may close the release, before it
   * publishes the verdict, so the stored status is already the new one.
   */
  noteVerdict(verdict: Verdict): void {
    const entry = this.#entries.get(verdict.releaseId);
    if (!entry || (entry.engine && verdict.at < entry.engine.at)) return;
    const final = verdict.decision === 'promote' || verdict.decision === 'rollback';
    this.#entries.set(verdict.releaseId, {
      ...entry,
      engine: verdict,
      loadedAt: final ? Math.min(entry.loadedAt, performance.now() - this.#ttlMs) : entry.loadedAt,
    });
  }

  /** Loads every active release (start-up), so the first polls are answered from memory; returns how many. */
  async warm(): Promise<number> {
    if (this.#ttlMs === 0) return 0;
    let count = 0;
    for (let offset = 0; ; offset += WARM_PAGE) {
      const page = await this.store.listReleases({ status: 'active', limit: WARM_PAGE, offset });
      for (let i = 0; i < page.length; i += 16)
        await Promise.all(page.slice(i, i + 16).map((record) => this.#load(record.release.id, record)));
      count += page.length;
      if (page.length < WARM_PAGE) return count;
    }
  }

  /** The load time an entry loaded now is given: now, less up to half a TTL by its id (see the header). */
  #loadedNow(id: string): number {
    return performance.now() - (this.#ttlMs / 2) * (fnv1a32(id) / 2 ** 32);
  }

  async #load(id: string, known?: ReleaseRecord): Promise<VerdictInputs | undefined> {
    const generation = this.#generation;
    const record = known ?? (await this.store.getRelease(id));
    if (!record) return undefined;
    const inputs = await loadVerdictInputs(this.store, this.governance, record);
    if (this.#ttlMs > 0 && generation === this.#generation) {
      this.#entries.delete(id);
      this.#entries.set(id, { ...inputs, loadedAt: this.#loadedNow(id) });
      if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return inputs;
  }
}
