/** Security: roles on every state-changing endpoint, tokens never echoed or logged, random bodies never 5xx. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startGate } from './server.ts';
import { release, SPEC, startHarness, tokenSet, TOKENS, WRONG_TOKEN, type Harness } from './testing/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  await h.call('POST', '/api/v1/releases', { token: TOKENS.operator, body: { release: release('sec-1'), spec: SPEC } });
});
after(() => h.close());

const WRITES: { method: string; path: string; body: unknown; needs: 'operator' | 'admin' }[] = [
  { method: 'POST', path: '/api/v1/releases', body: { release: release('sec-2'), spec: SPEC }, needs: 'operator' },
  {
    method: 'POST',
    path: '/api/v1/releases/sec-1/checkpoints',
    body: { backupId: 'b', takenAt: 0 },
    needs: 'operator',
  },
  { method: 'POST', path: '/api/v1/releases/sec-1/approvals', body: {}, needs: 'operator' },
  { method: 'POST', path: '/api/v1/releases/sec-1/complete', body: {}, needs: 'operator' },
  { method: 'POST', path: '/api/v1/releases/sec-1/abort', body: {}, needs: 'operator' },
  { method: 'PUT', path: '/api/v1/specs/sec-spec', body: SPEC, needs: 'admin' },
];

test('every state-changing endpoint refuses missing, wrong, malformed and too-low tokens, and changes nothing', async () => {
  for (const w of WRITES) {
    const none = await h.call(w.method, w.path, { body: w.body });
    assert.equal(none.status, 401, `${w.path} without a token`);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="release-health"');
    const wrong = await h.call(w.method, w.path, { body: w.body, token: WRONG_TOKEN });
    assert.equal(wrong.status, 401, `${w.path} with a wrong token`);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    assert.doesNotMatch(await wrong.text(), new RegExp(WRONG_TOKEN));
    const basic = await h.call(w.method, w.path, {
      body: w.body,
      headers: { authorization: `Basic ${Buffer.from(`x:${TOKENS.operator}`).toString('base64')}` },
    });
    assert.equal(basic.status, 401, `${w.path} with Basic auth`);
    const reader = await h.call(w.method, w.path, { body: w.body, token: TOKENS.reader });
    assert.equal(reader.status, 403, `${w.path} with a reader token`);
    assert.match(reader.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    if (w.needs === 'admin')
      assert.equal((await h.call(w.method, w.path, { body: w.body, token: TOKENS.operator })).status, 403);
  }
  assert.equal(await h.store.getRelease('sec-2'), undefined);
  assert.equal((await h.store.getRelease('sec-1'))?.status, 'active');
  assert.deepEqual(await h.store.listCheckpoints('sec-1'), []);
  assert.equal(await h.store.getSpec('sec-spec'), undefined);
});

test('reads need a reader token unless allowAnonymousRead; writes and Flagger hooks never open', async () => {
  for (const path of [
    '/api/v1/releases',
    '/api/v1/releases/sec-1',
    '/api/v1/releases/sec-1/verdict',
    '/metrics',
    '/api/v1/specs',
    '/api/v1/governance',
  ]) {
    assert.equal((await h.call('GET', path)).status, 401, path);
    assert.equal((await h.call('GET', path, { token: WRONG_TOKEN })).status, 401, path);
    assert.equal((await h.call('GET', path, { token: TOKENS.reader })).status, 200, path);
  }
  const open = await startGate(
    { store: h.store, governance: h.governance, tokens: tokenSet(), allowAnonymousRead: true },
    { port: 0 },
  );
  try {
    assert.equal((await fetch(`${open.url}/api/v1/releases/sec-1/verdict`)).status, 200);
    assert.equal((await fetch(`${open.url}/api/v1/releases/sec-1/abort`, { method: 'POST' })).status, 401);
    // sent as Flagger sends it (Content-Type: application/json); a non-JSON body is 415 before any token is read
    const hook = await fetch(`${open.url}/api/v1/flagger/rollback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'odoo', namespace: 'production', metadata: {} }),
    });
    assert.equal(hook.status, 401);
  } finally {
    await open.close();
  }
});

test('Flagger hooks: a wrong metadata.token is refused and never echoed', async () => {
  const res = await h.call('POST', '/api/v1/flagger/confirm-promotion', {
    body: { name: 'odoo', namespace: 'production', phase: 'Progressing', metadata: { token: WRONG_TOKEN } },
  });
  assert.equal(res.status, 401);
  assert.doesNotMatch(await res.text(), new RegExp(WRONG_TOKEN));
});

test('random JSON bodies never produce a 5xx (fast-check)', async () => {
  const targets = [
    '/api/v1/releases',
    '/api/v1/releases/sec-1/checkpoints',
    '/api/v1/flagger/rollback',
    '/api/v1/specs/fuzz',
  ];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...targets), fc.jsonValue({ maxDepth: 6 }), async (path, body) => {
      const res = await h.call(path.includes('specs') ? 'PUT' : 'POST', path, {
        token: TOKENS.admin,
        raw: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      await res.arrayBuffer();
      return res.status < 500;
    }),
    { numRuns: 150, seed: 20261127 },
  );
  // near-valid registrations: every release field replaced by random JSON
  const fields = Object.keys(release('x'));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 3 }), async (field, value) => {
      const res = await h.call('POST', '/api/v1/releases', {
        token: TOKENS.operator,
        body: { release: { ...release('fz-1'), [field]: value }, spec: SPEC },
      });
      await res.arrayBuffer();
      return res.status < 500;
    }),
    { numRuns: 100, seed: 7 },
  );
  // any UTF-16 code unit in any release field (lone surrogates, NUL, bidi controls): never a 5xx,
  // and a release that was stored reads back exactly as sent (nothing altered on the way)
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('service', 'version', 'environment', 'tenant', 'class'),
      fc.string({ unit: 'binary', maxLength: 12 }),
      async (field, value) => {
        const id = `fz-bin-${n++}`;
        const res = await h.call('POST', '/api/v1/releases', {
          token: TOKENS.operator,
          body: { release: { ...release(id), [field]: value }, spec: SPEC },
        });
        await res.arrayBuffer();
        if (res.status === 201) return (await h.store.getRelease(id))?.release[field as 'service'] === value;
        return res.status < 500;
      },
    ),
    {
      numRuns: 100,
      seed: 19,
      examples: [
        ['service', 'odoo\ud800'],
        ['tenant', '\udc00'],
        ['version', 'a\u0000'],
        ['environment', 'x\u202e'],
      ],
    },
  );
});

test('no token ever appears in a log line', () => {
  const logs = h.logger.lines.join('\n');
  assert.ok(h.logger.lines.length > 20);
  for (const token of [...Object.values(TOKENS), WRONG_TOKEN])
    assert.ok(!logs.includes(token), 'a token leaked into the logs');
  assert.doesNotMatch(logs, /authorization/i);
});
