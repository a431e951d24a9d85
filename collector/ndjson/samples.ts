/**
 * The NDJSON samples format `analyze --samples` reads and `collect --once` writes: one
 * `{ "ts", "metric", "cohort", "value", "labels"? }` per line, `null` value = missing data.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { formatIssues, sampleSchema, type Cohort, type Sample } from '../../analyzer/index.ts';
import { duplicateKeyProblem } from '../../analyzer/strictJson.ts';
import { InputError } from '../../analyzer/inputError.ts';

/** Sample times at or after 2100-01-01 are input errors (epoch ms; 8.64e15 is the last valid Date). */
export const MAX_SAMPLE_TS = Date.UTC(2100, 0, 1);

/** Longest accepted line: a sample is ~100 bytes; anything near this is not a sample. */
const MAX_LINE_BYTES = 64 * 1024;

/** Bytes per read from a file (stdin delivers whatever the pipe gives). */
const DEFAULT_HIGH_WATER_MARK = 1 << 20;

export interface ReadSummary {
  lines: number;
  samples: number;
}

export interface ReadOptions {
  /** bytes per read from a file; default 1 MiB (tests use tiny reads to split lines across them) */
  highWaterMark?: number;
}

/**
 * Streams NDJSON samples — one `{ "ts", "metric", "cohort", "value", "labels"? }` per line,
 * `null` value = missing data — from a file or `-` (stdin), calling `onSample` for each, without
 * holding the file in memory. Blank lines are skipped. The first bad line stops the read with an
 * `InputError` naming the file, the line and the field.
 *
 * Why a callback rather than an async iterator: one promise per sample costs more than parsing it,
 * and the target is millions of samples per second. For the same reason the input is parsed as
 * bytes, not strings (see `SampleReader`).
 */
export async function readSamples(
  path: string,
  onSample: (sample: Sample) => void,
  options?: ReadOptions,
): Promise<ReadSummary> {
  const highWaterMark = options?.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const stream: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark });
  const name = path === '-' ? '<stdin>' : path;
  const reader = new SampleReader(name, onSample, highWaterMark);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    }
    reader.finish();
  } catch (error) {
    if (error instanceof InputError) {
      if (path !== '-') stream.destroy();
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(name, undefined, `cannot read samples: ${code ?? (error as Error).message}`);
  }
  return { lines: reader.line, samples: reader.samples };
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/**
 * Bytes kept after the data in the work buffer. The fast path reads 4-byte words at fixed offsets
 * before it knows where the line ends; the farthest ends < 330 bytes past the line's start
 * (6 + 16 digits + 11 + 256 name bytes + 12 + 9 + 9 + 4), and a line starts at or before the
 * last LF of the data, so these reads never leave the buffer. What they find past the line's LF
 * (the next lines, or stale bytes) cannot make a line match: see `fastSample`.
 */
const SLACK = 512;

const MAX_METRIC_LENGTH = 256;
/** The metric-name cache: 64 sets of 4 names, each name kept as 32-bit words. */
const NAME_SETS_BITS = 6;
const NAME_WAYS = 4;
const NAME_WORDS = MAX_METRIC_LENGTH / 4;

/** `Buffer#latin1Slice`: `toString('latin1', a, b)` without its argument handling. */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/** The 4 bytes of `text` as a little-endian int32, as `DataView#getInt32(p, true)` reads them. */
function word(text: string): number {
  return Buffer.from(text, 'latin1').readInt32LE(0);
}
const W_OPEN = word('{"ts'); // {"ts":   at p and p + 2
const W_TS = word('ts":');
const W_METRIC_1 = word(',"me'); // ,"metric":"   at m, m + 4, m + 7
const W_METRIC_2 = word('tric');
const W_METRIC_3 = word('c":"');
const W_COHORT_1 = word('","c'); // ","cohort":"   at n, n + 4, n + 8
const W_COHORT_2 = word('ohor');
const W_COHORT_3 = word('t":"');
const W_BASELINE_1 = word('base'); // baseline"   at x and x + 5
const W_BASELINE_2 = word('ine"');
const W_CANARY_1 = word('cana'); // canary"   at x and x + 3
const W_CANARY_2 = word('ary"');
const W_VALUE_1 = word(',"va'); // ,"value":   at v, v + 4 and the byte at v + 8
const W_VALUE_2 = word('lue"');
const W_NULL = word('null');

/** 10^k for k = 0..22: the powers of ten that are exact doubles (5^22 < 2^53). */
const EXACT_POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Splits the stream into lines and parses them, as bytes: lines cut out of a decoded chunk are V8
 * sliced strings, slow to scan, and `JSON.parse` alone costs ~0.6 µs a line.
 *
 * Each chunk is copied after the unparsed end of the previous one into one work buffer, followed
 * by `SLACK` bytes, and the lines up to its last LF are parsed. A line in the canonical shape our
 * own writers produce — `{"ts":<digits>,"metric":"<name>","cohort":"baseline"|"canary",
 * "value":<number>|null}`, in that key order, without whitespace, escapes or non-ASCII bytes in the
 * name — is parsed from its bytes (`fastSample`); any other line is decoded as UTF-8 and goes
 * through `parseSampleLine`. The fast path accepts only lines that `parseSampleLine` accepts, and
 * builds the same `Sample`.
 *
 * Per-line code is methods and loops: no closures are created per line (tsx's keepNames would
 * wrap each one in a `__name` call).
 */
class SampleReader {
  /** lines seen so far, blank ones included (while parsing: the number of the current line) */
  line = 0;
  samples = 0;
  private buf: Buffer;
  private view: DataView;
  /** bytes at the start of `buf` not parsed yet: the beginning of a line */
  private pending = 0;
  /** where the line accepted by the last successful `fastSample` ends: the index of its LF */
  private end = 0;
  // the metric-name cache: per entry its hash, byte length, bytes (as words) and string
  private readonly nameHashes = new Int32Array(NAME_WAYS << NAME_SETS_BITS);
  private readonly nameLengths = new Int32Array(NAME_WAYS << NAME_SETS_BITS);
  private readonly nameWords = new Int32Array((NAME_WAYS << NAME_SETS_BITS) * NAME_WORDS);
  private readonly names: string[] = new Array<string>(NAME_WAYS << NAME_SETS_BITS).fill('');
  private nextWay = 0;

  constructor(
    readonly file: string,
    private readonly onSample: (sample: Sample) => void,
    chunkBytes: number,
  ) {
    this.buf = Buffer.alloc(chunkBytes + MAX_LINE_BYTES + 2 + SLACK);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** Parses the lines that `chunk` completes; keeps the rest for the next chunk. */
  push(chunk: Buffer): void {
    const start = this.pending;
    const end = start + chunk.length;
    if (end + SLACK > this.buf.length) {
      const bigger = Buffer.alloc(end + SLACK);
      this.buf.copy(bigger, 0, 0, start);
      this.buf = bigger;
      this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
    }
    chunk.copy(this.buf, start);
    const nl = chunk.lastIndexOf(LF);
    if (nl === -1) {
      this.pending = end;
    } else {
      this.lines(start + nl);
      this.buf.copyWithin(0, start + nl + 1, end);
      this.pending = end - (start + nl + 1);
    }
    // one byte to spare: a CR that turns out to precede the LF is not part of the line
    if (this.pending > MAX_LINE_BYTES + 1) this.tooLong(this.line + 1);
  }

  /** Parses the last line, if the input does not end with a newline. */
  finish(): void {
    if (this.pending === 0) return;
    this.buf[this.pending] = LF;
    this.lines(this.pending);
    this.pending = 0;
  }

  tooLong(line: number): never {
    throw new InputError(this.file, line, `line longer than ${MAX_LINE_BYTES} bytes`);
  }

  /** Parses the lines in `buf[0 ..= last]`; `buf[last]` is a LF. */
  private lines(last: number): void {
    const b = this.buf;
    let p = 0;
    while (p <= last) {
      this.line++;
      const c = b[p];
      if (c === LF) {
        p++;
        continue;
      }
      if (c === 0x7b) {
        const sample = this.fastSample(p);
        if (sample !== undefined) {
          const end = this.end;
          // only a number with tens of thousands of digits gets here
          if (end - p > MAX_LINE_BYTES && (b[end - 1] === CR ? end - 1 : end) - p > MAX_LINE_BYTES)
            this.tooLong(this.line);
          this.onSample(sample);
          this.samples++;
          p = end + 1;
          continue;
        }
      }
      const nl = b.indexOf(LF, p);
      this.slowLine(p, nl);
      p = nl + 1;
    }
  }

  /** Any line: decoded as UTF-8, blank lines skipped, checked by `parseSampleLine`. */
  private slowLine(start: number, nl: number): void {
    const b = this.buf;
    const end = nl > start && b[nl - 1] === CR ? nl - 1 : nl;
    if (end - start > MAX_LINE_BYTES) this.tooLong(this.line);
    const text = b.toString('utf8', start, end);
    if (text.length === 0 || /^\s*$/.test(text)) return;
    this.onSample(parseSampleLine(text, this.file, this.line));
    this.samples++;
  }

  /**
   * The canonical line starting at `buf[p]`, or `undefined` for anything else (which may still be
   * a valid sample). On success `this.end` is the index of the line's LF.
   *
   * Every byte up to the line's closing `}` is checked to be what the shape requires — one by one,
   * or 4 at a time against a literal or a cached name — and none of those is a LF, so an accepted
   * line never extends past its LF, whatever lies after it. Reads that do go past (a failing word
   * compare, the name hash) only reject the line or pick a cache set.
   */
  private fastSample(p: number): Sample | undefined {
    const b = this.buf;
    const view = this.view;
    if (view.getInt32(p, true) !== W_OPEN || view.getInt32(p + 2, true) !== W_TS) return undefined;
    p += 6;
    // ts: 0 or [1-9][0-9]{0,14} (below 2^53), read as two halves that stay small integers, so that
    // the loops need no switch from integers to doubles
    let c = b[p];
    let ts: number;
    if (c === 0x30) {
      ts = 0;
      c = b[++p];
    } else if (c >= 0x31 && c <= 0x39) {
      let high = c - 0x30;
      const highEnd = p + 9;
      c = b[++p];
      while (c >= 0x30 && c <= 0x39 && p < highEnd) {
        high = high * 10 + (c - 0x30);
        c = b[++p];
      }
      let low = 0;
      const lowStart = p;
      while (c >= 0x30 && c <= 0x39 && p - lowStart < 6) {
        low = low * 10 + (c - 0x30);
        c = b[++p];
      }
      // 16 digits and more (which the comma check below would refuse too): the general path
      // checks Number.isSafeInteger
      if (c >= 0x30 && c <= 0x39) return undefined;
      ts = high * EXACT_POW10[p - lowStart] + low;
      if (ts >= MAX_SAMPLE_TS) return undefined; // the general path names the field
    } else {
      return undefined;
    }
    if (
      view.getInt32(p, true) !== W_METRIC_1 ||
      view.getInt32(p + 4, true) !== W_METRIC_2 ||
      view.getInt32(p + 7, true) !== W_METRIC_3
    ) {
      return undefined;
    }
    p += 11;
    // the name: 1..256 bytes of printable ASCII without `"` or `\`, so its string is its bytes
    const hash =
      Math.imul(view.getInt32(p, true), 0x9e3779b1) ^
      Math.imul(view.getInt32(p + 4, true), 0x85ebca77) ^
      Math.imul(view.getInt32(p + 8, true), 0xc2b2ae3d) ^
      Math.imul(view.getInt32(p + 12, true), 0x27d4eb2f);
    let metric = '';
    let nameLength = 0;
    const set = (((hash ^ (hash >>> 15)) >>> 0) & ((1 << NAME_SETS_BITS) - 1)) * NAME_WAYS;
    for (let entry = set; entry < set + NAME_WAYS; entry++) {
      const length = this.nameLengths[entry];
      // (the quote is checked again with `","cohort":"`; here it is a cheap way to reject early)
      if (this.nameHashes[entry] !== hash || length === 0 || b[p + length] !== QUOTE) continue;
      if (this.nameMatches(p, entry, length)) {
        metric = this.names[entry];
        nameLength = length;
        break;
      }
    }
    if (nameLength === 0) {
      // not cached: check the bytes, then cache the name
      let q = p;
      c = b[q];
      while (c !== QUOTE) {
        if (c < 0x20 || c > 0x7f || c === 0x5c) return undefined;
        c = b[++q];
      }
      nameLength = q - p;
      if (nameLength === 0 || nameLength > MAX_METRIC_LENGTH) return undefined;
      metric = this.cacheName(p, nameLength, hash, set);
    }
    p += nameLength;
    if (
      view.getInt32(p, true) !== W_COHORT_1 ||
      view.getInt32(p + 4, true) !== W_COHORT_2 ||
      view.getInt32(p + 8, true) !== W_COHORT_3
    ) {
      return undefined;
    }
    p += 12;
    let cohort: Cohort;
    const cohortWord = view.getInt32(p, true);
    if (cohortWord === W_BASELINE_1 && view.getInt32(p + 5, true) === W_BASELINE_2) {
      cohort = 'baseline';
      p += 9;
    } else if (cohortWord === W_CANARY_1 && view.getInt32(p + 3, true) === W_CANARY_2) {
      cohort = 'canary';
      p += 7;
    } else {
      return undefined;
    }
    if (view.getInt32(p, true) !== W_VALUE_1 || view.getInt32(p + 4, true) !== W_VALUE_2 || b[p + 8] !== 0x3a)
      return undefined;
    p += 9;
    let value: number;
    if (view.getInt32(p, true) === W_NULL) {
      value = Number.NaN;
      p += 4;
    } else {
      // a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, read as digits × 10^scale.
      // When both are exact doubles (digits ≤ 2^53 − 1, |scale| ≤ 22), one IEEE multiplication or
      // division rounds the exact value correctly: the same double as JSON.parse (Clinger's fast
      // path, the first step of V8's own conversion). Anything else goes to Number(), which costs
      // ~200 ns a value here (a fresh string, then a runtime call).
      const valueStart = p;
      c = b[p];
      const negative = c === 0x2d;
      if (negative) c = b[++p];
      let digits = 0;
      let scale = 0;
      if (c === 0x30) {
        c = b[++p];
      } else if (c >= 0x31 && c <= 0x39) {
        do {
          digits = digits * 10 + (c - 0x30);
          c = b[++p];
        } while (c >= 0x30 && c <= 0x39);
      } else {
        return undefined;
      }
      if (c === 0x2e) {
        c = b[++p];
        if (!(c >= 0x30 && c <= 0x39)) return undefined;
        do {
          digits = digits * 10 + (c - 0x30);
          scale--;
          c = b[++p];
        } while (c >= 0x30 && c <= 0x39);
      }
      if (c === 0x65 || c === 0x45) {
        c = b[++p];
        let exponentSign = 1;
        if (c === 0x2b) {
          c = b[++p];
        } else if (c === 0x2d) {
          exponentSign = -1;
          c = b[++p];
        }
        if (!(c >= 0x30 && c <= 0x39)) return undefined;
        let exponent = 0;
        do {
          if (exponent < 1_000_000) exponent = exponent * 10 + (c - 0x30);
          c = b[++p];
        } while (c >= 0x30 && c <= 0x39);
        scale += exponentSign * exponent;
      }
      // digits only grows, so digits ≤ 2^53 − 1 here means that every step above was exact
      if (digits <= Number.MAX_SAFE_INTEGER && scale >= -22 && scale <= 22) {
        const magnitude = scale < 0 ? digits / EXACT_POW10[-scale] : digits * EXACT_POW10[scale];
        value = negative ? -magnitude : magnitude;
      } else {
        value = Number((b as Latin1Buffer).latin1Slice(valueStart, p));
      }
    }
    // } then LF or CRLF
    if (b[p] !== 0x7d) return undefined;
    c = b[p + 1];
    if (c === LF) this.end = p + 1;
    else if (c === CR && b[p + 2] === LF) this.end = p + 2;
    else return undefined;
    return { ts, metric, cohort, value };
  }

  /** Whether the `length` bytes at `buf[p]` are the cached name `entry`. */
  private nameMatches(p: number, entry: number, length: number): boolean {
    const view = this.view;
    const words = this.nameWords;
    const base = entry * NAME_WORDS;
    const whole = length & ~3;
    let i = 0;
    for (; i < whole; i += 4) if (view.getInt32(p + i, true) !== words[base + (i >> 2)]) return false;
    return i === length || (view.getInt32(p + i, true) & ((1 << ((length - i) << 3)) - 1)) === words[base + (i >> 2)];
  }

  /** Caches the checked name `buf[p, p + length)` in a way of `set`; returns its string. */
  private cacheName(p: number, length: number, hash: number, set: number): string {
    const entry = set + this.nextWay;
    this.nextWay = (this.nextWay + 1) & (NAME_WAYS - 1);
    const name = (this.buf as Latin1Buffer).latin1Slice(p, p + length);
    this.names[entry] = name;
    this.nameHashes[entry] = hash;
    this.nameLengths[entry] = length;
    const base = entry * NAME_WORDS;
    const whole = length & ~3;
    let i = 0;
    for (; i < whole; i += 4) this.nameWords[base + (i >> 2)] = this.view.getInt32(p + i, true);
    if (i < length)
      this.nameWords[base + (i >> 2)] = this.view.getInt32(p + i, true) & ((1 << ((length - i) << 3)) - 1);
    return name;
  }

  /** Test hook: the fast path alone on one line (without its newline). */
  static canonical(line: string): Sample | undefined {
    const bytes = Buffer.from(line, 'utf8');
    const reader = new SampleReader('<test>', () => {}, bytes.length + 1);
    bytes.copy(reader.buf);
    reader.buf[bytes.length] = LF;
    const sample = reader.fastSample(0);
    return sample !== undefined && reader.end === bytes.length ? sample : undefined;
  }
}

/**
 * The byte-level fast path alone, for tests: the sample if `line` (without its newline) has the
 * canonical shape, else `undefined` — which does not mean that the line is invalid.
 */
export function parseCanonicalSampleLine(line: string): Sample | undefined {
  return SampleReader.canonical(line);
}

/**
 * Parses one NDJSON line. The fast path checks the fields by hand (zod per line would cost more
 * than everything else); anything it rejects goes through the zod schema for a precise message.
 */
export function parseSampleLine(text: string, file: string, line: number): Sample {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, line, `not valid JSON: ${(error as Error).message}`);
  }
  // JSON.parse keeps the last of two equal keys and makes `__proto__` an own key that copies drop
  const keyProblem = duplicateKeyProblem(text);
  if (keyProblem !== undefined) throw new InputError(file, line, `${keyProblem.path}: ${keyProblem.message}`);
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    const { ts, metric, cohort, value, labels } = o;
    // one sample stamped in year 275,760 made every later look "after final": a line error instead
    if (typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= MAX_SAMPLE_TS) {
      throw new InputError(file, line, `ts: ${ts} is not an epoch-ms time before 2100-01-01`);
    }
    let keys = 0;
    for (const _key in o) keys++;
    if (
      typeof ts === 'number' &&
      Number.isSafeInteger(ts) &&
      ts >= 0 &&
      typeof metric === 'string' &&
      metric.length > 0 &&
      metric.length <= 256 &&
      (cohort === 'baseline' || cohort === 'canary') &&
      (typeof value === 'number' || value === null) &&
      keys === (labels === undefined ? 4 : 5) &&
      (labels === undefined || validLabels(labels))
    ) {
      const sample: Sample = { ts, metric, cohort: cohort as Cohort, value: value ?? Number.NaN };
      if (labels !== undefined) sample.labels = labels as Record<string, string>;
      return sample;
    }
  }
  const result = sampleSchema.safeParse(raw);
  const detail = result.success ? 'unexpected sample shape' : formatIssues(result.error).join('; ');
  throw new InputError(file, line, detail);
}

function validLabels(labels: unknown): boolean {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return false;
  for (const key in labels) if (typeof (labels as Record<string, unknown>)[key] !== 'string') return false;
  return true;
}

/** One NDJSON line in the format `analyze --samples` reads (NaN → null: missing data). */
export function formatSampleLine(s: Sample): string {
  const value = Number.isFinite(s.value) ? s.value : null;
  return JSON.stringify(
    s.labels && Object.keys(s.labels).length
      ? { ts: s.ts, metric: s.metric, cohort: s.cohort, value, labels: s.labels }
      : { ts: s.ts, metric: s.metric, cohort: s.cohort, value },
  );
}
