/** API tests over real HTTP: the gate on port 0, the PGlite store in memory, a fake runner. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineVerdict, release, SPEC, startHarness, T0, TOKENS, type Harness } from './testing/harness.ts';
import { verdictSchema } from './wireFormat.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const register = (body: unknown, token: string = TOKENS.operator) =>
  h.call('POST', '/api/v1/releases', { token, body });

test('register inline, read it back, list with filters; the runner is started', async () => {
  const res = await register({ release: release('rel-inline-1'), spec: SPEC });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('location'), '/api/v1/releases/rel-inline-1');
  const created = (await res.json()) as { status: string; registeredBy: string; spec: { release: { id: string } } };
  assert.equal(created.status, 'active');
  assert.equal(created.registeredBy, 'ci');
  assert.equal(created.spec.release.id, 'rel-inline-1');
  assert.ok(h.runner.started.includes('rel-inline-1'));

  const list = await h.call('GET', '/api/v1/releases?service=odoo&environment=production&status=active', {
    token: TOKENS.reader,
  });
  assert.equal(list.status, 200);
  const { releases } = (await list.json()) as { releases: { release: { id: string }; spec?: unknown }[] };
  assert.ok(releases.some((r) => r.release.id === 'rel-inline-1'));
  assert.equal(releases[0].spec, undefined, 'the list leaves specs out');
  assert.equal((await h.call('GET', '/api/v1/releases?status=sleeping', { token: TOKENS.reader })).status, 400);
  const unknownParam = await h.call('GET', '/api/v1/releases?servce=odoo', { token: TOKENS.reader });
  assert.equal(unknownParam.status, 400);
  assert.match(JSON.stringify(await unknownParam.json()), /servce/);
});

test('register by stored spec name (admin PUTs the spec); unknown spec names are a 400 naming the field', async () => {
  const put = await h.call('PUT', '/api/v1/specs/odoo-checkout', { token: TOKENS.admin, body: SPEC });
  assert.equal(put.status, 201);
  assert.equal((await h.call('PUT', '/api/v1/specs/odoo-checkout', { token: TOKENS.admin, body: SPEC })).status, 200);
  const got = await h.call('GET', '/api/v1/specs/odoo-checkout', { token: TOKENS.reader });
  assert.deepEqual(
    ((await got.json()) as { spec: typeof SPEC }).spec.metrics.map((m) => m.name),
    ['checkout_latency', 'orders'],
  );
  assert.deepEqual(
    ((await (await h.call('GET', '/api/v1/specs', { token: TOKENS.reader })).json()) as { specs: string[] }).specs,
    ['odoo-checkout'],
  );
  assert.equal((await register({ release: release('rel-named-1'), specName: 'odoo-checkout' })).status, 201);
  const missing = await register({ release: release('rel-named-2'), specName: 'nope' });
  assert.equal(missing.status, 400);
  assert.match(((await missing.json()) as { details: string[] }).details[0], /^specName: no stored spec "nope"/);
});

test('validation: 400 names the field; unknown fields, both or neither spec, unknown class, bad id', async () => {
  const cases: [unknown, RegExp][] = [
    [{ release: release('rel-v1', { startedAt: 'yesterday' }), spec: SPEC }, /release\.startedAt/],
    [{ release: release('rel-v2'), spec: SPEC, colour: 'red' }, /colour/],
    [{ release: release('rel-v3'), spec: { ...SPEC, metrics: [{ ...SPEC.metrics[0], tolerence: 0.1 }] } }, /tolerence/],
    [{ release: release('rel-v4') }, /exactly one of `spec`/],
    [{ release: release('rel-v5'), spec: SPEC, specName: 'odoo-checkout' }, /exactly one of `spec`/],
    [{ release: release('rel-v6', { class: 'yolo' }), spec: SPEC }, /release\.class: unknown release class "yolo"/],
    [{ release: release('bad id!'), spec: SPEC }, /release\.id/],
    [
      { release: release('rel-v7'), spec: { ...SPEC, beforeAfter: { baseline: 'previous-window' } } },
      /spec\.beforeAfter/,
    ],
    [[1, 2, 3], /expected object/],
  ];
  for (const [body, pattern] of cases) {
    const res = await register(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    const payload = (await res.json()) as { error: string; details: string[] };
    assert.match(payload.details.join('\n'), pattern);
  }
});

test('malformed JSON, deep nesting and oversized bodies: 400 / 400 / 413 as JSON', async () => {
  const bad = await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    raw: '{"release":',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: string }).error, 'request body is not valid JSON');
  const deep = await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    raw: '['.repeat(5000) + ']'.repeat(5000),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(deep.status, 400);
  const big = await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    raw: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }),
  });
  assert.equal(big.status, 413);
  assert.match(((await big.json()) as { error: string }).error, /larger than 262144 bytes/);
});

test('verdict: 200 continue "warming up" before the first, then the latest for every decision; 404/400 as JSON', async () => {
  await register({ release: release('rel-verdict-1'), spec: SPEC });
  const first = await h.call('GET', '/api/v1/releases/rel-verdict-1/verdict', { token: TOKENS.reader });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('cache-control'), 'no-store');
  const placeholder = verdictSchema.parse(await first.json());
  // judged from registration: never `inconclusive` (which pauses Argo) for being new
  assert.equal(placeholder.decision, 'continue');
  assert.match(placeholder.reasons[0], /^warming up: no look taken yet; \d+ of 60 min of the observation window left$/);
  let at = T0;
  for (const decision of ['continue', 'inconclusive', 'reduce-traffic', 'rollback', 'promote'] as const) {
    at += 60_000;
    await h.store.appendVerdict(engineVerdict('rel-verdict-1', decision, at));
    const res = await h.call('GET', '/api/v1/releases/rel-verdict-1/verdict', { token: TOKENS.reader });
    assert.equal(res.status, 200);
    const v = verdictSchema.parse(await res.json()); // the documented schema is what goes out
    assert.equal(v.decision, decision);
    assert.equal(v.metrics[1].effect.low, null, 'non-finite numbers go out as null');
  }
  const detail = (await (await h.call('GET', '/api/v1/releases/rel-verdict-1', { token: TOKENS.reader })).json()) as {
    timeline: { decision: string }[];
    verdict: { decision: string };
  };
  assert.deepEqual(
    detail.timeline.map((t) => t.decision),
    ['continue', 'inconclusive', 'reduce-traffic', 'rollback', 'promote'],
  );
  assert.equal(detail.verdict.decision, 'promote');
  const unknown = await h.call('GET', '/api/v1/releases/no-such-release/verdict', { token: TOKENS.reader });
  assert.equal(unknown.status, 404);
  assert.match(((await unknown.json()) as { error: string }).error, /not found/);
  assert.equal((await h.call('GET', '/api/v1/releases/bad%20id/verdict', { token: TOKENS.reader })).status, 400);
});

test('complete and abort close once (409 after), stop the runner, and are audited', async () => {
  await register({ release: release('rel-close-1'), spec: SPEC });
  await register({ release: release('rel-close-2'), spec: SPEC });
  const done = await h.call('POST', '/api/v1/releases/rel-close-1/complete', {
    token: TOKENS.operator,
    body: { reason: 'promoted' },
  });
  assert.equal(done.status, 200);
  assert.equal(((await done.json()) as { status: string }).status, 'completed');
  assert.equal((await h.call('POST', '/api/v1/releases/rel-close-1/abort', { token: TOKENS.operator })).status, 409);
  assert.equal((await h.call('POST', '/api/v1/releases/rel-close-2/abort', { token: TOKENS.operator })).status, 200);
  assert.equal((await h.call('POST', '/api/v1/releases/rel-close-3/abort', { token: TOKENS.operator })).status, 404);
  assert.deepEqual(
    h.runner.stopped.filter((id) => id.startsWith('rel-close')),
    ['rel-close-1', 'rel-close-2'],
  );
  const audit = await h.store.listAudit({ releaseId: 'rel-close-1' });
  assert.deepEqual(
    audit.map((a) => [a.action, a.actor]),
    [
      ['release.register', 'ci'],
      ['release.complete', 'ci'],
    ],
  );
  assert.equal((await register({ release: release('rel-close-1'), spec: SPEC })).status, 409);
});

test('probes, OpenAPI and scorecards', async () => {
  assert.deepEqual(await (await h.call('GET', '/healthz')).json(), { status: 'ok' });
  const ready = await h.call('GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', store: 'pglite' });
  const doc = (await (await h.call('GET', '/openapi.json')).json()) as {
    openapi: string;
    paths: Record<string, unknown>;
  };
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.paths['/api/v1/releases/{id}/verdict']);
  assert.equal((await h.call('GET', '/scorecards', { token: TOKENS.reader })).status, 404);
  assert.equal((await h.call('GET', '/nowhere')).status, 404);
});

test('scorecards delegate to the configured page with the query', async () => {
  const seen: Record<string, string>[] = [];
  const other = await startHarness({ scorecardPage: async (q) => (seen.push(q), '<h1>scorecards</h1>') });
  try {
    const res = await other.call('GET', '/scorecards?from=2026-11-01T00:00:00Z', { token: TOKENS.reader });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(await res.text(), '<h1>scorecards</h1>');
    assert.deepEqual(seen, [{ from: '2026-11-01T00:00:00.000Z' }]);
  } finally {
    await other.close();
  }
});
