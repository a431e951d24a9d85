/**
 * Every config loader places its errors the same way: a `ConfigError` with the file, the line and
 * column of the offending field, and the field path — here one bad field on a known line per
 * loader (the lines and columns are counted by hand from the texts below).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../analyzer/configError.ts';
import { loadDashboardsConfig } from '../dashboards/config.ts';
import { loadGovernance } from '../gate/governanceFile.ts';
import { parseOdooExporterConfigText } from '../odoo-exporter/config.ts';
import { EXIT } from './command.ts';
import { parseCollectConfig } from './collect.ts';
import { parseServeConfig } from '../service/config.ts';
import { runCli, tempFiles } from './testing/cliRun.ts';

const { write } = tempFiles('rh-config-errors-');

/** The ConfigError `run` throws (sync or async), with its location. */
async function located(run: () => unknown): Promise<ConfigError> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

function assertAt(error: ConfigError, file: string, line: number, column: number, field: string): void {
  assert.deepEqual(
    { file: error.file, line: error.line, column: error.column, field: error.field },
    { file, line, column, field },
    error.message,
  );
  assert.ok(error.message.startsWith(`${file}:${line}:${column}: `), error.message);
}

test('governance file: a misspelt class field is placed at its key', async () => {
  const file = write(
    'governance.yaml',
    ['classes:', '  tax-hotfix:', '    alpha: 0.02', '    obsreveMs: 15m', ''].join('\n'),
  );
  assertAt(await located(() => loadGovernance(file)), file, 4, 5, 'classes.tax-hotfix.obsreveMs');
});

test('governance file: a freeze naming an unknown class points at that freeze', async () => {
  const file = write(
    'freeze.yaml',
    [
      'freezes:',
      '  - name: black-friday',
      '    from: 2026-11-27T00:00:00Z',
      '    to: 2026-11-30T00:00:00Z',
      '    classes: [standard, yolo]',
      '    reason: peak',
      '',
    ].join('\n'),
  );
  assertAt(await located(() => loadGovernance(file)), file, 5, 5, 'freezes[0].classes');
});

test('dashboards config: a bad value in the nested `dashboards:` section', async () => {
  const file = write(
    'dashboards.yaml',
    ['gate: {}', 'dashboards:', '  datasource:', '    name: Prometheus', '    uid: 42', ''].join('\n'),
  );
  const error = await located(() => loadDashboardsConfig(file));
  assertAt(error, file, 5, 5, 'dashboards.datasource.uid');
});

test('odoo-exporter config: a tenant field of the wrong type', async () => {
  const text = [
    'tenants:',
    '  - db: shop',
    '    url: postgresql://odoo@db/shop',
    '    connectTimeoutMs: soon',
    '',
  ].join('\n');
  const error = await located(() => parseOdooExporterConfigText(text, 'odoo.yaml'));
  assert.equal(error.file, 'odoo.yaml');
  assert.equal(error.line, 4, error.message);
  assert.equal(error.column, 5);
  assert.match(error.field ?? '', /^tenants\[0\]\./);
});

test('serve config: a bad field inside a section another room validates (governance)', async () => {
  const text = ['listen: { port: 0 }', 'governance:', '  classes:', '    standard:', '      alpha: 2', ''].join('\n');
  const error = await located(() => parseServeConfig(text, 'serve.yaml'));
  assertAt(error, 'serve.yaml', 5, 7, 'governance.classes.standard.alpha');
});

test('collect config: an unknown key in a target points at the key', async () => {
  const text = ['release: { id: r1 }', 'targets:', '  - name: t', '    url: http://x', '    intervalMS: 1', ''].join(
    '\n',
  );
  const error = await located(() => parseCollectConfig(text, 'collect.yaml'));
  assertAt(error, 'collect.yaml', 5, 5, 'targets[0].intervalMS');
});

test('a YAML syntax error carries its line and column; the CLI prints it with exit 65', async () => {
  const file = write('broken.yaml', ['classes:', '  standard: { alpha: 0.1', ''].join('\n'));
  const error = await located(() => loadGovernance(file));
  assert.equal(error.file, file);
  assert.ok(error.line !== undefined && error.line >= 2, error.message);
  const spec = write(
    'spec.yaml',
    ['release:', '  id: r', '  service: s', '  clas: standard', 'metrics: []', ''].join('\n'),
  );
  const result = await runCli(['analyze', '--spec', spec, '--samples', write('e.ndjson', '')]);
  assert.equal(result.code, EXIT.input);
  assert.match(result.err, new RegExp(`spec\\.yaml:4:3: release: Unrecognized key: "clas"`));
});
