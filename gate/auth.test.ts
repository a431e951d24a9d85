import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearerToken, hasRole, loadTokens, parseTokens, TokenConfigError } from './auth.ts';

const A = 'a'.repeat(16) + ':with-colon';
const B = 'b'.repeat(32);

test('line format: name:role:token, comments and blank lines; the token may contain ":"', () => {
  const set = parseTokens(`# gate tokens\nargo:reader:${A}\n\n  ci:operator:${B}  \n`);
  assert.equal(set.size, 2);
  assert.deepEqual(set.verify(A), { name: 'argo', role: 'reader' });
  assert.deepEqual(set.verify(B), { name: 'ci', role: 'operator' });
  assert.equal(set.verify('a'.repeat(16)), undefined);
  assert.equal(set.verify(undefined), undefined);
  assert.equal(set.verify(''), undefined);
});

test('JSON format: an array or { tokens: [...] }', () => {
  assert.deepEqual(parseTokens(JSON.stringify([{ name: 'p', role: 'admin', token: B }])).verify(B), {
    name: 'p',
    role: 'admin',
  });
  assert.deepEqual(parseTokens(JSON.stringify({ tokens: [{ name: 'p', role: 'reader', token: B }] })).verify(B), {
    name: 'p',
    role: 'reader',
  });
});

test('configuration errors name the line or entry and never contain the token', () => {
  const cases = [
    `x:reader:short`, // too short
    `x:root:${B}`, // unknown role
    `x:reader:${B}\nx:operator:${A}`, // duplicate name
    `x:reader:${B}\ny:operator:${B}`, // same token twice
    `no-colons-${B}`,
    JSON.stringify([{ name: 'p', role: 'admin', token: B, extra: 1 }]),
    '[{ not json',
  ];
  for (const text of cases) {
    assert.throws(
      () => parseTokens(text),
      (e: unknown) => e instanceof TokenConfigError && !e.message.includes(B) && !e.message.includes('short'),
      text,
    );
  }
});

test('roles nest: admin ⊇ operator ⊇ reader', () => {
  assert.ok(hasRole('admin', 'operator') && hasRole('operator', 'reader') && hasRole('reader', 'reader'));
  assert.ok(!hasRole('reader', 'operator') && !hasRole('operator', 'admin'));
});

test('bearer header parsing (RFC 6750: scheme case-insensitive)', () => {
  assert.equal(bearerToken(`Bearer ${B}`), B);
  assert.equal(bearerToken(`bearer ${B}`), B);
  assert.equal(bearerToken(`Basic ${B}`), undefined);
  assert.equal(bearerToken('Bearer'), undefined);
  assert.equal(bearerToken(undefined), undefined);
});

test('loadTokens: RH_TOKENS and a file together; a missing file is an error naming the path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-tokens-'));
  try {
    const file = join(dir, 'tokens');
    await writeFile(file, JSON.stringify([{ name: 'file-admin', role: 'admin', token: B }]));
    const set = await loadTokens({ env: `env-reader:reader:${A}`, file });
    assert.deepEqual([set.verify(A)?.name, set.verify(B)?.name], ['env-reader', 'file-admin']);
    await assert.rejects(loadTokens({ file: join(dir, 'missing') }), /cannot read token file .*missing: ENOENT/);
    assert.equal((await loadTokens({})).size, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
