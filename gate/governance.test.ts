/** Governance over HTTP: freeze windows (423), emergency overrides, backup checkpoints, approvals. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineVerdict, release, SPEC, startHarness, TOKENS, type Harness } from './testing/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const BLACK_FRIDAY = Date.parse('2026-11-28T10:00:00Z');
const register = (body: unknown) => h.call('POST', '/api/v1/releases', { token: TOKENS.operator, body });

test('a freeze window refuses the classes it names with 423 Locked and the reason', async () => {
  h.clock.now = BLACK_FRIDAY;
  const res = await register({ release: release('frz-std-1', { startedAt: BLACK_FRIDAY }), spec: SPEC });
  assert.equal(res.status, 423);
  const body = (await res.json()) as { error: string; details: { freeze: string; reason: string } };
  assert.match(body.error, /Black Friday peak/);
  assert.equal(body.details.freeze, 'black-friday-2026');
  assert.equal(await h.store.getRelease('frz-std-1'), undefined);
  // other environments and classes the window does not name pass
  assert.equal(
    (
      await register({
        release: release('frz-staging-1', { startedAt: BLACK_FRIDAY, environment: 'staging' }),
        spec: SPEC,
      })
    ).status,
    201,
  );
  assert.equal(
    (await register({ release: release('frz-infra-1', { startedAt: BLACK_FRIDAY, class: 'infra-patch' }), spec: SPEC }))
      .status,
    201,
  );
});

test('an emergency fix passes a freeze only with a justification, recorded as freeze.override', async () => {
  h.clock.now = BLACK_FRIDAY;
  const fix = release('frz-fix-1', { startedAt: BLACK_FRIDAY, class: 'emergency-fix' });
  const refused = await register({ release: fix, spec: SPEC });
  assert.equal(refused.status, 423);
  assert.match(((await refused.json()) as { error: string }).error, /justification/);
  const res = await register({ release: fix, spec: SPEC, justification: 'checkout double-charges cards (INC-4711)' });
  assert.equal(res.status, 201);
  const record = (await res.json()) as { frozen: string; justification: string };
  assert.deepEqual(
    [record.frozen, record.justification],
    ['black-friday-2026', 'checkout double-charges cards (INC-4711)'],
  );
  const audit = await h.store.listAudit({ releaseId: 'frz-fix-1' });
  const override = audit.find((a) => a.action === 'freeze.override');
  assert.deepEqual(override?.detail, {
    freeze: 'black-friday-2026',
    reason: 'Black Friday peak',
    justification: 'checkout double-charges cards (INC-4711)',
  });
  const verdict = (await (
    await h.call('GET', '/api/v1/releases/frz-fix-1/verdict', { token: TOKENS.reader })
  ).json()) as { policy: { frozen?: string } };
  assert.equal(verdict.policy.frozen, 'black-friday-2026');
});

test('schema-change: inconclusive "backup checkpoint required" until a backup is recorded; then one approval before promote', async () => {
  const now = Date.parse('2026-11-21T09:00:00Z');
  h.clock.now = now;
  const id = 'schema-1';
  assert.equal(
    (
      await register({
        release: release(id, { class: 'schema-change', strategy: 'before-after', startedAt: now }),
        spec: SPEC,
      })
    ).status,
    201,
  );
  await h.store.appendVerdict(engineVerdict(id, 'promote', now + 60_000));
  h.clock.now = now + 120_000;
  const held = (await (await h.call('GET', `/api/v1/releases/${id}/verdict`, { token: TOKENS.reader })).json()) as {
    decision: string;
    reasons: string[];
  };
  assert.equal(held.decision, 'inconclusive');
  assert.equal(held.reasons[0], 'backup checkpoint required');

  const future = await h.call('POST', `/api/v1/releases/${id}/checkpoints`, {
    token: TOKENS.operator,
    body: { backupId: 'b-1', takenAt: now + 86_400_000 },
  });
  assert.equal(future.status, 400);
  const rec = await h.call('POST', `/api/v1/releases/${id}/checkpoints`, {
    token: TOKENS.operator,
    body: { backupId: 'pgbackrest-20261121-0800F', takenAt: '2026-11-21T08:00:00Z', source: 'pgbackrest' },
  });
  assert.equal(rec.status, 201);
  assert.equal(((await rec.json()) as { takenAt: number }).takenAt, Date.parse('2026-11-21T08:00:00Z'));

  // backup present; schema-change also needs one approval from someone other than the registrant
  const waiting = (await (await h.call('GET', `/api/v1/releases/${id}/verdict`, { token: TOKENS.reader })).json()) as {
    decision: string;
    reasons: string[];
  };
  assert.equal(waiting.decision, 'inconclusive');
  assert.match(waiting.reasons[0], /awaiting approval \(0 of 1\)/);
  assert.equal((await h.call('POST', `/api/v1/releases/${id}/approvals`, { token: TOKENS.operator })).status, 403); // the registrant
  const approved = await h.call('POST', `/api/v1/releases/${id}/approvals`, {
    token: TOKENS.operator2,
    body: { comment: 'reviewed' },
  });
  assert.equal(approved.status, 201);
  assert.deepEqual(await approved.json(), { releaseId: id, approvals: 1, required: 1 });
  const open = (await (await h.call('GET', `/api/v1/releases/${id}/verdict`, { token: TOKENS.reader })).json()) as {
    decision: string;
  };
  assert.equal(open.decision, 'promote');

  // schema-change fails straight to rollback
  await h.store.appendVerdict(engineVerdict(id, 'reduce-traffic', now + 180_000));
  assert.equal(
    (
      (await (await h.call('GET', `/api/v1/releases/${id}/verdict`, { token: TOKENS.reader })).json()) as {
        decision: string;
      }
    ).decision,
    'rollback',
  );
  const audit = (await h.store.listAudit({ releaseId: id })).map((a) => a.action);
  assert.deepEqual(audit, ['release.register', 'checkpoint.record', 'release.approve']);
});

test('the effective governance is readable; release classes unknown to it are refused', async () => {
  const res = await h.call('GET', '/api/v1/governance', { token: TOKENS.reader });
  const body = (await res.json()) as {
    classes: Record<string, { requiresBackup?: { maxAgeMs: number } }>;
    freezes: { from: string }[];
  };
  assert.equal(body.classes['schema-change'].requiresBackup?.maxAgeMs, 24 * 3_600_000);
  assert.equal(body.freezes[0].from, '2026-11-27T00:00:00.000Z');
});
