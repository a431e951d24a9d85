/**
 * Test helpers: the `.cases` scenario format of `testdata/` and JSON expectations.
 *
 * A `.cases` file holds scenarios (declarative test data, after Prometheus's `promqltest/testdata`). Lines before the first `===` are comments.
 *
 *     === title
 *     format: prometheus | openmetrics | auto     (default auto)
 *     content-type: application/openmetrics-text  (optional)
 *     limits: {"maxLineLength": 40}               (optional, JSON)
 *     duplicates: record                          (optional)
 *     final-newline: no                           (optional: drop the input's last \n)
 *     error: 3:12 text the message contains       (line:column; or an `--- expect` section)
 *     limit: maxLineLength                        (optional: the limit the error names)
 *     --- input
 *     …exposition lines, verbatim (trailing blank lines are dropped)…
 *     --- expect
 *     …JSON: the families, or { "families": …, "duplicates": … }…
 *
 * In expected JSON, non-finite numbers are written "NaN", "+Inf" and "-Inf".
 */
import { readFileSync } from 'node:fs';
import type { ExpositionLimits } from '../limits.ts';

export interface Scenario {
  title: string;
  /** 1-based line of the `===` header in the cases file, for failure messages. */
  at: number;
  format: 'prometheus' | 'openmetrics' | 'auto';
  contentType?: string;
  limits?: Partial<ExpositionLimits>;
  duplicates?: 'error' | 'record';
  input: string;
  error?: { line: number; column: number; text: string; limit?: string };
  expect?: unknown;
}

const HEADERS = new Set(['format', 'content-type', 'limits', 'duplicates', 'final-newline', 'error', 'limit']);

export function loadScenarios(url: URL): Scenario[] {
  const lines = readFileSync(url, 'utf8').split('\n');
  const scenarios: Scenario[] = [];
  let i = lines.findIndex((l) => l.startsWith('=== '));
  while (i >= 0 && i < lines.length) {
    const at = i + 1;
    const title = lines[i].slice(4).trim();
    const headers = new Map<string, string>();
    for (i++; i < lines.length && !lines[i].startsWith('--- '); i++) {
      if (lines[i].trim() === '') continue;
      const colon = lines[i].indexOf(':');
      const key = lines[i].slice(0, colon).trim();
      if (colon < 0 || !HEADERS.has(key))
        throw new Error(`${url.pathname}:${i + 1}: unknown header line ${JSON.stringify(lines[i])}`);
      headers.set(key, lines[i].slice(colon + 1).trim());
    }
    const sections = new Map<string, string[]>();
    while (i < lines.length && lines[i].startsWith('--- ')) {
      const name = lines[i].slice(4).trim();
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith('--- ') && !lines[i].startsWith('=== '); i++)
        body.push(lines[i]);
      while (body.length > 0 && body[body.length - 1] === '') body.pop();
      sections.set(name, body);
    }
    const input = sections.get('input');
    if (input === undefined) throw new Error(`${url.pathname}:${at}: scenario "${title}" has no --- input section`);
    const scenario: Scenario = {
      title,
      at,
      format: (headers.get('format') ?? 'auto') as Scenario['format'],
      input: input.join('\n') + (headers.get('final-newline') === 'no' ? '' : '\n'),
    };
    if (headers.has('content-type')) scenario.contentType = headers.get('content-type');
    if (headers.has('limits')) scenario.limits = JSON.parse(headers.get('limits')!) as Partial<ExpositionLimits>;
    if (headers.has('duplicates')) scenario.duplicates = headers.get('duplicates') as 'error' | 'record';
    const error = headers.get('error');
    if (error !== undefined) {
      const m = /^(\d+):(\d+)\s+(.*)$/.exec(error);
      if (!m) throw new Error(`${url.pathname}:${at}: error header must be "line:column text"`);
      scenario.error = { line: Number(m[1]), column: Number(m[2]), text: m[3] };
      if (headers.has('limit')) scenario.error.limit = headers.get('limit');
    }
    const expect = sections.get('expect');
    if (expect !== undefined) scenario.expect = reviveNumbers(JSON.parse(expect.join('\n')));
    if ((scenario.error === undefined) === (scenario.expect === undefined)) {
      throw new Error(
        `${url.pathname}:${at}: scenario "${title}" needs exactly one of an error header and an --- expect section`,
      );
    }
    scenarios.push(scenario);
  }
  return scenarios;
}

/** Replaces "NaN", "+Inf", "-Inf" under `value` keys with the numbers (JSON cannot hold them). */
export function reviveNumbers(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(reviveNumbers);
  if (json === null || typeof json !== 'object') return json;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    const revived =
      k === 'value' && typeof v === 'string'
        ? (({ NaN: NaN, '+Inf': Infinity, '-Inf': -Infinity } as Record<string, number>)[v] ?? v)
        : reviveNumbers(v);
    // defineProperty keeps a "__proto__" key an own property, as JSON.parse made it.
    Object.defineProperty(out, k, { value: revived, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** JSON of parsed families, one sample per line, non-finite values as strings (for golden files). */
export function familiesToJson(families: unknown): string {
  const replacer = (key: string, v: unknown): unknown =>
    key === 'value' && typeof v === 'number' && !Number.isFinite(v)
      ? Number.isNaN(v)
        ? 'NaN'
        : v > 0
          ? '+Inf'
          : '-Inf'
      : v;
  const list = families as { samples: unknown[] }[];
  const parts = list.map((f) => {
    const { samples, ...meta } = f;
    const head = JSON.stringify(meta, replacer).slice(0, -1);
    const body = samples.map((s) => `      ${JSON.stringify(s, replacer)}`).join(',\n');
    return `  ${head},\n    "samples": [${samples.length ? `\n${body}\n    ` : ''}]}`;
  });
  return `[\n${parts.join(',\n')}\n]\n`;
}
