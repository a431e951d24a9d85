import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { ExpositionParseError, HistogramShapeError } from './errors.ts';
import { histogramBuckets } from './histogram.ts';
import { createExpositionParser, parseExposition } from './parse.ts';
import { loadScenarios } from './testing/cases.ts';
import type { Entry } from './types.ts';

/**
 * Fuzzing: whatever the input, parsing ends (each `next()` consumes a line) and the only
 * error is ExpositionParseError (HistogramShapeError from `histogramBuckets`). Inputs are
 * random token soups and mutations — character flips, truncation, duplicated, deleted and
 * swapped lines, inserted tokens, raw byte flips — of every exposition in testdata/.
 */

const dir = new URL('./testdata/', import.meta.url);
const SEEDS: string[] = [
  ...readdirSync(dir)
    .filter((f) => f.endsWith('.prom') || f.endsWith('.om'))
    .map((f) => readFileSync(new URL(f, dir), 'utf8')),
  ...['valid.cases', 'errors.cases'].flatMap((f) => loadScenarios(new URL(f, dir)).map((s) => s.input)),
];
const TOKENS = [
  '#',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r',
  '\0',
  'HELP',
  'TYPE',
  'UNIT',
  'EOF',
  '# EOF',
  '# HELP ',
  '# TYPE ',
  'counter',
  'histogram',
  'summary',
  'gauge',
  'a',
  'a_total',
  'a_bucket',
  'le',
  'quantile',
  '{',
  '}',
  '=',
  '"',
  '\\',
  '\\n',
  '\\"',
  ',',
  '1',
  '0.5',
  '.',
  'e',
  'e+',
  'NaN',
  '+Inf',
  '-Inf',
  '-',
  '+',
  '1700000000',
  '1700000000.5',
  'é',
  '🛒',
  '\u2028',
  '\ufeff',
  'x'.repeat(200),
];

/** Parses every way the public API allows and checks the error contract. */
function exercise(body: string | Uint8Array): void {
  for (const format of ['prometheus', 'openmetrics', 'auto'] as const) {
    try {
      const { families } = parseExposition(body, { format, duplicates: format === 'auto' ? 'record' : 'error' });
      for (const family of families) {
        if (family.type !== 'histogram' && family.type !== 'gaugehistogram') continue;
        try {
          histogramBuckets(family);
        } catch (error) {
          if (!(error instanceof HistogramShapeError)) throw error;
        }
      }
    } catch (error) {
      if (!(error instanceof ExpositionParseError)) throw error;
      assert.ok(error.line >= 1 && error.column >= 1, error.message);
    }
    try {
      const parser = createExpositionParser(body, { format });
      for (let e: Entry = parser.next(), n = 0; e !== 'eof'; e = parser.next(), n++) {
        assert.ok(n <= (typeof body === 'string' ? body.length : body.byteLength), 'more entries than characters');
        if (e === 'series')
          void [
            parser.series(),
            parser.seriesKey(),
            parser.labels(),
            parser.value(),
            parser.timestamp(),
            parser.exemplar(),
          ];
        else if (e === 'help') void parser.help();
        else if (e === 'type') void parser.type();
        else if (e === 'unit') void parser.unit();
        else void parser.comment();
      }
    } catch (error) {
      if (!(error instanceof ExpositionParseError)) throw error;
    }
  }
}

type Mutation =
  | { kind: 'flip'; at: number; text: string }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate' | 'delete'; line: number }
  | { kind: 'swap'; line: number; other: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', maxLength: 2 })),
  }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constantFrom('duplicate' as const, 'delete' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), line: fc.nat(), other: fc.nat() }),
);

function mutate(text: string, m: Mutation): string {
  if (m.kind === 'flip' || m.kind === 'insert' || m.kind === 'truncate') {
    const at = text.length === 0 ? 0 : m.at % (text.length + 1);
    if (m.kind === 'truncate') return text.slice(0, at);
    return text.slice(0, at) + m.text + text.slice(m.kind === 'flip' ? at + 1 : at);
  }
  const lines = text.split('\n');
  const i = m.line % lines.length;
  if (m.kind === 'duplicate') lines.splice(i, 0, lines[i]);
  else if (m.kind === 'delete') lines.splice(i, 1);
  else if (m.kind === 'swap') {
    const j = m.other % lines.length;
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  return lines.join('\n');
}

test('fuzz: mutated expositions parse or throw ExpositionParseError, and always terminate', () => {
  fc.assert(
    fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, mutations) => {
      exercise(mutations.reduce(mutate, seed));
    }),
    { numRuns: 1000 },
  );
});

test('fuzz: random token soups parse or throw ExpositionParseError', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => exercise(tokens.join(''))),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => exercise(text)),
    { numRuns: 200 },
  );
});

test('fuzz: raw byte flips (invalid UTF-8 included) parse or throw ExpositionParseError', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      (seed, flips) => {
        const bytes = Buffer.from(seed, 'utf8');
        for (const [at, byte] of flips) if (bytes.length > 0) bytes[at % bytes.length] = byte;
        exercise(bytes);
      },
    ),
    { numRuns: 300 },
  );
});

test('pathological inputs end quickly', () => {
  const cases = [
    'a{' + 'b="c",'.repeat(40_000) + '} 1\n', // one line, many labels: stops at the label limit
    'a{b="' + '\\\\'.repeat(100_000) + '"} 1\n', // long value of escapes: stops at the value-length limit
    '#'.repeat(200_000), // one comment line
    '\n'.repeat(200_000), // blank lines
    'a{b="'.repeat(20_000), // never-closed quotes
    'a 1\n'.repeat(50_000) + '# EOF', // 50,000 duplicate series
  ];
  for (const body of cases) {
    const start = performance.now();
    exercise(body);
    assert.ok(
      performance.now() - start < 5_000,
      `took ${(performance.now() - start).toFixed(0)} ms on ${JSON.stringify(body.slice(0, 20))}…`,
    );
  }
});
