/** `odoo-exporter` through the command table: usage and input errors by their codes, `--once` against a down tenant. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleSum } from '../odoo-exporter/testing/helpers.ts';
import { EXIT } from './command.ts';
import { runCli, tempFiles } from './testing/cliRun.ts';

test('odoo-exporter: a missing --config exits 64, an unreadable file 65, --help 0', async () => {
  const missing = await runCli(['odoo-exporter']);
  assert.equal(missing.code, EXIT.usage);
  assert.match(missing.err, /--config FILE is required/);
  const unreadable = await runCli(['odoo-exporter', '--config', '/nonexistent/odoo.yaml']);
  assert.equal(unreadable.code, EXIT.input);
  assert.match(unreadable.err, /cannot read/);
  const help = await runCli(['odoo-exporter', '--help']);
  assert.equal(help.code, EXIT.ok);
  assert.match(help.out, /usage: release-health odoo-exporter/);
});

test('odoo-exporter --once: prints the exposition, exit 1 when a tenant is down', async () => {
  // port 1 on localhost refuses connections: the tenant is down, the exporter still answers
  const file = tempFiles('rh-odoo-').write(
    'odoo.yaml',
    'connectTimeoutMs: 2000\ntenants:\n  - db: shop\n    url: postgresql://odoo_ro@127.0.0.1:1/shop\n',
  );
  const result = await runCli(['odoo-exporter', '--config', file, '--once']);
  assert.equal(result.code, EXIT.failure);
  assert.equal(sampleSum(result.out, 'odoo_exporter_up', { db: 'shop' }), 0);
  assert.match(result.err, /tenant "shop" source connection failed: .*ECONNREFUSED/);
});
