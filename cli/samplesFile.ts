import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { formatIssues, sampleSchema, type Cohort, type Sample } from '../analyzer/index.ts';
import { InputError } from './inputError.ts';

/** Longest accepted line: a sample is ~100 bytes; anything near this is not a sample. */
const MAX_LINE_BYTES = 64 * 1024;

export interface ReadSummary {
  lines: number;
  samples: number;
}

/**
 * Streams NDJSON samples — one `{ "ts", "metric", "cohort", "value", "labels"? }` per line,
 * `null` value = missing data — from a file or `-` (stdin), calling `onSample` for each, without
 * holding the file in memory. Blank lines are skipped. The first bad line stops the read with an
 * `InputError` naming the file, the line and the field.
 *
 * Why a callback rather than an async iterator: one promise per sample costs more than parsing it,
 * and the target is millions of samples per second.
 */
export async function readSamples(path: string, onSample: (sample: Sample) => void): Promise<ReadSummary> {
  const stream: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  const name = path === '-' ? '<stdin>' : path;
  let pending = '';
  let line = 0;
  let samples = 0;
  const handle = (text: string) => {
    line++;
    if (text.length === 0 || /^\s*$/.test(text)) return;
    if (text.length > MAX_LINE_BYTES) throw new InputError(name, line, `line longer than ${MAX_LINE_BYTES} bytes`);
    onSample(parseSampleLine(text, name, line));
    samples++;
  };
  try {
    stream.setEncoding('utf8');
    for await (const chunk of stream as AsyncIterable<string>) {
      let start = 0;
      const text = pending.length > 0 ? pending + chunk : chunk;
      for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        handle(text.slice(start, end));
        start = nl + 1;
      }
      pending = text.slice(start);
      if (pending.length > MAX_LINE_BYTES) throw new InputError(name, line + 1, `line longer than ${MAX_LINE_BYTES} bytes`);
    }
    if (pending.length > 0) handle(pending.endsWith('\r') ? pending.slice(0, -1) : pending);
  } catch (error) {
    if (error instanceof InputError) {
      if (path !== '-') stream.destroy();
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(name, undefined, `cannot read samples: ${code ?? (error as Error).message}`);
  }
  return { lines: line, samples };
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
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    const { ts, metric, cohort, value, labels } = o;
    let keys = 0;
    for (const _key in o) keys++;
    if (
      typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= 0 &&
      typeof metric === 'string' && metric.length > 0 && metric.length <= 256 &&
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
