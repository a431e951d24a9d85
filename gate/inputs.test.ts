/**
 * Inputs that once took the service down or were stored altered, each answered at the door now:
 * unbounded windows and start times, non-JSON bodies, duplicate and `__proto__` keys, lone
 * surrogates, scorecard dates, a backup recorded twice; and the security headers on every answer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { release, SPEC, startHarness, T0, TOKENS, type Harness } from './testing/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ scorecardPage: async (q) => `<h1>scorecards ${JSON.stringify(q)}</h1>` });
});
after(() => h.close());

const DAY = 86_400_000;
const register = (body: unknown) => h.call('POST', '/api/v1/releases', { token: TOKENS.operator, body });
const details = async (res: Response) => ((await res.json()) as { details: string[] }).details.join('\n');

test('start times and observation windows are bounded: 400 naming the field, nothing stored', async () => {
  const cases: [Record<string, unknown>, unknown, RegExp][] = [
    [{ startedAt: 0 }, SPEC, /^release\.startedAt: must be an epoch-ms time on or after 2000-01-01/],
    [{ startedAt: 8.64e15 + 1 }, SPEC, /^release\.startedAt: must be an epoch-ms time before 2100-01-01/],
    [{ startedAt: T0 + 2 * DAY }, SPEC, /^release\.startedAt: .* is more than a day ahead/],
    [{}, { ...SPEC, policy: { observeMs: 9e15 } }, /^spec\.policy\.observeMs: at most 2592000000 ms/],
    [{}, { ...SPEC, policy: { minObserveMs: 31 * DAY } }, /^spec\.policy\.minObserveMs: at most/],
    [
      {},
      { ...SPEC, policy: { observeMs: 60_000, minObserveMs: 120_000 } },
      /^spec\.policy\.minObserveMs: must not exceed `observeMs`/,
    ],
  ];
  for (const [i, [extra, spec, pattern]] of cases.entries()) {
    const res = await register({ release: release(`rel-bound-${i}`, extra), spec });
    assert.equal(res.status, 400, JSON.stringify(extra) + JSON.stringify(spec));
    assert.match(await details(res), pattern);
    assert.equal(await h.store.getRelease(`rel-bound-${i}`), undefined);
  }
  // a stored spec is checked by the same rule when a release names it
  assert.equal(
    (
      await h.call('PUT', '/api/v1/specs/too-long', {
        token: TOKENS.admin,
        body: { ...SPEC, policy: { observeMs: 9e15 } },
      })
    ).status,
    400,
  );
  // the edges are accepted
  // a start long past is a replay (time from the samples); with the window bounded its catch-up is bounded
  assert.equal(
    (
      await register({
        release: release('rel-bound-ok-1', { startedAt: Date.UTC(2025, 2, 12, 9) }),
        spec: { ...SPEC, policy: { observeMs: 30 * DAY } },
      })
    ).status,
    201,
  );
  assert.equal(
    (await register({ release: release('rel-bound-ok-2', { startedAt: T0 + DAY - 1 }), spec: SPEC })).status,
    201,
  );
});

test('a body that is not JSON is 415 (text/plain, form, xml, none); JSON with parameters or +json is fine', async () => {
  const raw = JSON.stringify({ release: release('rel-ct-1'), spec: SPEC });
  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/xml',
    'multipart/form-data; boundary=x',
    undefined,
  ]) {
    const res = await h.call('POST', '/api/v1/releases', {
      token: TOKENS.operator,
      raw,
      headers: type === undefined ? {} : { 'content-type': type },
    });
    assert.equal(res.status, 415, String(type));
    assert.equal(res.headers.get('accept'), 'application/json');
    assert.match(await details(res), /^content-type: expected application\/json/);
  }
  assert.equal(await h.store.getRelease('rel-ct-1'), undefined);
  assert.equal(
    (
      await h.call('PUT', '/api/v1/specs/ct', {
        token: TOKENS.admin,
        raw: JSON.stringify(SPEC),
        headers: { 'content-type': 'text/plain' },
      })
    ).status,
    415,
  );
  const ok = await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    raw,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
  assert.equal(ok.status, 201);
  // an empty body where none is needed stays fine without a type (abort with no reason)
  assert.equal((await h.call('POST', '/api/v1/releases/rel-ct-1/abort', { token: TOKENS.operator })).status, 200);
});

test('__proto__ and duplicate keys are a 400 naming the field, not silently dropped or overwritten', async () => {
  const base = JSON.stringify({ release: release('rel-keys-1'), spec: SPEC }).slice(0, -1);
  const cases: [string, RegExp][] = [
    [
      `${base.replace('"metrics":', '"groupWeights":{"__proto__":5},"metrics":')}}`,
      /^spec\.groupWeights\.__proto__: the key "__proto__" is not accepted/,
    ],
    [`${base},"spec":${JSON.stringify(SPEC)}}`, /^spec: the key "spec" is given twice/],
    [
      base.replace('"service":"odoo"', '"service":"odoo","service":"erp"') + '}',
      /^release\.service: the key "service" is given twice/,
    ],
    // the same key spelled with an escape is the same key
    [
      base.replace('"version":"17.0.42"', '"version":"17.0.42","\\u0076ersion":"17.0.43"') + '}',
      /^release\.version: the key "version" is given twice/,
    ],
    [
      `${base.replace('"metrics":[{', '"metrics":[{"name":"x",')}}`,
      /^spec\.metrics\[0\]\.name: the key "name" is given twice/,
    ],
  ];
  for (const [raw, pattern] of cases) {
    const res = await h.call('POST', '/api/v1/releases', {
      token: TOKENS.operator,
      raw,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 400, raw);
    assert.match(await details(res), pattern);
  }
  assert.equal(await h.store.getRelease('rel-keys-1'), undefined);
  // the same key in two different objects is not a duplicate
  const fine = JSON.stringify({ release: release('rel-keys-2'), spec: { ...SPEC, groupWeights: { business: 1 } } });
  assert.equal(
    (
      await h.call('POST', '/api/v1/releases', {
        token: TOKENS.operator,
        raw: fine,
        headers: { 'content-type': 'application/json' },
      })
    ).status,
    201,
  );
});

test('lone UTF-16 surrogates are refused at validation (bodies, keys, query filters) and never stored altered', async () => {
  const withSurrogate = [
    JSON.stringify({ release: release('rel-sur-1'), spec: SPEC, justification: 'x\ud800y' }),
    JSON.stringify({
      release: release('rel-sur-2'),
      spec: { ...SPEC, metrics: [{ ...SPEC.metrics[0], group: 'b\udc00' }, SPEC.metrics[1]] },
    }),
    JSON.stringify({ release: release('rel-sur-3'), spec: { ...SPEC, groupWeights: { ['k\ud83d']: 1 } } }),
  ];
  for (const raw of withSurrogate) {
    assert.ok(raw.includes('\\ud') || raw.includes('\\udc'), 'JSON.stringify escapes the lone surrogate');
    const res = await h.call('POST', '/api/v1/releases', {
      token: TOKENS.operator,
      raw,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 400, raw);
    assert.match(await details(res), /lone UTF-16 surrogate/);
  }
  for (const id of ['rel-sur-1', 'rel-sur-2', 'rel-sur-3']) assert.equal(await h.store.getRelease(id), undefined);
  await register({ release: release('rel-sur-ok'), spec: SPEC });
  const reason = await h.call('POST', '/api/v1/releases/rel-sur-ok/abort', {
    token: TOKENS.operator,
    raw: '{"reason":"bad \\ud800"}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(reason.status, 400);
  assert.match(await details(reason), /^reason: contains a lone UTF-16 surrogate/);
  const filter = await h.call('GET', '/api/v1/releases?service=%ED%A0%80', { token: TOKENS.reader }); // UTF-8 of U+D800 (invalid): decoded to U+FFFD
  assert.notEqual(filter.status, 500);
  // a well-formed pair is a character like any other
  const emoji = await h.call('POST', '/api/v1/releases/rel-sur-ok/approvals', {
    token: TOKENS.operator2,
    body: { comment: 'ok \ud83d\ude80' },
  });
  assert.equal(emoji.status, 201);
});

test('scorecard query: garbage, inverted and out-of-range dates are 400 naming the field; good ones reach the page', async () => {
  const cases: [string, RegExp][] = [
    ['from=garbage', /^from: /],
    ['to=notadate', /^to: /],
    ['from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', /^from: must be before `to`/],
    ['from=1970-01-01T00:00:00Z&to=2026-11-01T00:00:00Z', /^from: must be between 2000-01-01 and 2100-01-01/],
    ['to=+275760-09-13T00:00:00Z', /^to: /],
    ['from=2026-12-01T00:00:00Z', /^from: must be before `to` \(default: now\)/],
    ['environment=production', /Unrecognized key/],
  ];
  for (const [query, pattern] of cases) {
    const res = await h.call('GET', `/scorecards?${query}`, { token: TOKENS.reader });
    assert.equal(res.status, 400, query);
    assert.match(await details(res), pattern, query);
  }
  const ok = await h.call('GET', '/scorecards?from=2026-11-01&to=2026-11-20T00:00:00%2B01:00', {
    token: TOKENS.reader,
  });
  assert.equal(ok.status, 200);
  assert.equal(
    await ok.text(),
    '<h1>scorecards {"from":"2026-11-01T00:00:00.000Z","to":"2026-11-19T23:00:00.000Z"}</h1>',
  );
});

test('the same backup posted twice is 409 naming the field; the first record stays', async () => {
  await register({ release: release('rel-backup-1'), spec: SPEC });
  const body = { backupId: 'pgbackrest-20261120-0400F', takenAt: T0 - 3_600_000, source: 'pgbackrest' };
  assert.equal(
    (await h.call('POST', '/api/v1/releases/rel-backup-1/checkpoints', { token: TOKENS.operator, body })).status,
    201,
  );
  const again = await h.call('POST', '/api/v1/releases/rel-backup-1/checkpoints', {
    token: TOKENS.operator,
    body: { ...body, takenAt: T0 },
  });
  assert.equal(again.status, 409);
  assert.match(await details(again), /^backupId: already recorded/);
  const stored = await h.store.listCheckpoints('rel-backup-1');
  assert.deepEqual(
    stored.map((c) => c.takenAt),
    [T0 - 3_600_000],
  );
});

test('security headers on every answer: pages, JSON, errors, 401, 404, 405, 413', async () => {
  const answers = [
    await h.call('GET', '/scorecards', { token: TOKENS.reader }),
    await h.call('GET', '/api/v1/releases', { token: TOKENS.reader }),
    await h.call('GET', '/api/v1/releases', {}),
    await h.call('GET', '/healthz'),
    await h.call('GET', '/openapi.json'),
    await h.call('GET', '/nowhere'),
    await h.call('DELETE', '/healthz'),
    await h.call('POST', '/api/v1/releases', {
      token: TOKENS.operator,
      raw: 'x'.repeat(300 * 1024),
      headers: { 'content-type': 'application/json' },
    }),
    await h.call('POST', '/api/v1/releases', {
      token: TOKENS.operator,
      raw: '{',
      headers: { 'content-type': 'application/json' },
    }),
  ];
  assert.deepEqual(
    answers.map((r) => r.status),
    [200, 200, 401, 200, 200, 404, 405, 413, 400],
  );
  for (const res of answers) {
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/, `${res.url} ${res.status}`);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /script-src/, 'no script may run, so none is allowed');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    await res.body?.cancel();
  }
});
