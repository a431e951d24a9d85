/**
 * Values in and out of SQL.
 *
 * JSON cannot hold NaN, ±Infinity or -0 (`JSON.stringify` turns the first three into `null` and the
 * last into `0`), yet verdicts carry them (an effect with no data is NaN, an e-value can be
 * Infinity) and must round-trip exactly. `toJsonText` writes them as the strings "NaN",
 * "Infinity", "-Infinity", "-0"; a genuine string that looks like one of those (or like an escaped
 * one) gets one `~` prepended, so `fromJson` can undo both without ambiguity and without knowing
 * the shape of the value (engine snapshots are opaque to the store).
 */

const TAGGED = /^~*(?:NaN|-?Infinity|-0)$/;

function encodeNumber(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

/**
 * True when `value` holds something `JSON.stringify` alone would write wrongly: a NaN, ±Infinity
 * or -0, a string that looks like a tag, or a `toJSON` method (whose output is not scanned here).
 * Cycles and very deep values answer true too, so the replacer path raises JSON's own error.
 */
function needsTagging(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return !Number.isFinite(value) || Object.is(value, -0);
  if (typeof value === 'string') return TAGGED.test(value);
  if (value === null || typeof value !== 'object') return false;
  if (depth > 200 || typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(value)) {
    for (const item of value) if (needsTagging(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && needsTagging((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/**
 * JSON text for a jsonb parameter (bind it as `$n::text::jsonb`); `undefined` becomes SQL NULL.
 *
 * Engine checkpoints are hundreds of kB of plain finite numbers written every few batches per
 * release; a replacer function takes `JSON.stringify` off V8's fast path (≈3× slower, the largest
 * item of serve's CPU profile under load — bench/gate.ts), so the replacer runs only when a scan
 * finds a value that needs it. Both paths write the same text.
 */
export function toJsonText(value: unknown): string | null {
  if (value === undefined) return null;
  const text = needsTagging(value, 0)
    ? JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'number') return encodeNumber(v);
        if (typeof v === 'string' && TAGGED.test(v)) return `~${v}`;
        return v;
      })
    : JSON.stringify(value);
  return text === undefined ? null : text;
}

function decodeString(s: string): string | number {
  if (!TAGGED.test(s)) return s;
  if (s.startsWith('~')) return s.slice(1);
  return s === '-0' ? -0 : Number(s);
}

/** Undoes `toJsonText` on a value the driver already parsed from jsonb. */
export function fromJson(value: unknown): unknown {
  if (typeof value === 'string') return decodeString(value);
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromJson(v);
    return out;
  }
  return value;
}

/**
 * A float for a `double precision` column passed inside JSON (`jsonb_to_recordset`): PostgreSQL's
 * float input reads "NaN", "Infinity", "-Infinity" and "-0" itself.
 */
export function floatParam(v: number | undefined): number | string | null {
  return v === undefined ? null : encodeNumber(v);
}

/**
 * A bigint column as a number. `pg` returns int8 as a string (it may exceed 2^53); PGlite returns a
 * number, or a BigInt beyond 2^53. Our bigints are epoch milliseconds and ids, far below 2^53.
 */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || typeof v === 'bigint') {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  }
  throw new TypeError(`expected a safe integer from the database, got ${String(v)}`);
}

/** `toNumber` for nullable columns. */
export function toOptionalNumber(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : toNumber(v);
}

/** Copies `source` without its `undefined` members, so records read back deep-equal what was written. */
export function compact<T extends object>(source: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined) out[k] = v;
  return out as T;
}
