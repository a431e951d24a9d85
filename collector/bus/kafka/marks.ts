/**
 * Duplicate marks in Kafka offset-commit metadata, so a new owner of a partition de-duplicates
 * exactly as the previous one would have (see sequenceMarks.ts).
 *
 * The metadata is a string the broker stores with the committed offset, limited to
 * `offset.metadata.max.bytes` (4096 by default; a commit with more is refused). The marks are
 * bounded honestly: the most recently updated ones are written, the least recent dropped until
 * the text fits `maxBytes`. What that costs: a retry's duplicate of a dropped mark that reaches
 * a *new owner* after a rebalance is delivered (once more — at-least-once still holds, and the
 * pipeline's own checkpoint decides). A member that keeps its partition keeps all its marks in
 * memory, so this matters only across handovers, and retries come right after their original,
 * i.e. with recently updated marks. With ~60 bytes per mark, 4096 bytes hold ~60 (release,
 * producer) pairs per partition; raise `offset.metadata.max.bytes` on the broker (our service
 * script sets 65536) and `commitMetadataMaxBytes` together to keep more.
 */
import { SequenceMarks, type SequenceMarkEntry } from '../sequenceMarks.ts';

const PREFIX = 'rh-marks1:';

export function encodeMarks(marks: SequenceMarks, maxBytes: number): string {
  const entries = marks.toJSON(); // least recent first
  const text = (from: number): string => PREFIX + JSON.stringify(entries.slice(from));
  const fits = (from: number): boolean => Buffer.byteLength(text(from), 'utf8') <= maxBytes;
  if (fits(0)) return text(0);
  // Smallest `from` that fits (dropping least recent first): binary search, as text length is monotone.
  let lo = 1;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) hi = mid;
    else lo = mid + 1;
  }
  return fits(lo) ? text(lo) : '';
}

/** Marks from commit metadata; anything unreadable (no commit yet, another writer) gives none. */
export function decodeMarks(metadata: string | null | undefined, capacity: number): SequenceMarks {
  if (!metadata || !metadata.startsWith(PREFIX)) return new SequenceMarks(capacity);
  try {
    const entries = JSON.parse(metadata.slice(PREFIX.length)) as unknown;
    if (!Array.isArray(entries)) return new SequenceMarks(capacity);
    const valid = entries.filter(
      (e): e is SequenceMarkEntry =>
        Array.isArray(e) &&
        e.length === 3 &&
        typeof e[0] === 'string' &&
        typeof e[1] === 'string' &&
        Number.isSafeInteger(e[2]),
    );
    return SequenceMarks.fromJSON(valid, capacity);
  } catch {
    return new SequenceMarks(capacity);
  }
}
