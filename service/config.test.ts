import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServeConfig } from './config.ts';

// The serve config reads durations with the shared grammar (analyzer/duration.ts): it used to
// refuse `1d` while the release policy in the same file accepted it.
test('engine durations: the shared grammar, 1d included', () => {
  const config = parseServeConfig('engine:\n  interval: 1d\n  grace: 1.5s\n', 'serve.yaml');
  assert.equal(config.engine.interval, 86_400_000);
  assert.equal(config.engine.grace, 1_500);
});

test('a duration outside the grammar is an error with its line', () => {
  assert.throws(() => parseServeConfig('engine:\n  interval: 10 minutes\n', 'serve.yaml'), /serve\.yaml:2/);
});

test('a section another room validates: every issue of its ConfigError, with a line', () => {
  const text =
    'listen:\n  port: 8080\ngovernance:\n  classes:\n    tax-hotfix:\n      requireBackup: true\n      alpha: 0.9\n';
  assert.throws(
    () => parseServeConfig(text, 'serve.yaml'),
    (error: Error) => {
      assert.match(error.message, /^serve\.yaml:\d+:\d+: governance: /);
      assert.match(error.message, /requireBackup/);
      assert.match(error.message, /alpha/);
      return true;
    },
  );
});

test('analysisNice: 10 unless set, 0..19 (a negative nice would need privileges; above 19 is none)', () => {
  assert.equal(parseServeConfig('listen:\n  port: 8080\n', 'serve.yaml').engine.analysisNice, 10);
  assert.equal(parseServeConfig('engine:\n  interval: 1m\n', 'serve.yaml').engine.analysisNice, 10);
  assert.equal(parseServeConfig('engine:\n  analysisNice: 0\n', 'serve.yaml').engine.analysisNice, 0);
  for (const bad of ['-1', '20', '2.5'])
    assert.throws(
      () => parseServeConfig(`engine:\n  analysisNice: ${bad}\n`, 'serve.yaml'),
      /serve\.yaml:2.*analysisNice/,
    );
});
