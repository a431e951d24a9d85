/**
 * Capacity notes for efficiency regressions (this example's own code: `serve` does not add them to
 * verdicts; a deployment that wants them calls `capacityNotes` on the verdict it reads): a release can keep latency flat while
 * needing more CPU (or Redis commands, PostgreSQL connections…) per request — invisible until
 * peak season. When a resource-per-unit-of-work metric is judged `high`, the note says what the
 * verdict's relative effect means at peak traffic, e.g.
 *
 *   "at Black Friday traffic (×3) this needs +40% CPU (95% interval +31% to +49%): 12.6 cores instead of 9"
 *
 * Arithmetic (resource use is per unit of work × traffic, so a relative change per request is the
 * same relative change at any traffic level):
 *   need at peak, old version = today × peakTrafficFactor
 *   need at peak, new version = today × peakTrafficFactor × (1 + effect.relative)
 * The percentage is the verdict's own effect; the peak factor turns it into absolute amounts
 * when today's use is known. Pure: no clock, no I/O.
 */
import type { MetricVerdict, Verdict } from '../../analyzer/types.ts';

export interface CapacityOptions {
  /** peak traffic over today's (3 = three times today's requests) */
  peakTrafficFactor: number;
  /** name of the peak in the note (default "peak") */
  peakName?: string;
  /** resource named in the note (default "CPU") */
  resource?: string;
  /** today's use of the resource, for absolute amounts (e.g. 3 cores) */
  currentUsage?: number;
  /** unit of currentUsage (default "cores") */
  unit?: string;
  /** confidence level of the verdict's interval, for the wording only (default 0.95) */
  confidence?: number;
}

export interface CapacityNote {
  metric: string;
  text: string;
  /** relative extra need per unit of work (0.4 = +40%) and its interval */
  relative: number;
  low: number;
  high: number;
  /** absolute need at peak, old and new version, when currentUsage was given */
  atPeak?: { before: number; after: number; extra: number };
}

export class CapacityOptionsError extends Error {
  override readonly name = 'CapacityOptionsError';
}

const KEYS = new Set(['peakTrafficFactor', 'peakName', 'resource', 'currentUsage', 'unit', 'confidence']);

function check(options: CapacityOptions): void {
  for (const k of Object.keys(options)) if (!KEYS.has(k)) throw new CapacityOptionsError(`unknown option "${k}"`);
  if (!Number.isFinite(options.peakTrafficFactor) || options.peakTrafficFactor <= 0) {
    throw new CapacityOptionsError(`peakTrafficFactor must be a positive number, got ${options.peakTrafficFactor}`);
  }
  if (options.currentUsage !== undefined && (!Number.isFinite(options.currentUsage) || options.currentUsage < 0)) {
    throw new CapacityOptionsError(`currentUsage must be a non-negative number, got ${options.currentUsage}`);
  }
  if (options.confidence !== undefined && !(options.confidence > 0 && options.confidence < 1)) {
    throw new CapacityOptionsError(`confidence must lie in (0, 1), got ${options.confidence}`);
  }
}

const pct = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(Math.round(x * 100))}%`;
/** at most three significant digits, no trailing zeros: 12.6, 9, 0.875 */
const amount = (x: number): string => String(Number(x.toPrecision(3)));

/**
 * The note for one metric verdict, or undefined when there is nothing to say: only a metric
 * judged `high` (resource use per unit of work went up beyond its tolerance) gets one.
 * Throws CapacityOptionsError for invalid options.
 *
 * @example
 * capacityNote({ metric: 'cpu_seconds_per_request', classification: 'high', effect: { relative: 0.4, low: 0.31, high: 0.49 }, … },
 *   { peakTrafficFactor: 3, peakName: 'Black Friday', currentUsage: 3 })?.text
 * // "at Black Friday traffic (×3) this needs +40% CPU (95% interval +31% to +49%): 12.6 cores instead of 9"
 */
export function capacityNote(verdict: MetricVerdict, options: CapacityOptions): CapacityNote | undefined {
  check(options);
  const { relative, low, high } = verdict.effect;
  if (verdict.classification !== 'high' || !Number.isFinite(relative) || relative <= 0) return undefined;
  const peak = options.peakTrafficFactor;
  const level = Math.round((options.confidence ?? 0.95) * 100);
  const interval =
    Number.isFinite(low) && Number.isFinite(high) ? ` (${level}% interval ${pct(low)} to ${pct(high)})` : '';
  let text = `at ${options.peakName ?? 'peak'} traffic (×${amount(peak)}) this needs ${pct(relative)} ${options.resource ?? 'CPU'}${interval}`;
  const note: CapacityNote = { metric: verdict.metric, text, relative, low, high };
  if (options.currentUsage !== undefined) {
    const before = options.currentUsage * peak;
    const after = before * (1 + relative);
    const unit = options.unit ?? 'cores';
    text += `: ${amount(after)} ${unit} instead of ${amount(before)}`;
    note.atPeak = { before, after, extra: after - before };
  }
  note.text = text;
  return note;
}

/**
 * Notes for every metric of a verdict named in `metrics` (metric name → its options without
 * the shared peak), e.g. to append to `verdict.reasons`.
 */
export function capacityNotes(
  verdict: Verdict,
  peak: Pick<CapacityOptions, 'peakTrafficFactor' | 'peakName'>,
  metrics: Record<string, Omit<CapacityOptions, 'peakTrafficFactor' | 'peakName'>>,
): CapacityNote[] {
  const out: CapacityNote[] = [];
  for (const m of verdict.metrics) {
    const own = metrics[m.metric];
    if (!own) continue;
    const note = capacityNote(m, { ...peak, ...own });
    if (note) out.push(note);
  }
  return out;
}
