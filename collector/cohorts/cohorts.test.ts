import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CohortMappingError, compileCohortMapping, parseCohortMapping, regexProblem, type CohortMapping } from './index.ts';

test('label mapping (Traefik service): stable → baseline, canary → canary, others ignored', () => {
  const m = compileCohortMapping({ by: 'label', label: 'service', baseline: ['odoo-stable@file'], canary: ['odoo-canary@file'] });
  assert.deepStrictEqual(m.classify({ service: 'odoo-stable@file', code: '200' }, 0), { cohort: 'baseline' });
  assert.deepStrictEqual(m.classify({ service: 'odoo-canary@file' }, 0), { cohort: 'canary' });
  assert.deepStrictEqual(m.classify({ service: 'grafana@file' }, 0), { ignored: 'no-match' });
  assert.deepStrictEqual(m.classify({ code: '200' }, 0), { ignored: 'no-label' });
});

test('label mapping (version) with anchored regexes', () => {
  const m = compileCohortMapping({ by: 'label', label: 'version', baseline: ['17.0.41'], canary: [{ regex: '17\\.0\\.4[2-9]' }] });
  assert.deepStrictEqual(m.classify({ version: '17.0.41' }, 0), { cohort: 'baseline' });
  assert.deepStrictEqual(m.classify({ version: '17.0.42' }, 0), { cohort: 'canary' });
  // anchored: a prefix or suffix match is not a match (Prometheus `=~` semantics)
  assert.deepStrictEqual(m.classify({ version: '17.0.420' }, 0), { ignored: 'no-match' });
  assert.deepStrictEqual(m.classify({ version: 'x17.0.42' }, 0), { ignored: 'no-match' });
});

test('a value matching both lists is ambiguous and ignored', () => {
  const m = compileCohortMapping({ by: 'label', label: 'version', baseline: [{ regex: '17\\..*' }], canary: ['17.0.42'] });
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
  const m = compileCohortMapping({ by: 'tenant', label: 'tenant', canary: ['acme'], baseline: [{ regex: 'tier2-.+' }] });
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
    return error.issues;
  }
  assert.fail('expected a CohortMappingError');
}

test('schema: unknown keys, unknown `by`, bad label names and empty lists are named', () => {
  assert.deepStrictEqual(issues({ by: 'label', label: 'service', baseline: ['a'], canary: ['b'], canaries: ['c'] }), ['(root): Unrecognized key: "canaries"']);
  assert.deepStrictEqual(issues({ by: 'pod', label: 'x' }), ["by: `by` must be 'label', 'tenant' or 'time'"]);
  assert.deepStrictEqual(issues({ by: 'label', label: 'bad-name', baseline: ['a'], canary: [] }), [
    'label: must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)',
    'canary: needs at least one value',
  ]);
  assert.deepStrictEqual(issues({ by: 'time', releaseStartedAt: 1.5 }), ['releaseStartedAt: must be an integer (epoch milliseconds)']);
  assert.deepStrictEqual(issues({ by: 'label', label: 'v', baseline: ['1', '2'], canary: ['2'] }), ['baseline[1]: "2" is listed in both baseline and canary']);
});

test('schema: regexes are validated once, with length cap and catastrophic shapes refused', () => {
  assert.match(issues({ by: 'tenant', label: 't', canary: [{ regex: '(' }] })[0], /^canary\[0\]\.regex: invalid regex/);
  assert.match(issues({ by: 'tenant', label: 't', canary: [{ regex: 'a'.repeat(257) }] })[0], /over 256/);
  assert.match(issues({ by: 'tenant', label: 't', canary: [{ regex: '(a+)+b' }] })[0], /nested quantifiers/);
  assert.match(issues({ by: 'tenant', label: 't', canary: [{ regex: '(a)\\1' }] })[0], /backreferences/);
  // acceptable shapes: a quantified group without inner quantifiers, an optional group, classes
  for (const ok of ['(ab)+', '(a+)?', 'tier[0-9]+-[a-z]*', '[(+)]+', 'x\\(a+\\)+']) assert.equal(regexProblem(ok), undefined, ok);
  for (const bad of ['(a*)*', '(?:a|b+){2,}', '((a+)?)+']) assert.notEqual(regexProblem(bad), undefined, bad);
});

test('compileCohortMapping validates its input too (a typed object can still come from JSON)', () => {
  assert.throws(() => compileCohortMapping({ by: 'label', label: 'v', baseline: [], canary: ['x'] } as CohortMapping), CohortMappingError);
});
