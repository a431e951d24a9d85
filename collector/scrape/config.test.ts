import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCRAPE_TARGET_DEFAULTS, ScrapeConfigError, parseScrapeTarget } from './index.ts';

const metric = {
  name: 'traefik_service_requests_total',
  as: 'requests',
  kind: 'counter',
  cohorts: { by: 'label', label: 'service', baseline: ['odoo-stable@file'], canary: ['odoo-canary@file'] },
};

function issues(input: unknown): string[] {
  try {
    parseScrapeTarget(input);
  } catch (error) {
    assert.ok(error instanceof ScrapeConfigError);
    return [...error.issues];
  }
  assert.fail('expected a ScrapeConfigError');
}

test('defaults are filled in', () => {
  const t = parseScrapeTarget({ name: 'traefik', url: 'http://traefik:8082/metrics', metrics: [metric] });
  assert.deepStrictEqual(t, {
    name: 'traefik',
    url: 'http://traefik:8082/metrics',
    ...SCRAPE_TARGET_DEFAULTS,
    labels: {},
    metrics: [metric],
  });
});

test('unknown keys, bad URLs, kinds, label names and nested cohort errors are named by path', () => {
  assert.deepStrictEqual(issues({ name: 't', url: 'http://x/metrics', metrics: [metric], intervalMS: 5 }), [
    '(root): Unrecognized key: "intervalMS"',
  ]);
  assert.deepStrictEqual(issues({ name: 't', url: 'ftp://x/metrics', metrics: [metric] }), [
    'url: must be an http(s) URL',
  ]);
  assert.deepStrictEqual(issues({ name: 't', url: 'http://x', metrics: [{ ...metric, kind: 'summary' }] }).length, 1);
  assert.match(
    issues({ name: 't', url: 'http://x', metrics: [{ ...metric, kind: 'summary' }] })[0],
    /^metrics\[0\]\.kind: /,
  );
  assert.deepStrictEqual(issues({ name: 't', url: 'http://x', labels: { 'bad-name': 'x' }, metrics: [metric] }), [
    'labels.bad-name: must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)',
  ]);
  assert.deepStrictEqual(
    issues({
      name: 't',
      url: 'http://x',
      metrics: [{ ...metric, cohorts: { by: 'tenant', label: 'datname', canary: [{ regex: '(a)\\1' }] } }],
    }),
    ['metrics[0].cohorts.canary[0].regex: invalid regex: error parsing regexp: invalid escape sequence: `\\1`'],
  );
  assert.deepStrictEqual(issues({ name: 't', url: 'http://x', metrics: [] }), ['metrics: needs at least one metric']);
  assert.deepStrictEqual(issues({ name: 't', url: 'http://x', labels: { le: '1' }, metrics: [metric] }), [
    'labels.le: "le" is reserved for histogram buckets',
  ]);
});

test('timeoutMs may not exceed intervalMs; a family is listed again only with a select; a spec metric is fed once', () => {
  assert.deepStrictEqual(issues({ name: 't', url: 'http://x', intervalMs: 1000, timeoutMs: 2000, metrics: [metric] }), [
    'timeoutMs: must not exceed intervalMs (1000)',
  ]);
  assert.deepStrictEqual(issues({ name: 't', url: 'http://x', metrics: [metric, { ...metric, as: 'again' }] }), [
    'metrics[1].name: family "traefik_service_requests_total" is listed twice; give the repeats a `select`',
  ]);
  assert.doesNotThrow(() =>
    parseScrapeTarget({
      name: 't',
      url: 'http://x',
      metrics: [metric, { ...metric, as: 'errors', select: { code: [{ regex: '5..' }] } }],
    }),
  );
  assert.deepStrictEqual(
    issues({ name: 't', url: 'http://x', metrics: [metric, { ...metric, select: { code: ['500'] } }] }),
    [`metrics[1].as: spec metric "${metric.as}" is fed twice by this target`],
  );
  assert.match(
    issues({ name: 't', url: 'http://x', metrics: [{ ...metric, select: { code: [{ regex: '(' }] } }] })[0],
    /invalid regex/,
  );
});
