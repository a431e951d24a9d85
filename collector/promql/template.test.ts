import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PromqlTemplateError, escapePromqlString, expandForCohorts, expandTemplate } from './index.ts';

const release = { service: 'odoo', version: '17.0.42', baselineVersion: '17.0.41' };

test('placeholders expand per cohort; $version and $service default from the release', () => {
  const out = expandForCohorts(
    'sum(rate(traefik_service_requests_total{service="$cohort",version="$version",app="${service}"}[1m]))',
    release,
    {
      baseline: { cohort: 'odoo-stable@file' },
      canary: { cohort: 'odoo-canary@file' },
    },
  );
  assert.deepStrictEqual(out, [
    {
      cohort: 'baseline',
      query: 'sum(rate(traefik_service_requests_total{service="odoo-stable@file",version="17.0.41",app="odoo"}[1m]))',
    },
    {
      cohort: 'canary',
      query: 'sum(rate(traefik_service_requests_total{service="odoo-canary@file",version="17.0.42",app="odoo"}[1m]))',
    },
  ]);
  // map values win over the release; only the cohorts in the map are queried
  assert.deepStrictEqual(expandForCohorts('x{v="$version"}', release, { canary: { version: '18' } }), [
    { cohort: 'canary', query: 'x{v="18"}' },
  ]);
});

test('injection attempts stay inside the string literal', () => {
  const evil = 'odoo"}) or vector(1) #';
  const q = expandTemplate('sum(up{service="$cohort"})', { cohort: evil });
  assert.equal(q, 'sum(up{service="odoo\\"}) or vector(1) #"})');
  assert.equal(expandTemplate("up{a='$cohort'}", { cohort: "x'} or vector(1)" }), "up{a='x\\'} or vector(1)'}");
  // a trailing backslash cannot escape the closing quote
  assert.equal(expandTemplate('up{a="$cohort"}', { cohort: 'a\\' }), 'up{a="a\\\\"}');
  assert.equal(
    expandTemplate('up{a="$cohort"}', { cohort: 'a\\"} or vector(1) #' }),
    'up{a="a\\\\\\"} or vector(1) #"}',
  );
  assert.throws(() => expandTemplate('up{a="$cohort"}', { cohort: 'a\n} or vector(1)' }), /newline/);
  assert.throws(() => expandTemplate('up{a="$cohort"}', { cohort: 'a\r' }), PromqlTemplateError);
  assert.throws(() => escapePromqlString('x\ny'));
  // regex matchers: metacharacters quoted so the value matches only itself
  assert.equal(
    expandTemplate('up{job=~"$cohort|other"}', { cohort: 'odoo.stable(1)' }),
    'up{job=~"odoo\\\\.stable\\\\(1\\\\)|other"}',
  );
});

test('unknown placeholders, placeholders outside strings and missing values are rejected', () => {
  assert.throws(() => expandTemplate('up{a="$cohrot"}', { cohort: 'x' }), /unknown placeholder \$cohrot/);
  assert.throws(() => expandTemplate('up{a="${tenant}"}', {}), /unknown placeholder \$tenant/);
  assert.throws(() => expandTemplate('rate(up[$cohort])', { cohort: '5m' }), /outside a quoted string/);
  assert.throws(() => expandTemplate('up{a=`$cohort`}', { cohort: 'x' }), /raw/);
  assert.throws(() => expandTemplate('up # $cohort', { cohort: 'x' }), /comment/);
  assert.throws(() => expandTemplate('up{a="$version"}', {}), /\$version has no value/);
  assert.throws(() => expandTemplate('up{a="$cohort', { cohort: 'x' }), /unterminated/);
  assert.throws(() => expandForCohorts('up', release, {}), /no cohort values/);
  assert.throws(() => expandForCohorts('up', release, { canari: {} } as never), /unknown cohort "canari"/);
  // the baseline has no version when the release names none
  assert.throws(
    () => expandForCohorts('up{v="$version"}', { service: 's', version: '2' }, { baseline: {}, canary: {} }),
    /\$version has no value/,
  );
});

test('literal dollars: $$, regex anchors, label_replace references, escaped quotes in strings', () => {
  assert.equal(expandTemplate('up{a=~"x$"}', {}), 'up{a=~"x$"}');
  assert.equal(
    expandTemplate('label_replace(up, "b", "$1-${1}", "a", "(.*)")', {}),
    'label_replace(up, "b", "$1-${1}", "a", "(.*)")',
  );
  assert.equal(
    expandTemplate('label_replace(up, "b", "$$name", "a", "(?P<name>.*)")', {}),
    'label_replace(up, "b", "$name", "a", "(?P<name>.*)")',
  );
  assert.equal(expandTemplate('up{a="q\\"$cohort"}', { cohort: 'v' }), 'up{a="q\\"v"}');
  assert.equal(
    expandTemplate('up # no placeholders here $$\n+ up{a="$cohort"}', { cohort: 'v' }),
    'up # no placeholders here $$\n+ up{a="v"}',
  );
});
