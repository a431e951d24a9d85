/**
 * Contract tests, part 2: what must never go wrong — non-finite numbers, hostile strings, half-done
 * transactions, restarts. The restart test runs last and checks everything the suite wrote.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import fc from 'fast-check';
import type { MetricVerdict, Verdict } from '../../analyzer/index.ts';
import type { FixtureOf } from './contract.ts';
import { HOSTILE_STRINGS, makeMetric, makeRecord, makeVerdict, uid } from './fixtures.ts';
import { StoreError, type Store } from '../types.ts';

const T0 = 1_700_000_000_000;
const audit = (action: string, over: object = {}) => ({ at: T0, actor: 'ci-token', action, ...over });
/** PostgreSQL text cannot hold U+0000, so a detail carrying it fails inside the transaction. */
const POISONED = { detail: { note: 'fails in the database: \u0000' } };

// PostgreSQL text cannot hold U+0000; 'binary' never yields lone surrogates (which UTF-8 cannot carry).
const text = fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => !s.includes('\u0000'));
// Records with Object.prototype, as JSON.parse gives back (deepStrictEqual compares prototypes).
const plain = { noNullPrototype: true } as const;
const metricArb: fc.Arbitrary<MetricVerdict> = fc.record(
  {
    metric: text,
    classification: fc.constantFrom('pass', 'high', 'low', 'nodata', 'error', 'undecided'),
    effect: fc.record({ relative: fc.double(), low: fc.double(), high: fc.double() }, plain),
    evidence: fc.double(),
    method: text,
    n: fc.record({ baseline: fc.nat(), canary: fc.nat() }, plain),
    reason: text,
    critical: fc.boolean(),
  },
  { ...plain, requiredKeys: ['metric', 'classification', 'effect', 'evidence', 'method', 'n', 'reason'] },
);

/** Everything the Store can list, for before/after comparisons. */
async function dump(store: Store, raw: (q: string) => Promise<Record<string, unknown>[]>): Promise<unknown> {
  const releases = await store.listReleases({ limit: 1000 });
  const perRelease = [];
  for (const r of releases) {
    const id = r.release.id;
    const actions = await store.listActions({ releaseId: id });
    const attempts = [];
    for (const a of actions) attempts.push(await store.listActionAttempts(a.id ?? -1));
    perRelease.push({
      id,
      verdicts: await store.listVerdicts(id),
      checkpoints: await store.listCheckpoints(id),
      actions,
      attempts,
    });
  }
  const engine = [];
  for (const row of await raw('SELECT release_id FROM engine_checkpoints ORDER BY release_id')) {
    engine.push(await store.loadEngineCheckpoint(String(row.release_id)));
  }
  const specs = [];
  for (const name of await store.listSpecs()) specs.push([name, await store.getSpec(name)]);
  return { releases, perRelease, engine, specs, audit: await store.listAudit({ limit: 1000 }) };
}

export function safetySuite(fixture: FixtureOf): void {
  it('NaN, ±Infinity and -0 round-trip exactly, and strings that look like them stay strings', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`nan-${uid()}`, { justification: 'NaN' }, { canaryWeight: -0 });
    rec.spec.metrics[0].tolerance = Infinity;
    await fx.store.createRelease(rec, audit('release.register', { detail: { e: -Infinity, s: '-Infinity' } }));
    const v: Verdict = makeVerdict(rec.release.id, T0 + 1, {
      score: NaN,
      reasons: ['NaN', 'Infinity', '-Infinity', '-0', '~NaN', '~~-0', 'nan'],
      metrics: [
        makeMetric({
          metric: 'NaN',
          effect: { relative: NaN, low: -Infinity, high: Infinity },
          evidence: Infinity,
          reason: '~Infinity',
        }),
        makeMetric({
          effect: { relative: -0, low: Number.MIN_VALUE, high: Number.MAX_VALUE },
          evidence: 0.1 + 0.2,
          n: { baseline: 0, canary: 2 ** 53 - 1 },
        }),
      ],
      policy: { class: 'standard', observedFor: -0, frozen: '-Infinity' },
    });
    assert.equal(await fx.store.appendVerdict(v), true);
    assert.deepEqual(await fx.store.latestVerdict(rec.release.id), v);
    assert.deepEqual(await fx.store.listVerdicts(rec.release.id), [v]);
    assert.deepEqual(await fx.store.getRelease(rec.release.id), { ...rec, decision: v.decision, decidedAt: v.at });
    assert.deepEqual((await fx.store.listAudit({ releaseId: rec.release.id }))[0].detail, {
      e: -Infinity,
      s: '-Infinity',
    });
    const [row] = await fx.raw(
      'SELECT effect_relative, effect_low, effect_high, evidence FROM metric_results WHERE release_id = $1 AND ordinal = 0',
      [rec.release.id],
    );
    assert.deepEqual(row, { effect_relative: NaN, effect_low: -Infinity, effect_high: Infinity, evidence: Infinity });
  });

  it('property: any verdict (any doubles, any unicode text) reads back exactly as appended', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`prop-${uid()}`);
    await fx.store.createRelease(rec, audit('release.register'));
    let at = T0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            score: fc.double(),
            metrics: fc.array(metricArb, { maxLength: 4 }),
            reasons: fc.array(text, { maxLength: 3 }),
            observedFor: fc.double(),
          },
          plain,
        ),
        async ({ score, metrics, reasons, observedFor }) => {
          const v: Verdict = {
            releaseId: rec.release.id,
            at: ++at,
            decision: 'inconclusive',
            score,
            metrics,
            reasons,
            policy: { class: 'standard', observedFor },
          };
          assert.equal(await fx.store.appendVerdict(v), true);
          assert.deepEqual(await fx.store.latestVerdict(rec.release.id), v);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a failure inside a transaction leaves nothing behind: no release, close, checkpoint or audit entry', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`atomic-${uid()}`);
    const id = rec.release.id;
    await assert.rejects(fx.store.createRelease(rec, audit('release.register', POISONED)), StoreError);
    assert.equal(await fx.store.getRelease(id), undefined, 'the release row was rolled back with the audit entry');
    await fx.store.createRelease(rec, audit('release.register'));
    await assert.rejects(fx.store.closeRelease(id, 'aborted', T0 + 1, audit('release.abort', POISONED)), StoreError);
    assert.equal((await fx.store.getRelease(id))?.status, 'active');
    const backup = { releaseId: id, backupId: 'b1', takenAt: T0, source: 'manual', recordedAt: T0, recordedBy: 'dba' };
    await assert.rejects(fx.store.addCheckpoint(backup, audit('checkpoint.record', POISONED)), StoreError);
    assert.deepEqual(await fx.store.listCheckpoints(id), []);
    assert.deepEqual(
      (await fx.store.listAudit({ releaseId: id })).map((e) => e.action),
      ['release.register'],
    );
    const spec = `atomic-${uid()}`;
    await assert.rejects(fx.store.saveSpec(spec, { ok: true }, 'bad\u0000actor'), StoreError);
    assert.equal(await fx.store.getSpec(spec), undefined);
    // the store is still usable after the failures (no connection left mid-transaction)
    assert.equal(await fx.store.closeRelease(id, 'aborted', T0 + 2, audit('release.abort')), true);
  });

  it('hostile strings are stored and returned verbatim, and every table survives them', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const s0 = uid();
    for (const s of HOSTILE_STRINGS) {
      const id = `${s}${s0}`;
      const rec = makeRecord(
        id,
        { specName: s, registeredBy: s, justification: s, frozen: s },
        { service: `${s}${s0}`, environment: s, tenant: s, version: s },
      );
      await fx.store.createRelease(rec, audit('release.register', { actor: s, detail: { [s]: s } }));
      assert.deepEqual(await fx.store.getRelease(id), rec);
      assert.deepEqual(
        (await fx.store.listReleases({ service: `${s}${s0}` })).map((r) => r.release.id),
        [id],
      );
      const v = makeVerdict(id, T0 + 1, { reasons: [s], metrics: [makeMetric({ metric: s, method: s, reason: s })] });
      assert.equal(await fx.store.appendVerdict(v), true);
      assert.deepEqual(await fx.store.listVerdicts(id), [v]);
      const backup = { releaseId: id, backupId: s, takenAt: T0, source: s, recordedAt: T0, recordedBy: s };
      await fx.store.addCheckpoint(backup, audit('checkpoint.record', { actor: s }));
      assert.deepEqual(await fx.store.listCheckpoints(id), [backup]);
      const action = {
        releaseId: id,
        kind: s,
        decision: 'rollback',
        target: s,
        state: 'failed',
        attempts: 1,
        createdAt: T0,
        updatedAt: T0,
        lastError: s,
        payload: { [s]: [s] },
      } as const;
      const actionId = await fx.store.recordAction(action);
      assert.deepEqual((await fx.store.listActions({ releaseId: id }))[0], { id: actionId, ...action });
      const cp = { releaseId: id, snapshot: { [s]: s }, offsets: { [`${s}:0`]: s }, savedAt: T0 };
      await fx.store.saveEngineCheckpoint(cp);
      assert.deepEqual(await fx.store.loadEngineCheckpointsFor([`${s}:0`]), [cp]);
      await fx.store.saveSpec(`${s}${s0}`, { name: s }, s);
      assert.deepEqual(await fx.store.getSpec(`${s}${s0}`), { name: s });
      const entries = await fx.store.listAudit({ releaseId: id });
      assert.deepEqual(
        entries.map((e) => [e.actor, e.detail]),
        [
          [s, { [s]: s }],
          [s, undefined],
        ],
      );
    }
    for (const table of [
      'releases',
      'verdicts',
      'metric_results',
      'backup_checkpoints',
      'actions',
      'action_attempts',
      'audit_log',
      'engine_checkpoints',
      'specs',
    ]) {
      const [row] = await fx.raw(`SELECT count(*)::int AS n FROM ${table}`);
      assert.ok(Number(row.n) > 0, `${table} still has its rows`);
    }
  });

  it('10 KB ids round-trip; an id too large for an index is refused whole, without damage', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const big = `${"'; DROP TABLE releases; -- 東京🚀".repeat(400)}${uid()}`.slice(0, 10 * 1024);
    const rec = makeRecord(big);
    await fx.store.createRelease(rec, audit('release.register'));
    assert.deepEqual(await fx.store.getRelease(big), rec);
    const v = makeVerdict(big, T0 + 1);
    assert.equal(await fx.store.appendVerdict(v), true);
    assert.equal(await fx.store.appendVerdict(v), false);
    assert.deepEqual(await fx.store.listVerdicts(big), [v]);
    // PostgreSQL's btree keys hold ~2.7 KB after compression: random text this long cannot be a key.
    // The gate must cap ids well below that; the store's duty is to refuse cleanly and write nothing.
    const incompressible = randomBytes(7680).toString('base64');
    await assert.rejects(fx.store.createRelease(makeRecord(incompressible), audit('release.register')), StoreError);
    assert.equal(await fx.store.getRelease(incompressible), undefined);
    assert.deepEqual(await fx.store.listAudit({ releaseId: incompressible }), []);
  });

  it('restart: everything written before close() is there after reopening', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const before = await dump(fx.store, (q) => fx.raw(q));
    await fx.reopen();
    assert.deepEqual(await dump(fx.store, (q) => fx.raw(q)), before);
    const [{ n }] = await fx.raw('SELECT count(*)::int AS n FROM schema_migrations');
    await fx.store.migrate();
    assert.deepEqual(await fx.raw('SELECT count(*)::int AS n FROM schema_migrations'), [{ n }], 'nothing re-applied');
  });

  it('restart: close() waits for writes in flight, then refuses new ones; all acknowledged writes survive', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`restart-${uid()}`);
    const id = rec.release.id;
    await fx.store.createRelease(rec, audit('release.register'));
    const old = fx.store;
    const inFlight = [
      ...Array.from({ length: 20 }, (_, k) => old.appendVerdict(makeVerdict(id, T0 + k))),
      old.appendAudit(audit('restart.pending', { releaseId: id })),
      old.saveEngineCheckpoint({ releaseId: id, snapshot: { k: 20 }, offsets: { 'samples:0': '20' }, savedAt: T0 }),
    ];
    const closing = old.close();
    const acknowledged = await Promise.all(inFlight);
    await closing;
    assert.deepEqual(acknowledged.slice(0, 20), Array(20).fill(true));
    await assert.rejects(old.appendAudit(audit('too.late')), /closed/);
    await fx.reopen();
    assert.deepEqual(
      (await fx.store.listVerdicts(id)).map((v) => v.at),
      Array.from({ length: 20 }, (_, k) => T0 + k),
    );
    assert.equal((await fx.store.getRelease(id))?.decidedAt, T0 + 19);
    assert.deepEqual(
      (await fx.store.listAudit({ releaseId: id })).map((e) => e.action),
      ['release.register', 'restart.pending'],
    );
    assert.deepEqual((await fx.store.loadEngineCheckpoint(id))?.offsets, { 'samples:0': '20' });
    assert.equal(await fx.store.appendVerdict(makeVerdict(id, T0 + 99)), true, 'writes work after reopening');
  });
}
