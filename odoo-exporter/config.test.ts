import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OdooConfigError, parseOdooExporterConfig, parseOdooExporterConfigText } from './config.ts';

test('config: YAML with defaults filled in', () => {
  const c = parseOdooExporterConfigText(`
tenants:
  - db: shop_eu
    url: postgresql://odoo_ro@replica:5432/shop_eu
    passwordEnv: SHOP_EU_PGPASSWORD
  - db: hosted
    jsonrpc: { url: "https://hosted.example.com", login: bot@example.com, apiKeyEnv: HOSTED_KEY }
`);
  assert.equal(c.intervalSeconds, 30);
  assert.equal(c.statementTimeoutMs, 5000);
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 9469, path: '/metrics' });
  assert.equal(c.tracking.pageSize, 10_000);
  assert.equal(c.tenants.length, 2);
});

test('config: secrets never inline, unknown keys and ambiguous tenants rejected', () => {
  const bad = (input: unknown, re: RegExp) =>
    assert.throws(
      () => parseOdooExporterConfig(input),
      (e: Error) => e instanceof OdooConfigError && re.test(e.message),
    );
  bad({ tenants: [{ db: 'a', url: 'postgresql://u:hunter2@h/a' }] }, /no password in url/);
  bad({ tenants: [{ db: 'a', url: 'postgresql://u@h/a', urlEnv: 'X' }] }, /exactly one of url, urlEnv, jsonrpc/);
  bad({ tenants: [{ db: 'a' }] }, /exactly one/);
  bad({ tenants: [{ db: 'a', url: 'mysql://u@h/a' }] }, /postgresql:\/\//);
  bad({ tenants: [{ db: 'a', url: 'postgresql://u@h/a', password: 'x' }] }, /password/);
  bad({ interval: 5 }, /interval/);
  bad({ tenants: [{ db: 'a', urlEnv: 'not a name' }] }, /environment variable name/);
  bad(
    {
      tenants: [
        { db: 'a', urlEnv: 'A' },
        { db: 'a', urlEnv: 'B' },
      ],
    },
    /appears twice/,
  );
  assert.throws(() => parseOdooExporterConfigText('tenants: [a'), /not valid JSON\/YAML/);
});

test('config: the shipped example is valid', async () => {
  const { readFile } = await import('node:fs/promises');
  const c = parseOdooExporterConfigText(await readFile(new URL('./example.yaml', import.meta.url), 'utf8'));
  assert.deepEqual(
    c.tenants.map((t) => t.db),
    ['shop_eu', 'shop_us', 'hosted_fr'],
  );
});
