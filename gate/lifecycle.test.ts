/**
 * How releases end, over real HTTP: a newer release of the same target supersedes the older one,
 * Flagger's `rollout` hook observes and its `post-rollout` hook closes, the 404 says what was
 * looked for, and the action sink closes a release after the actions of a final decision.
 * (Flagger's own webhook client runs against a live `serve` in test/controllers/flagger.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict } from '../analyzer/index.ts';
import { createPgliteStore } from '../store/index.ts';
import { createActionSink } from './actions/index.ts';
import type { Action } from './actions/types.ts';
import { closingStatus, createReleaseCloser, keepsWatching } from './routes/lifecycle.ts';
import { engineVerdict, FakeRunner, release, SPEC, startHarness, T0, TOKENS, type Harness } from './testing/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const register = async (rel: Record<string, unknown>) => {
  const res = await h.call('POST', '/api/v1/releases', { token: TOKENS.operator, body: { release: rel, spec: SPEC } });
  assert.equal(res.status, 201, await res.text());
};
const statusOf = async (id: string) => (await h.store.getRelease(id))?.status;
const hook = (name: string, body: Record<string, unknown>) =>
  fetch(`${h.url}/api/v1/flagger/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('a newer release of the same service, environment and tenant supersedes the older one (closed, audited, analysis stopped)', async () => {
  const target = { service: 'web', environment: 'staging', tenant: 'acme' };
  await register(release('sup-1', target));
  await register(release('sup-other-tenant', { ...target, tenant: 'globex' }));
  await register(release('sup-other-env', { ...target, environment: 'production' }));
  h.clock.now += 1000;
  await register(release('sup-2', { ...target, version: '17.0.43' }));
  assert.equal(await statusOf('sup-1'), 'superseded');
  const old = (await (await h.call('GET', '/api/v1/releases/sup-1', { token: TOKENS.reader })).json()) as {
    status: string;
    supersededBy: string;
  };
  assert.deepEqual([old.status, old.supersededBy], ['superseded', 'sup-2'], 'the read names the newer release');
  const listed = (await (
    await h.call('GET', '/api/v1/releases?status=superseded&service=web', { token: TOKENS.reader })
  ).json()) as { releases: { release: { id: string }; supersededBy?: string }[] };
  assert.deepEqual(
    listed.releases.map((r) => [r.release.id, r.supersededBy]),
    [['sup-1', 'sup-2']],
  );
  for (const id of ['sup-2', 'sup-other-tenant', 'sup-other-env']) assert.equal(await statusOf(id), 'active', id);
  const audit = await h.store.listAudit({ releaseId: 'sup-1' });
  const entry = audit.find((a) => a.action === 'release.supersede');
  assert.deepEqual(entry?.detail, { supersededBy: 'sup-2', version: '17.0.43' });
  assert.equal(entry?.actor, 'ci', 'the registrant of the newer release');
  assert.ok(h.runner.stopped.includes('sup-1'));
  // its verdict stays readable and says first that nothing judges it any more; closing it again is a 409
  const read = await h.call('GET', '/api/v1/releases/sup-1/verdict', { token: TOKENS.reader });
  assert.equal(read.status, 200);
  assert.equal(((await read.json()) as { reasons: string[] }).reasons[0], 'superseded by sup-2: no longer judged');
  assert.equal((await h.call('POST', '/api/v1/releases/sup-1/complete', { token: TOKENS.operator })).status, 409);
  // a superseded release named by id tells Flagger's rollback hook to carry on, not to roll back
  const rb = await hook('rollback', {
    name: 'web',
    namespace: 'staging',
    phase: 'Progressing',
    metadata: { releaseId: 'sup-1', token: TOKENS.reader },
  });
  assert.equal(rb.status, 409);
  assert.match(((await rb.json()) as { reason: string }).reason, /superseded by sup-2/);
});

test('a superseded release answers inconclusive whatever its last judgement: a promote it never got is withheld, so no promotion step passes on it', async () => {
  const target = { service: 'web', environment: 'withheld', tenant: 'acme' };
  await register(release('wh-1', target));
  await h.store.appendVerdict(engineVerdict('wh-1', 'promote', h.clock.now));
  const before = (await (
    await h.call('GET', '/api/v1/releases/wh-1/verdict', { token: TOKENS.reader })
  ).json()) as Verdict;
  assert.equal(before.decision, 'promote', 'active, its promote is answered');
  h.clock.now += 1000;
  await register(release('wh-2', target));
  const read = await h.call('GET', '/api/v1/releases/wh-1/verdict', { token: TOKENS.reader });
  const after = (await read.json()) as Verdict;
  assert.equal(await statusOf('wh-1'), 'superseded');
  assert.equal(after.decision, 'inconclusive');
  assert.deepEqual(after.reasons.slice(0, 2), [
    'superseded by wh-2: no longer judged',
    'its last judgement (promote) no longer applies',
  ]);
});

test('a quarantined release (its analysis failed) answers inconclusive and is listed by its status; its id cannot be registered again', async () => {
  await register(release('quar-1', { service: 'web', environment: 'quarantine' }));
  await h.store.appendVerdict(engineVerdict('quar-1', 'continue', h.clock.now));
  await h.store.closeRelease('quar-1', 'quarantined', h.clock.now + 1, {
    at: h.clock.now + 1,
    actor: 'pipeline',
    action: 'release.quarantine',
    detail: { reason: 'RangeError: Invalid array length' },
  });
  const verdict = (await (
    await h.call('GET', '/api/v1/releases/quar-1/verdict', { token: TOKENS.reader })
  ).json()) as Verdict;
  assert.equal(verdict.decision, 'inconclusive', 'its last stored look said continue: the status overrides it');
  assert.equal(verdict.reasons[0], 'quarantined: its analysis failed; a human decides');
  const listed = (await (
    await h.call('GET', '/api/v1/releases?status=quarantined&environment=quarantine', { token: TOKENS.reader })
  ).json()) as { releases: { release: { id: string }; status: string }[] };
  assert.deepEqual(
    listed.releases.map((r) => [r.release.id, r.status]),
    [['quar-1', 'quarantined']],
  );
  const again = await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    body: { release: release('quar-1', { service: 'web', environment: 'quarantine' }), spec: SPEC },
  });
  assert.equal(again.status, 409);
  assert.equal(await statusOf('quar-1'), 'quarantined');
});

test('Flagger rollout hook: observes (200) while no harm is found, halts (409) on rollback or reduce-traffic', async () => {
  await register(release('fl-rollout', { service: 'shop', environment: 'flagger-a' }));
  const call = async () =>
    (
      await hook('rollout', {
        name: 'shop',
        namespace: 'flagger-a',
        phase: 'Progressing',
        metadata: { token: TOKENS.reader },
      })
    ).status;
  assert.equal(await call(), 200, 'warming up: observe');
  let at = T0;
  for (const [decision, status] of [
    ['continue', 200],
    ['inconclusive', 200],
    ['reduce-traffic', 409],
    ['rollback', 409],
  ] as const) {
    await h.store.appendVerdict(engineVerdict('fl-rollout', decision, (at += 60_000)));
    assert.equal(await call(), status, decision);
  }
});

test('Flagger post-rollout hook closes the release: Succeeded → completed, Failed → aborted; operator token; 200 when already closed', async () => {
  await register(release('fl-post-ok', { service: 'shop', environment: 'flagger-b' }));
  const post = (ns: string, phase: string | undefined, token: string) =>
    hook('post-rollout', { name: 'shop', namespace: ns, ...(phase ? { phase } : {}), metadata: { token } });
  assert.equal(
    (await post('flagger-b', 'Succeeded', TOKENS.reader)).status,
    403,
    'a reader token may not close a release',
  );
  assert.equal((await post('flagger-b', 'Progressing', TOKENS.operator)).status, 400);
  const ok = await post('flagger-b', 'Succeeded', TOKENS.operator);
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as { status: string }).status, 'completed');
  assert.equal(await statusOf('fl-post-ok'), 'completed');
  // class standard keeps a post-release watch: the analysis goes on after the promotion
  assert.ok(!h.runner.stopped.includes('fl-post-ok'));
  const again = await post('flagger-b', 'Succeeded', TOKENS.operator);
  assert.equal(again.status, 200);
  assert.match(((await again.json()) as { reason: string }).reason, /already completed/);
  const audit = await h.store.listAudit({ releaseId: 'fl-post-ok' });
  assert.deepEqual(
    audit.filter((a) => a.action === 'flagger.post-rollout').map((a) => a.detail),
    [{ phase: 'Succeeded', canary: 'flagger-b/shop' }],
  );

  await register(release('fl-post-failed', { service: 'shop', environment: 'flagger-c' }));
  assert.equal((await post('flagger-c', 'Failed', TOKENS.operator)).status, 200);
  assert.equal(await statusOf('fl-post-failed'), 'aborted');
  assert.ok(h.runner.stopped.includes('fl-post-failed'), 'a rolled-back release is no longer analysed');
});

test('Flagger 404 says what was looked for: the named release id, or the service and environment', async () => {
  const byName = await hook('confirm-rollout', {
    name: 'nothing-here',
    namespace: 'void',
    metadata: { token: TOKENS.reader },
  });
  assert.equal(byName.status, 404);
  assert.match(
    ((await byName.json()) as { error: string }).error,
    /^no release of service "nothing-here" in environment "void" \(register it first, or name it in metadata\.releaseId\)$/,
  );
  const byId = await hook('confirm-rollout', {
    name: 'shop',
    namespace: 'void',
    metadata: { releaseId: 'no-such-id', token: TOKENS.reader },
  });
  assert.equal(byId.status, 404);
  const text = ((await byId.json()) as { error: string }).error;
  assert.equal(text, 'release "no-such-id" (metadata.releaseId) not found');
});

test('the actions of a final decision close the release: rollback aborts and stops it; promote completes it (the watch goes on)', async () => {
  const store = await createPgliteStore();
  try {
    const runner = new FakeRunner();
    const closer = createReleaseCloser({ store, runner, logger: { info() {}, warn() {}, error() {} } });
    const ran: string[] = [];
    const action: Action = {
      kind: 'webhook',
      target: 'http://127.0.0.1:1/hook',
      on: new Set(['rollback', 'promote']),
      run: async (c) => void ran.push(c.verdict.decision),
    };
    const governance = h.governance;
    const sink = createActionSink({
      store,
      actions: [action],
      clock: () => T0,
      afterActions: async (verdict: Verdict, rec) => {
        const status = closingStatus(verdict.decision);
        if (status)
          await closer.close(
            rec.release.id,
            { status, at: T0, actor: 'system', action: 'release.close-after-actions' },
            { awaitStop: false, stopAnalysis: !(status === 'completed' && keepsWatching(governance, rec)) },
          );
      },
    });
    for (const [id, decision, status, stopped] of [
      ['act-rb', 'rollback', 'aborted', true],
      ['act-pr', 'promote', 'completed', false],
    ] as const) {
      const rec = {
        release: release(id),
        spec: { release: release(id), ...SPEC },
        status: 'active' as const,
        registeredAt: T0,
        registeredBy: 'ci',
      };
      await store.createRelease(rec as never, { at: T0, actor: 'ci', action: 'release.register', releaseId: id });
      await sink.onVerdict(engineVerdict(id, 'continue', T0 + 60_000), undefined, rec as never);
      assert.equal((await store.getRelease(id))?.status, 'active', 'continue runs no action and closes nothing');
      await sink.onVerdict(
        engineVerdict(id, decision, T0 + 120_000),
        engineVerdict(id, 'continue', T0 + 60_000),
        rec as never,
      );
      assert.equal((await store.getRelease(id))?.status, status);
      await new Promise((r) => setTimeout(r, 10)); // the stop is not awaited from inside the sink
      assert.equal(runner.stopped.includes(id), stopped, id);
    }
    assert.deepEqual(ran, ['rollback', 'promote']);
  } finally {
    await store.close();
  }
});
