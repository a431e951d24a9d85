import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { ExpositionParseError } from './errors.ts';
import { parseExposition } from './parse.ts';
import { loadScenarios, reviveNumbers, type Scenario } from './testing/cases.ts';

function parse(s: Scenario) {
  return parseExposition(s.input, {
    format: s.format,
    ...(s.contentType !== undefined && { contentType: s.contentType }),
    ...(s.limits !== undefined && { limits: s.limits }),
    ...(s.duplicates !== undefined && { duplicates: s.duplicates }),
  });
}

for (const scenario of loadScenarios(new URL('./testdata/valid.cases', import.meta.url))) {
  test(`valid.cases:${scenario.at} ${scenario.title}`, () => {
    const result = parse(scenario);
    if (Array.isArray(scenario.expect)) {
      assert.deepStrictEqual(result.families, scenario.expect);
      assert.deepStrictEqual(result.duplicates, []);
    } else {
      assert.deepStrictEqual({ families: result.families, duplicates: result.duplicates }, scenario.expect);
    }
  });
}

for (const scenario of loadScenarios(new URL('./testdata/errors.cases', import.meta.url))) {
  test(`errors.cases:${scenario.at} ${scenario.title}`, () => {
    const expected = scenario.error!;
    assert.throws(
      () => parse(scenario),
      (error: unknown) => {
        assert.ok(error instanceof ExpositionParseError, `expected ExpositionParseError, got ${String(error)}`);
        assert.equal(`${error.line}:${error.column}`, `${expected.line}:${expected.column}`, error.message);
        assert.ok(
          error.message.includes(expected.text),
          `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(expected.text)}`,
        );
        assert.equal(error.limit, expected.limit);
        return true;
      },
    );
  });
}

// Exporter excerpts: `<name>.prom` / `<name>.om` beside `<name>.json` (the expected families).
const dir = new URL('./testdata/', import.meta.url);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.prom') || f.endsWith('.om'))) {
  test(`testdata/${file} parses to ${file.replace(/\.\w+$/, '.json')}`, () => {
    const body = readFileSync(new URL(file, dir));
    const expected = reviveNumbers(JSON.parse(readFileSync(new URL(file.replace(/\.\w+$/, '.json'), dir), 'utf8')));
    const result = parseExposition(body, {
      contentType: file.endsWith('.om') ? 'application/openmetrics-text; version=1.0.0' : 'text/plain; version=0.0.4',
    });
    assert.deepStrictEqual(result.families, expected);
  });
}

/**
 * A naive second reading of the exporter excerpts (regular expressions, one line at a time)
 * must agree with the parser sample by sample: an independent check of the JSON files, which
 * were written from the parser's output and then read against the excerpts by hand.
 */
for (const file of readdirSync(dir).filter((f) => f.endsWith('.prom'))) {
  test(`testdata/${file}: a naive regex reading agrees with the parser`, () => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const naive: [string, Record<string, string>, number][] = [];
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(m, `naive reader cannot read ${line}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[k] = v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
      naive.push([m[1], labels, m[3] === '+Inf' ? Infinity : Number(m[3])]);
    }
    const parsed = parseExposition(text, { format: 'prometheus' }).families.flatMap((f) =>
      f.samples.map((s) => [s.name, s.labels, s.value]),
    );
    assert.deepStrictEqual(parsed, naive);
  });
}
