import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordedTarget, redactSecrets, redactUrl } from './redact.ts';

test('redactUrl (logs): credentials removed, secret-looking query values masked, the rest kept', () => {
  assert.equal(redactUrl('http://u:p@h:1/metrics?token=abc&x=1'), 'http://h:1/metrics?token=REDACTED&x=1');
  assert.equal(redactUrl('not a url'), 'not a url');
});

test('recordedTarget (records): scheme, host and path only; never user info, query or fragment', () => {
  assert.equal(
    recordedTarget('https://u:p@alerts.example:9093/api/v2/alerts?token=abc#x'),
    'https://alerts.example:9093/api/v2/alerts',
  );
  assert.equal(
    recordedTarget(new URL('https://grafana.example/api/annotations')),
    'https://grafana.example/api/annotations',
  );
});

test('recordedTarget: a secret in the path is cut to the first segment, or hidden', () => {
  const slack = 'https://hooks.slack.example/services/T000/B000/XXXXSECRET';
  assert.equal(recordedTarget(slack, { path: 'first-segment' }), 'https://hooks.slack.example/services/…');
  assert.equal(recordedTarget(slack, { path: 'hidden' }), 'https://hooks.slack.example/…');
  assert.equal(recordedTarget('https://chat.example/hook', { path: 'first-segment' }), 'https://chat.example/hook');
});

test('recordedTarget: text that is not a URL is not echoed (it could be the secret itself)', () => {
  assert.equal(recordedTarget('XXXXSECRET'), '(invalid URL)');
});

test('redactSecrets: credentials inside free text', () => {
  assert.equal(redactSecrets('fetch https://a:b@x.example/m failed'), 'fetch https://x.example/m failed');
});

test('redactSecrets: known secrets masked wherever they appear, the longest first; short ones ignored', () => {
  const hook = 'https://hooks.example/services/T/B/s3cr3t-token';
  assert.equal(
    redactSecrets(`POST ${hook}: HTTP 500: bad token s3cr3t-token`, [], [hook, 's3cr3t-token', 'ab']),
    'POST ***: HTTP 500: bad token ***',
  );
  assert.equal(redactSecrets('a b c', [], ['b']), 'a b c');
});
