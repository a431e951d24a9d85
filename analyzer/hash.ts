/**
 * FNV-1a, 32 bits (Fowler, Noll, Vo), over the string's UTF-16 code units: a fast, stable spread of
 * ids — the in-memory bus's partition of a release, the analysis thread that runs it, where in
 * the interval its looks fall, which batch its first checkpoint is on. Stable across processes
 * and versions, so a restarted instance makes the same choices. Not for security.
 *
 * @example fnv1a32('a') === 0xe40c292c
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
