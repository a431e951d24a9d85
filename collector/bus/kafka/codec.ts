/**
 * Wire formats of the Kafka bus.
 *
 * Sample batches use a small columnar binary format, because a batch carries thousands of
 * samples and JSON both loses NaN/±Infinity and costs a reviver call per value (bench/kafka.ts
 * measures the two; the binary one encodes and decodes several times faster and is ~2x smaller):
 *
 *   bytes 0-3   magic "RHS" + format version 1
 *   bytes 4-7   u32 LE length H of the header
 *   8 .. 8+H    header, UTF-8 JSON: { r: releaseId, b: batchId, p: producer, s: sequence,
 *               n: sample count, t: string table (metric names, cohorts, JSON of label sets) }
 *   padding to a multiple of 8, then five columns of n entries each:
 *               f64 ts, f64 value (IEEE 754: NaN and ±Infinity travel as they are),
 *               u32 metric, u32 cohort, u32 labels (indexes into t; 0xFFFFFFFF = no labels)
 *
 * Verdicts are small nested objects: JSON, with non-finite numbers written as {"$rh:num":"NaN"}
 * (or "Infinity", "-Infinity") and revived on decode.
 *
 * Decoding checks every length and index and throws `DecodeError`: a message that fails goes to
 * the dead-letter topic instead of stopping its partition.
 */
import type { Cohort, Sample, Verdict } from '../../../analyzer/types.ts';
import type { SampleBatch } from '../bus.ts';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

const MAGIC = [0x52, 0x48, 0x53, 0x01]; // "RHS" v1
const NO_LABELS = 0xffffffff;

interface Header {
  r: string;
  b: string;
  p: string;
  s: number;
  n: number;
  t: string[];
}

const align8 = (n: number): number => (n + 7) & ~7;

export function encodeSampleBatch(batch: SampleBatch): Buffer {
  const table: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = table.length;
      table.push(s);
      index.set(s, i);
    }
    return i;
  };
  const { samples } = batch;
  const n = samples.length;
  const metric = new Uint32Array(n);
  const cohort = new Uint32Array(n);
  const labels = new Uint32Array(n);
  // Label sets repeat across a batch (often as the same object): stringify each object once
  // (identity map), then intern the text, so equal sets in different objects share an entry.
  const labelsOf = new Map<Record<string, string>, number>();
  for (let i = 0; i < n; i++) {
    const s = samples[i];
    metric[i] = intern(s.metric);
    cohort[i] = intern(s.cohort);
    if (s.labels === undefined) labels[i] = NO_LABELS;
    else {
      let l = labelsOf.get(s.labels);
      if (l === undefined) {
        l = intern(JSON.stringify(s.labels));
        labelsOf.set(s.labels, l);
      }
      labels[i] = l;
    }
  }
  const header: Header = { r: batch.releaseId, b: batch.batchId, p: batch.producer, s: batch.sequence, n, t: table };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const columns = align8(8 + headerBytes.length);
  const total = columns + n * (8 + 8 + 4 + 4 + 4);
  // A fresh ArrayBuffer (offset 0), so the typed-array views below are aligned.
  const ab = new ArrayBuffer(total);
  const out = Buffer.from(ab);
  out.set(MAGIC, 0);
  out.writeUInt32LE(headerBytes.length, 4);
  out.set(headerBytes, 8);
  const ts = new Float64Array(ab, columns, n);
  const value = new Float64Array(ab, columns + 8 * n, n);
  for (let i = 0; i < n; i++) {
    ts[i] = samples[i].ts;
    value[i] = samples[i].value;
  }
  new Uint32Array(ab, columns + 16 * n, n).set(metric);
  new Uint32Array(ab, columns + 20 * n, n).set(cohort);
  new Uint32Array(ab, columns + 24 * n, n).set(labels);
  return out;
}

let scratchBuffer = new ArrayBuffer(0);

/** A scratch buffer of at least `bytes` bytes (grown by doubling, never shrunk). */
function scratch(bytes: number): ArrayBuffer {
  if (scratchBuffer.byteLength < bytes) scratchBuffer = new ArrayBuffer(Math.max(bytes, 2 * scratchBuffer.byteLength));
  return scratchBuffer;
}

export function decodeSampleBatch(bytes: Buffer | null): SampleBatch {
  if (!bytes || bytes.length < 8) throw new DecodeError('sample batch: shorter than its 8-byte preamble');
  for (let i = 0; i < 4; i++)
    if (bytes[i] !== MAGIC[i]) throw new DecodeError('sample batch: not the RHS v1 format (bad magic)');
  const headerLength = bytes.readUInt32LE(4);
  if (8 + headerLength > bytes.length) throw new DecodeError('sample batch: header runs past the end');
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as Header;
  } catch (error) {
    throw new DecodeError(`sample batch: header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null) throw new DecodeError('sample batch: header is not an object');
  const { n, t } = header;
  if (!Number.isSafeInteger(n) || n < 0) throw new DecodeError('sample batch: bad sample count');
  if (!Array.isArray(t) || !t.every((s) => typeof s === 'string'))
    throw new DecodeError('sample batch: bad string table');
  const columns = align8(8 + headerLength);
  if (columns + n * 28 !== bytes.length)
    throw new DecodeError(`sample batch: ${bytes.length} bytes, expected ${columns + n * 28} for ${n} samples`);
  // Typed views over the columns: far cheaper than n DataView reads. They need 8-byte alignment:
  // when the message's columns are aligned in memory (the encoder's own buffers) the views read
  // them in place; a message sliced out of a fetch response (kafkajs) usually is not, and is
  // copied once into a scratch buffer kept between calls — the views live only inside this call
  // (the samples get the numbers, not the views), so one buffer serves every decode. A fresh
  // 56 kB ArrayBuffer per 2,000-sample batch was zeroed, counted as external memory and freed
  // by the garbage collector, batch after batch.
  let ab: ArrayBufferLike;
  let base: number;
  if ((bytes.byteOffset + columns) % 8 === 0) {
    ab = bytes.buffer;
    base = bytes.byteOffset + columns;
  } else {
    ab = scratch(n * 28);
    base = 0;
    new Uint8Array(ab, 0, n * 28).set(bytes.subarray(columns));
  }
  const ts = new Float64Array(ab, base, n);
  const value = new Float64Array(ab, base + 8 * n, n);
  const metric = new Uint32Array(ab, base + 16 * n, n);
  const cohort = new Uint32Array(ab, base + 20 * n, n);
  const labels = new Uint32Array(ab, base + 24 * n, n);
  const parsedLabels = new Map<number, Record<string, string>>();
  const samples: Sample[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const m = metric[i];
    const c = cohort[i];
    if (m >= t.length || c >= t.length)
      throw new DecodeError(`sample batch: sample ${i} points outside the string table`);
    const sample: Sample = { ts: ts[i], metric: t[m], cohort: t[c] as Cohort, value: value[i] };
    const l = labels[i];
    if (l !== NO_LABELS) {
      // Each distinct label set is parsed once and shared by its samples (messages are read-only).
      let set = parsedLabels.get(l);
      if (set === undefined) {
        set = parseLabels(t, l, i);
        parsedLabels.set(l, set);
      }
      sample.labels = set;
    }
    samples[i] = sample;
  }
  return { releaseId: header.r, batchId: header.b, producer: header.p, sequence: header.s, samples };
}

function parseLabels(table: string[], index: number, sample: number): Record<string, string> {
  if (index >= table.length)
    throw new DecodeError(`sample batch: labels of sample ${sample} point outside the string table`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(table[index]);
  } catch {
    throw new DecodeError(`sample batch: labels of sample ${sample} are not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new DecodeError(`sample batch: labels of sample ${sample} are not an object`);
  for (const v of Object.values(parsed))
    if (typeof v !== 'string') throw new DecodeError(`sample batch: a label value of sample ${sample} is not a string`);
  return parsed as Record<string, string>;
}

const NUM_TAG = '$rh:num';

/** JSON that keeps NaN and ±Infinity (plain JSON would write null). */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(
    JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? { [NUM_TAG]: String(v) } : v,
    ),
    'utf8',
  );
}

export function decodeJson(bytes: Buffer | null): unknown {
  if (!bytes) throw new DecodeError('empty message');
  try {
    return JSON.parse(bytes.toString('utf8'), (_key, v: unknown) => {
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const tagged = (v as Record<string, unknown>)[NUM_TAG];
        if (typeof tagged === 'string' && Object.keys(v).length === 1) return Number(tagged);
      }
      return v;
    });
  } catch (error) {
    throw new DecodeError(`not JSON: ${(error as Error).message}`);
  }
}

export const encodeVerdict = (verdict: Verdict): Buffer => encodeJson(verdict);
export const decodeVerdict = (bytes: Buffer | null): Verdict => decodeJson(bytes) as Verdict;
