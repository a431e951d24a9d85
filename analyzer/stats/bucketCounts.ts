/**
 * Counts per bucket of a histogram layout, stored only over the range of buckets that hold
 * something: [start, end), a plain array of end − start doubles (none while empty).
 *
 * Why: a layout has 707 buckets (0.1 ms … 1 h), but one metric's latencies occupy a band of it —
 * a lognormal with σ = 0.6 spans ±3σ in ~150 buckets of ratio 1.025, a scraped gauge a handful — so
 * full-width arrays (4 × 707 × 8 B per judge) were most of a release's memory. Growth happens only
 * when a value lands outside the band (a new extreme: O(log n) times for n i.i.d. values), and the
 * band never exceeds the layout. Doubles, not 32-bit integers: histogram increments may exceed
 * 2^32. A plain array rather than a Float64Array: a typed array costs its own object and an
 * ArrayBuffer (~180 B together), as much as a band of 20 counts.
 */
export class BucketCounts {
  private data: number[] = NONE;
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
  view(): readonly number[] {
    return this.data;
  }

  /** makes the stored range include [a, b) */
  private cover(a: number, b: number): void {
    const data = this.data;
    if (data.length === 0) {
      this.data = zeros(b - a);
      this.lo = a;
      return;
    }
    const lo = Math.min(a, this.lo);
    const hi = Math.max(b, this.lo + data.length);
    if (lo === this.lo && hi === this.lo + data.length) return;
    const grown = zeros(hi - lo);
    const at = this.lo - lo;
    for (let i = 0; i < data.length; i++) grown[at + i] = data[i];
    this.data = grown;
    this.lo = lo;
  }
}

const NONE: number[] = [];

const zeros = (n: number): number[] => doubles(n, 0);

/**
 * n copies of `value` in a plain array of unboxed doubles (filled with 0.5 first so V8 picks double
 * elements, not small integers that would be converted on the first fractional write): per-judge
 * state that is small and long-lived, where a Float64Array's own object and ArrayBuffer would cost
 * more than the numbers.
 */
export function doubles(n: number, value: number): number[] {
  const out = new Array<number>(n).fill(0.5);
  out.fill(value);
  return out;
}

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
  const bv = baseline.view();
  const cv = canary.view();
  for (let i = 0, at = baseline.start - start; i < bv.length; i++) b[at + i] = bv[i];
  for (let i = 0, at = canary.start - start; i < cv.length; i++) c[at + i] = cv[i];
  return { start, baseline: b, canary: c };
}

let scratchB = new Float64Array(64);
let scratchC = new Float64Array(64);
