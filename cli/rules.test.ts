/** `rules` through the command table: the example config written out; usage and config errors by their codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXIT } from './command.ts';
import { PROMETHEUS_RULE_FILE, RULES_FILE } from './rules.ts';
import { runCli, tempFiles } from './testing/cliRun.ts';

const REPO = new URL('..', import.meta.url).pathname;

test('rules writes the rules from the example config; usage errors exit 64, config errors 65', async () => {
  const { dir } = tempFiles('rh-rules-cli-');
  const ok = await runCli(['rules', '--config', join(REPO, 'deploy/alerts/rules-config.yaml'), '--out', dir]);
  assert.equal(ok.code, EXIT.ok, ok.err);
  const doc = parse(await readFile(join(dir, RULES_FILE), 'utf8'));
  assert.equal(doc.groups[0].rules[0].labels.service, 'odoo-web');
  assert.equal(doc.groups[0].rules[2].for, '45m');
  const operator = parse(await readFile(join(dir, PROMETHEUS_RULE_FILE), 'utf8'));
  assert.deepEqual(operator.spec.groups, doc.groups, 'the PrometheusRule carries the same groups');

  assert.equal((await runCli(['rules', '--out', dir])).code, EXIT.usage);
  assert.equal((await runCli(['rules', '--config', join(dir, 'nope.yaml'), '--out', dir])).code, EXIT.input);
  await writeFile(join(dir, 'c.yaml'), 'alerts:\n  gateUrl: https://x\n  specs: [missing.yaml]\n');
  const missing = await runCli(['rules', '--config', join(dir, 'c.yaml'), '--out', dir]);
  assert.equal(missing.code, EXIT.input);
  assert.match(missing.err, /cannot read missing.yaml/);
  await writeFile(join(dir, 's.yaml'), 'release: { id: r, service: s }\nmetrics: []\n');
  await writeFile(join(dir, 'c.yaml'), 'alerts:\n  gateUrl: https://x\n  specs: [s.yaml]\n');
  const bad = await runCli(['rules', '--config', join(dir, 'c.yaml'), '--out', dir]);
  assert.equal(bad.code, EXIT.input);
  assert.match(bad.err, /s\.yaml:\d+:\d+: release/);
});
