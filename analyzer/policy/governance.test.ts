import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { Verdict } from '../types.ts';
import {
  applyGovernance,
  BACKUP_REQUIRED_REASON,
  checkFreeze,
  defaultGovernance,
  GovernanceConfigError,
  parseGovernance,
  resolveReleaseClass,
} from './governance.ts';
import { UnknownReleaseClassError } from './releaseClasses.ts';

const HOUR = 3_600_000;
const POLICY_YAML = `
classes:
  schema-change:
    requiresBackup: { maxAge: 12h }
  tax-hotfix:
    extends: emergency-fix
    observeMs: 15m
    alpha: 0.02
    toleranceScale: 1.5
    failureAction: rollback
    approvalsRequired: 1
    postReleaseWatchMs: 45m
freezes:
  - name: black-friday-2026
    from: 2026-11-27T00:00:00Z
    to: 2026-11-30T23:59:59Z
    classes: [standard, schema-change, emergency-fix, tax-hotfix]
    environments: [production]
    reason: Black Friday peak
`;
const config = parseGovernance(parse(POLICY_YAML));
const inFreeze = Date.parse('2026-11-28T10:00:00Z');

const verdict = (decision: Verdict['decision'], at = 1000): Verdict => ({
  releaseId: 'r1',
  at,
  decision,
  score: 90,
  metrics: [],
  reasons: ['engine says so'],
  policy: { class: 'x', observedFor: 0 },
});

test('user-defined classes start from `extends`; built-ins keep their statistics; durations parse', () => {
  const hotfix = resolveReleaseClass(config, 'tax-hotfix');
  assert.equal(hotfix.observeMs, 15 * 60_000);
  assert.equal(hotfix.minObserveMs, Math.round((15 * 60_000) / 2)); // halved window, as resolvePolicy does
  assert.equal(hotfix.mayOverrideFreeze, true); // inherited from emergency-fix
  assert.equal(hotfix.postReleaseWatchMs, 45 * 60_000);
  assert.equal(resolveReleaseClass(config, 'schema-change').requiresBackup?.maxAgeMs, 12 * HOUR);
  assert.equal(resolveReleaseClass(config, 'schema-change').alpha, 0.005);
  assert.throws(() => resolveReleaseClass(config, 'yolo'), UnknownReleaseClassError);
  assert.equal(defaultGovernance().freezes.length, 0);
});

test('config errors name the field: unknown keys, unknown classes, bad dates, bad extends', () => {
  const bad = (raw: unknown, pattern: RegExp) =>
    assert.throws(
      () => parseGovernance(raw),
      (e: unknown) => e instanceof GovernanceConfigError && pattern.test(e.message),
    );
  bad({ classes: { standard: { requireBackup: { maxAge: '1h' } } } }, /requireBackup/);
  bad({ freezes: [{ name: 'x', from: '2026-11-27', to: '2026-11-28T00:00:00Z', reason: 'r' }] }, /freezes\[0\]\.from/);
  bad(
    { freezes: [{ name: 'x', from: '2026-11-28T00:00:00Z', to: '2026-11-27T00:00:00Z', reason: 'r' }] },
    /freezes\[0\]\.to/,
  );
  bad(
    {
      freezes: [
        { name: 'x', from: '2026-11-27T00:00:00Z', to: '2026-11-28T00:00:00Z', classes: ['nope'], reason: 'r' },
      ],
    },
    /unknown class "nope"/,
  );
  bad({ classes: { mine: { extends: 'later' }, later: {} } }, /classes\.mine\.extends/);
  bad({ classes: { mine: { observeMs: '10 minutes' } } }, /classes\.mine\.observeMs/);
  bad({ classes: { mine: { passScore: 50, marginalScore: 60 } } }, /marginalScore/);
});

test('freeze windows lock the classes and environments they name; emergency fixes pass with a justification', () => {
  const prod = (cls: string) => ({ class: cls, environment: 'production' });
  const locked = checkFreeze(config, prod('standard'), inFreeze);
  assert.equal(locked.outcome, 'locked');
  assert.match(locked.outcome === 'locked' ? locked.reason : '', /Black Friday peak/);
  assert.equal(checkFreeze(config, { class: 'standard', environment: 'staging' }, inFreeze).outcome, 'open');
  assert.equal(checkFreeze(config, prod('infra-patch'), inFreeze).outcome, 'open');
  assert.equal(checkFreeze(config, prod('standard'), Date.parse('2026-12-01T00:00:00Z')).outcome, 'open');
  assert.equal(checkFreeze(config, prod('emergency-fix'), inFreeze).outcome, 'locked');
  assert.equal(checkFreeze(config, prod('emergency-fix'), inFreeze, '   ').outcome, 'locked');
  const passed = checkFreeze(config, prod('emergency-fix'), inFreeze, 'checkout double-charges cards');
  assert.deepEqual(passed.outcome === 'override' ? [passed.window.name, passed.justification] : [], [
    'black-friday-2026',
    'checkout double-charges cards',
  ]);
  assert.equal(checkFreeze(config, prod('tax-hotfix'), inFreeze, 'VAT rate change').outcome, 'override');
  assert.equal(checkFreeze(config, prod('standard'), inFreeze, 'please').outcome, 'locked');
});

test('backup rule: inconclusive with the reason until a fresh checkpoint exists, whatever the engine said', () => {
  const schema = resolveReleaseClass(config, 'schema-change');
  const startedAt = 100 * HOUR;
  for (const decision of ['promote', 'rollback', 'continue', 'reduce-traffic', 'inconclusive'] as const) {
    const out = applyGovernance(verdict(decision, startedAt + HOUR), {
      releaseClass: schema,
      startedAt,
      checkpoints: [],
    });
    assert.equal(out.decision, 'inconclusive');
    assert.equal(out.reasons[0], BACKUP_REQUIRED_REASON);
  }
  const stale = applyGovernance(verdict('continue', startedAt + HOUR), {
    releaseClass: schema,
    startedAt,
    checkpoints: [{ backupId: 'b', takenAt: startedAt - 13 * HOUR }],
  });
  assert.equal(stale.decision, 'inconclusive');
  const fresh = applyGovernance(verdict('continue', startedAt + HOUR), {
    releaseClass: schema,
    startedAt,
    checkpoints: [{ backupId: 'b', takenAt: startedAt - HOUR }],
  });
  assert.equal(fresh.decision, 'continue');
  // schema-change fails straight to rollback and needs one approval before promote
  const ctx = { releaseClass: schema, startedAt, checkpoints: [{ backupId: 'b', takenAt: startedAt }] };
  assert.equal(applyGovernance(verdict('reduce-traffic', startedAt + HOUR), ctx).decision, 'rollback');
  assert.equal(applyGovernance(verdict('promote', startedAt + HOUR), ctx).decision, 'inconclusive');
  assert.equal(applyGovernance(verdict('promote', startedAt + HOUR), { ...ctx, approvals: 1 }).decision, 'promote');
});

test('standard: the engine verdict passes through untouched, except the freeze it was let through', () => {
  const std = resolveReleaseClass(config, 'standard');
  const input = verdict('reduce-traffic');
  const out = applyGovernance(input, { releaseClass: std, startedAt: 0, checkpoints: [], frozen: 'black-friday-2026' });
  assert.equal(out.decision, 'reduce-traffic');
  assert.equal(out.policy.frozen, 'black-friday-2026');
  assert.equal(input.policy.frozen, undefined); // input not mutated
});
