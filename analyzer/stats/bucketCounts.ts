/**
 * Counts per bucket of a histogram layout, stored only over the range of buckets that hold
 * something: [start, end), a Float64Array of end − start entries (none while empty).
 *
 * Why: a layout has 707 buckets (0.1 ms … 1 h), but one metric's latencies occupy a band of it —
 * a lognormal with σ = 0.6 spans ±3σ in ~150 buckets of ratio 1.025, a scraped gauge a handful — so
 * full-width arrays (4 × 707 × 8 B per judge) were most of a release's memory. Growth happens only
 * when a value lands outside the band (a new extreme: O(log n) times for n i.i.d. values), and the
 * band never exceeds the layout. Float64, not Uint32: histogram increments may exceed 2^32.
 */
export class BucketCounts {
  private data: Float64Array = NONE;
  private lo = 0;
  /** sum of all counts */
  total = 0;

  /** first bucket that may be non-zero (equals `end` while empty) */
  get start(): number {
    return this.lo;
  }

  /** one past the last bucket that may be non-zero */
  get end(): number {
    return this.lo + this.data.length;
  }

  get(k: number): number {
    const i = k - this.lo;
    return i >= 0 && i < this.data.length ? this.data[i] : 0;
  }

  add(k: number, count: number): void {
    let i = k - this.lo;
    if (i < 0 || i >= this.data.length) {
      this.cover(k, k + 1);
      i = k - this.lo;
    }
    this.data[i] += count;
    this.total += count;
  }

  /** adds `other`'s counts into this one */
  merge(other: BucketCounts): void {
    if (other.data.length === 0) return;
    this.cover(other.lo, other.lo + other.data.length);
    const at = other.lo - this.lo;
    const src = other.data;
    const dst = this.data;
    for (let i = 0; i < src.length; i++) dst[at + i] += src[i];
    this.total += other.total;
  }

  /** empties the counts and gives their storage back */
  clear(): void {
    this.data = NONE;
    this.lo = 0;
    this.total = 0;
  }

  /** the stored counts, bucket `start` first (a view: valid until the next add, merge or clear) */
  view(): Float64Array {
    return this.data;
  }

  /** makes the stored range include [a, b) */
  private cover(a: number, b: number): void {
    const data = this.data;
    if (data.length === 0) {
      this.data = new Float64Array(b - a);
      this.lo = a;
      return;
    }
    const lo = Math.min(a, this.lo);
    const hi = Math.max(b, this.lo + data.length);
    if (lo === this.lo && hi === this.lo + data.length) return;
    const grown = new Float64Array(hi - lo);
    grown.set(data, this.lo - lo);
    this.data = grown;
    this.lo = lo;
  }
}

const NONE = new Float64Array(0);

/**
 * Two cohorts' counts copied onto one common bucket range [start, start + length) in reusable
 * scratch arrays (zeros where a cohort has nothing): what statistics over an aligned 2×K table
 * read. Valid until the next call.
 */
export function alignPair(
  baseline: BucketCounts,
  canary: BucketCounts,
): { start: number; baseline: Float64Array; canary: Float64Array } {
  const bEmpty = baseline.view().length === 0;
  const cEmpty = canary.view().length === 0;
  const start = bEmpty ? canary.start : cEmpty ? baseline.start : Math.min(baseline.start, canary.start);
  const end = bEmpty ? canary.end : cEmpty ? baseline.end : Math.max(baseline.end, canary.end);
  const length = end - start;
  if (scratchB.length < length) {
    scratchB = new Float64Array(Math.max(length, 2 * scratchB.length));
    scratchC = new Float64Array(scratchB.length);
  }
  const b = scratchB.subarray(0, length);
  const c = scratchC.subarray(0, length);
  b.fill(0);
  c.fill(0);
  if (!bEmpty) b.set(baseline.view(), baseline.start - start);
  if (!cEmpty) c.set(canary.view(), canary.start - start);
  return { start, baseline: b, canary: c };
}

let scratchB = new Float64Array(64);
let scratchC = new Float64Array(64);
