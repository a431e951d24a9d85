import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CohortMappingError,
  compileCohortMapping,
  parseCohortMapping,
  regexProblem,
  type CohortMapping,
} from './index.ts';

test('label mapping (Traefik service): stable → baseline, canary → canary, others ignored', () => {
  const m = compileCohortMapping({
    by: 'label',
    label: 'service',
    baseline: ['odoo-stable@file'],
    canary: ['odoo-canary@file'],
  });
  assert.deepStrictEqual(m.classify({ service: 'odoo-stable@file', code: '200' }, 0), { cohort: 'baseline' });
  assert.deepStrictEqual(m.classify({ service: 'odoo-canary@file' }, 0), { cohort: 'canary' });
  assert.deepStrictEqual(m.classify({ service: 'grafana@file' }, 0), { ignored: 'no-match' });
  assert.deepStrictEqual(m.classify({ code: '200' }, 0), { ignored: 'no-label' });
});

test('label mapping (version) with anchored regexes', () => {
  const m = compileCohortMapping({
    by: 'label',
    label: 'version',
    baseline: ['17.0.41'],
    canary: [{ regex: '17\\.0\\.4[2-9]' }],
  });
  assert.deepStrictEqual(m.classify({ version: '17.0.41' }, 0), { cohort: 'baseline' });
  assert.deepStrictEqual(m.classify({ version: '17.0.42' }, 0), { cohort: 'canary' });
  // anchored: a prefix or suffix match is not a match (Prometheus `=~` semantics)
  assert.deepStrictEqual(m.classify({ version: '17.0.420' }, 0), { ignored: 'no-match' });
  assert.deepStrictEqual(m.classify({ version: 'x17.0.42' }, 0), { ignored: 'no-match' });
});

test('a value matching both lists is ambiguous and ignored', () => {
  const m = compileCohortMapping({
    by: 'label',
    label: 'version',
    baseline: [{ regex: '17\\..*' }],
    canary: ['17.0.42'],
  });
  assert.deepStrictEqual(m.classify({ version: '17.0.42' }, 0), { ignored: 'ambiguous' });
  assert.deepStrictEqual(m.classify({ version: '17.0.41' }, 0), { cohort: 'baseline' });
});

test('tenant mapping: listed tenants are canary, all others baseline, no label ignored', () => {
  const m = compileCohortMapping({ by: 'tenant', label: 'datname', canary: ['acme', 'globex'] });
  assert.deepStrictEqual(m.classify({ datname: 'acme' }, 0), { cohort: 'canary' });
  assert.deepStrictEqual(m.classify({ datname: 'globex' }, 0), { cohort: 'canary' });
  assert.deepStrictEqual(m.classify({ datname: 'initech' }, 0), { cohort: 'baseline' });
  assert.deepStrictEqual(m.classify({ instance: 'pg-0' }, 0), { ignored: 'no-label' });
});

test('tenant mapping with an explicit baseline list limits the baseline', () => {
  const m = compileCohortMapping({
    by: 'tenant',
    label: 'tenant',
    canary: ['acme'],
    baseline: [{ regex: 'tier2-.+' }],
  });
  assert.deepStrictEqual(m.classify({ tenant: 'tier2-hooli' }, 0), { cohort: 'baseline' });
  assert.deepStrictEqual(m.classify({ tenant: 'template0' }, 0), { ignored: 'no-match' });
});

test('time mapping: before the start is baseline, from the start on canary', () => {
  const m = compileCohortMapping({ by: 'time', releaseStartedAt: 1_000 });
  assert.deepStrictEqual(m.classify({}, 999), { cohort: 'baseline' });
  assert.deepStrictEqual(m.classify({ anything: 'x' }, 1_000), { cohort: 'canary' });
});

function issues(input: unknown): string[] {
  try {
    parseCohortMapping(input);
  } catch (error) {
    assert.ok(error instanceof CohortMappingError);
    return [...error.issues];
  }
  assert.fail('expected a CohortMappingError');
}

test('schema: unknown keys, unknown `by`, bad label names and empty lists are named', () => {
  assert.deepStrictEqual(issues({ by: 'label', label: 'service', baseline: ['a'], canary: ['b'], canaries: ['c'] }), [
    '(root): Unrecognized key: "canaries"',
  ]);
  assert.deepStrictEqual(issues({ by: 'pod', label: 'x' }), ["by: `by` must be 'label', 'tenant' or 'time'"]);
  assert.deepStrictEqual(issues({ by: 'label', label: 'bad-name', baseline: ['a'], canary: [] }), [
    'label: must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)',
    'canary: needs at least one value',
  ]);
  assert.deepStrictEqual(issues({ by: 'time', releaseStartedAt: 1.5 }), [
    'releaseStartedAt: must be an integer (epoch milliseconds)',
  ]);
  assert.deepStrictEqual(issues({ by: 'label', label: 'v', baseline: ['1', '2'], canary: ['2'] }), [
    'baseline[1]: "2" is listed in both baseline and canary',
  ]);
});

test('schema: regexes are validated once (RE2 syntax), with a length cap; backreferences refused', () => {
  assert.match(issues({ by: 'tenant', label: 't', canary: [{ regex: '(' }] })[0], /^canary\[0\]\.regex: invalid regex/);
  assert.match(issues({ by: 'tenant', label: 't', canary: [{ regex: 'a'.repeat(257) }] })[0], /over 256/);
  // RE2 has no backreferences: refused at load time with RE2's own message
  assert.match(
    issues({ by: 'tenant', label: 't', canary: [{ regex: '(a)\\1' }] })[0],
    /^canary\[0\]\.regex: invalid regex: .*\\1/,
  );
  for (const ok of ['(ab)+', '(a+)?', 'tier[0-9]+-[a-z]*', '[(+)]+', 'x\\(a+\\)+', '(a+)+b'])
    assert.equal(regexProblem(ok), undefined, ok);
});

// Patterns that a nested-quantifier heuristic accepted and that backtrack exponentially in
// JavaScript's RegExp: one label of 28 `a`s and a `!` blocked the event loop for 68 s. Matching
// is linear now; the bound below is far above the linear cost (~ms) and far below the
// backtracking one (seconds to minutes), so the test fails if a backtracking engine comes back.
test('cohort regexes cannot block: pathological patterns on long hostile values answer in milliseconds', () => {
  const hostile = ['a'.repeat(28) + '!', 'a'.repeat(2_000) + '!'];
  for (const regex of ['(a|a)*', '(?:a|a)*', '(a|aa)*', '(a?){25}a{25}', '(a+)+', '(a*)*b', '(?:a|b+){2,}']) {
    assert.equal(regexProblem(regex), undefined, regex);
    const m = compileCohortMapping({ by: 'tenant', label: 't', canary: [{ regex }] });
    for (const value of hostile) {
      const started = performance.now();
      assert.deepStrictEqual(m.classify({ t: value }, 0), { cohort: 'baseline' }, `${regex} on ${value.length} chars`);
      const ms = performance.now() - started;
      assert.ok(ms < 1_000, `${regex} took ${ms.toFixed(0)} ms on ${value.length} characters`);
    }
    // and the pattern still means what it says
    assert.deepStrictEqual(
      m.classify({ t: regex === '(a*)*b' ? 'aaab' : regex === '(?:a|b+){2,}' ? 'abb' : 'a'.repeat(25) }, 0),
      { cohort: 'canary' },
      regex,
    );
  }
});

test('compileCohortMapping validates its input too (a typed object can still come from JSON)', () => {
  assert.throws(
    () => compileCohortMapping({ by: 'label', label: 'v', baseline: [], canary: ['x'] } as CohortMapping),
    CohortMappingError,
  );
});
