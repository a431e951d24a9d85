/**
 * Hostile input for the configuration readers (specs, collect configs): random JSON, mutated
 * valid documents, random YAML text and pathological shapes (deep nesting, huge strings, YAML
 * alias bombs). Each must end in a clear `ConfigError` naming the file — never a crash with a
 * TypeError/RangeError, never a hang. Run counts are printed for the issue note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { parseSpec } from '../../cli/specFile.ts';
import { ConfigError } from '../../analyzer/configError.ts';
import { REPO_ROOT } from '../integration/helpers.ts';

const RUNS = Number(process.env.RH_FUZZ_RUNS ?? 400);
const validSpecText = readFileSync(join(REPO_ROOT, 'examples/checkout-latency-regression/spec.yaml'), 'utf8');
const validSpec = parseYaml(validSpecText) as unknown;

/** parseSpec either accepts or throws a ConfigError placed in the file; anything else is a bug. */
function acceptsOrRejectsCleanly(text: string): 'accepted' | 'rejected' {
  try {
    parseSpec(text, 'fuzz.yaml');
    return 'accepted';
  } catch (error) {
    if (error instanceof ConfigError) {
      assert.match(error.message, /fuzz\.yaml/, 'the error names the file');
      return 'rejected';
    }
    throw error;
  }
}

/** Replaces one value somewhere in a JSON tree with an arbitrary one. */
function mutate(tree: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || tree === null || typeof tree !== 'object') return replacement;
  const entries = Array.isArray(tree) ? tree.map((v, i) => [i, v] as const) : Object.entries(tree);
  if (entries.length === 0) return replacement;
  const [key, value] = entries[path[0] % entries.length];
  const copy = (Array.isArray(tree) ? [...(tree as unknown[])] : { ...(tree as Record<string, unknown>) }) as Record<
    string | number,
    unknown
  >;
  copy[key] = mutate(value, path.slice(1), replacement);
  return copy;
}

test('specs: random JSON documents are accepted or rejected with a ConfigError', () => {
  let rejected = 0;
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      if (acceptsOrRejectsCleanly(JSON.stringify(value)) === 'rejected') rejected++;
    }),
    { numRuns: RUNS, seed: 20261127 },
  );
  console.log(`fuzz specs/random-json: ${RUNS} runs, ${rejected} rejected cleanly`);
});

test('specs: one value of a valid spec replaced by anything is handled cleanly', () => {
  const outcomes = { accepted: 0, rejected: 0 };
  fc.assert(
    fc.property(
      fc.array(fc.nat(50), { minLength: 1, maxLength: 6 }),
      fc.oneof(fc.jsonValue(), fc.constant(Number.NaN), fc.constant(Infinity), fc.string({ maxLength: 2000 })),
      (path, replacement) => {
        const doc = mutate(validSpec, path, replacement);
        // NaN/Infinity cannot be written in JSON: YAML's .nan/.inf spellings go through the YAML path
        const text = JSON.stringify(doc, (_k, v: unknown) =>
          typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
        );
        outcomes[acceptsOrRejectsCleanly(text)]++;
      },
    ),
    { numRuns: RUNS, seed: 7 },
  );
  console.log(`fuzz specs/mutated: ${RUNS} runs, ${outcomes.rejected} rejected, ${outcomes.accepted} accepted`);
  assert.ok(outcomes.rejected > 0, 'mutations do reach the validator');
});

test('specs: random text (YAML syntax errors, tabs, control characters) is rejected cleanly', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 500, unit: 'binary' }), (text) => {
      acceptsOrRejectsCleanly(text);
    }),
    { numRuns: RUNS, seed: 99 },
  );
  fc.assert(
    fc.property(fc.nat(validSpecText.length), fc.string({ maxLength: 20 }), (at, insert) => {
      acceptsOrRejectsCleanly(validSpecText.slice(0, at) + insert + validSpecText.slice(at));
    }),
    { numRuns: RUNS, seed: 100 },
  );
});

test('specs: pathological shapes are refused, not crashed on', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.equal(acceptsOrRejectsCleanly(deep), 'rejected');
  const deepYaml = Array.from({ length: 5_000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
  assert.equal(acceptsOrRejectsCleanly(deepYaml), 'rejected');
  // billion laughs: YAML aliases expanding exponentially
  const laughs = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...Array.from(
      { length: 9 },
      (_, i) =>
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(',')}]`,
    ),
  ].join('\n');
  assert.equal(acceptsOrRejectsCleanly(laughs), 'rejected');
  const hugeName = JSON.stringify({
    ...(validSpec as object),
    release: { ...(validSpec as { release: object }).release, id: 'x'.repeat(1_000_000) },
  });
  assert.equal(acceptsOrRejectsCleanly(hugeName), 'rejected');
  const injection = JSON.stringify({
    ...(validSpec as object),
    release: { ...(validSpec as { release: object }).release, id: "r1'; DROP TABLE releases; --" },
  });
  assert.equal(
    acceptsOrRejectsCleanly(injection),
    'rejected',
    'release ids are restricted to letters, digits and . _ : -',
  );
});
