/** Contract tests, part 1: every record type round-trips, with its ordering, filters and errors. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { FixtureOf } from './contract.ts';
import { makeRecord, makeVerdict, uid } from './fixtures.ts';
import {
  StoreConflictError,
  StoreError,
  StoreNotFoundError,
  type ActionRecord,
  type EngineCheckpoint,
} from '../types.ts';

const T0 = 1_700_000_000_000;
const audit = (action: string, at = T0) => ({ at, actor: 'ci-token', action });

export function recordSuite(fixture: FixtureOf): void {
  it('specs: saved, replaced, listed, audited', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const name = `spec-${uid()}`;
    assert.equal(await fx.store.getSpec(name), undefined);
    await fx.store.saveSpec(name, { metrics: [{ name: 'orders', tolerance: 0.1 }] }, 'alice');
    await fx.store.saveSpec(name, { metrics: [], note: 'v2' }, 'bob');
    assert.deepEqual(await fx.store.getSpec(name), { metrics: [], note: 'v2' });
    assert.ok((await fx.store.listSpecs()).includes(name));
    const rows = await fx.raw(
      `SELECT actor FROM audit_log WHERE action = 'spec.save' AND detail->>'name' = $1 ORDER BY id`,
      [name],
    );
    assert.deepEqual(
      rows.map((r) => r.actor),
      ['alice', 'bob'],
    );
  });

  it('releases: every field round-trips, optional fields stay absent, the audit entry is written', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const full = makeRecord(
      `rel-${uid()}`,
      {
        specName: 'retail-default',
        closedAt: undefined,
        justification: 'payment outage hotfix',
        frozen: 'black-friday',
      },
      { baselineVersion: '17.0.4', tenant: 'acme', tenantTier: 'tier-1', canaryWeight: 0.1, class: 'emergency-fix' },
    );
    const minimal = makeRecord(`rel-${uid()}`);
    await fx.store.createRelease(full, audit('release.register'));
    await fx.store.createRelease(minimal, { ...audit('release.register'), detail: { via: 'api' } });
    assert.deepEqual(await fx.store.getRelease(full.release.id), stripUndefined(full));
    assert.deepEqual(await fx.store.getRelease(minimal.release.id), minimal);
    assert.equal(await fx.store.getRelease(`missing-${uid()}`), undefined);
    const entries = await fx.store.listAudit({ releaseId: minimal.release.id });
    assert.equal(entries.length, 1);
    assert.equal(entries[0].action, 'release.register');
    assert.deepEqual(entries[0].detail, { via: 'api' });
  });

  it('releases: a second registration of an id is a conflict and changes nothing', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`dup-${uid()}`);
    await fx.store.createRelease(rec, audit('release.register'));
    const again = makeRecord(rec.release.id, { registeredBy: 'intruder' }, { service: 'other' });
    await assert.rejects(fx.store.createRelease(again, audit('release.register')), StoreConflictError);
    assert.deepEqual(await fx.store.getRelease(rec.release.id), rec);
    assert.equal((await fx.store.listAudit({ releaseId: rec.release.id })).length, 1);
  });

  it('releases: filters by service, environment, status, tier, class, time range, limit and offset', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const service = `svc-${uid()}`;
    const mk = (n: number, env: string, tier: string, cls: string) =>
      makeRecord(
        `${service}-${n}`,
        { registeredAt: T0 + n * 1000 },
        { service, environment: env, tenantTier: tier, class: cls },
      );
    const records = [
      mk(0, 'prod', 'tier-1', 'standard'),
      mk(1, 'prod', 'tier-2', 'schema-change'),
      mk(2, 'staging', 'tier-1', 'standard'),
      mk(3, 'prod', 'tier-1', 'standard'),
    ];
    for (const r of records) await fx.store.createRelease(r, audit('release.register'));
    await fx.store.closeRelease(`${service}-3`, 'completed', T0 + 9000, audit('release.complete'));
    const ids = async (f: Parameters<typeof fx.store.listReleases>[0]) =>
      (await fx.store.listReleases({ service, ...f })).map((r) => r.release.id);
    const id = (n: number) => `${service}-${n}`;
    assert.deepEqual(await ids({}), [id(3), id(2), id(1), id(0)], 'newest registration first');
    assert.deepEqual(await ids({ environment: 'prod' }), [id(3), id(1), id(0)]);
    assert.deepEqual(await ids({ status: 'active' }), [id(2), id(1), id(0)]);
    assert.deepEqual(await ids({ status: 'completed' }), [id(3)]);
    assert.deepEqual(await ids({ tenantTier: 'tier-2' }), [id(1)]);
    assert.deepEqual(await ids({ releaseClass: 'standard', environment: 'prod' }), [id(3), id(0)]);
    assert.deepEqual(await ids({ from: T0 + 1000, to: T0 + 3000 }), [id(2), id(1)], 'from inclusive, to exclusive');
    assert.deepEqual(await ids({ limit: 2 }), [id(3), id(2)]);
    assert.deepEqual(await ids({ limit: 2, offset: 2 }), [id(1), id(0)]);
    assert.deepEqual(await ids({ environment: 'nowhere' }), []);
    await assert.rejects(fx.store.listReleases({ limit: -1 }), StoreError);
    await assert.rejects(fx.store.listReleases({ limit: 1.5 }), StoreError);
  });

  it('closeRelease: closes once, then returns false; an unknown id throws; audits only the change', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`close-${uid()}`);
    await fx.store.createRelease(rec, audit('release.register'));
    assert.equal(await fx.store.closeRelease(rec.release.id, 'aborted', T0 + 5, audit('release.abort', T0 + 5)), true);
    assert.equal(
      await fx.store.closeRelease(rec.release.id, 'completed', T0 + 6, audit('release.complete', T0 + 6)),
      false,
    );
    const got = await fx.store.getRelease(rec.release.id);
    assert.equal(got?.status, 'aborted');
    assert.equal(got?.closedAt, T0 + 5);
    assert.deepEqual(
      (await fx.store.listAudit({ releaseId: rec.release.id })).map((e) => e.action),
      ['release.register', 'release.abort'],
    );
    await assert.rejects(
      fx.store.closeRelease(`ghost-${uid()}`, 'aborted', T0, audit('release.abort')),
      StoreNotFoundError,
    );
    // @ts-expect-error 'active' is not a closed status: refused at run time too
    await assert.rejects(fx.store.closeRelease(rec.release.id, 'active', T0, audit('x')), StoreError);
  });

  it('closeRelease as superseded: names the newer release, listed by status; refused without it, with another status, on itself or an unknown id', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const older = makeRecord(`sup-old-${uid()}`);
    const newer = makeRecord(`sup-new-${uid()}`);
    for (const r of [older, newer]) await fx.store.createRelease(r, audit('release.register'));
    const [oldId, newId] = [older.release.id, newer.release.id];
    await assert.rejects(fx.store.closeRelease(oldId, 'superseded', T0 + 1, audit('release.supersede')), StoreError);
    await assert.rejects(
      fx.store.closeRelease(oldId, 'aborted', T0 + 1, audit('release.abort'), newId),
      StoreError,
      'supersededBy only with superseded',
    );
    await assert.rejects(
      fx.store.closeRelease(oldId, 'superseded', T0 + 1, audit('release.supersede'), oldId),
      StoreError,
    );
    await assert.rejects(
      fx.store.closeRelease(oldId, 'superseded', T0 + 1, audit('release.supersede'), `ghost-${uid()}`),
      StoreNotFoundError,
    );
    assert.equal((await fx.store.getRelease(oldId))?.status, 'active', 'nothing changed by the refusals');
    assert.equal(
      await fx.store.closeRelease(oldId, 'superseded', T0 + 2, audit('release.supersede', T0 + 2), newId),
      true,
    );
    const got = await fx.store.getRelease(oldId);
    assert.deepEqual([got?.status, got?.supersededBy, got?.closedAt], ['superseded', newId, T0 + 2]);
    assert.equal((await fx.store.getRelease(newId))?.supersededBy, undefined);
    const listed = await fx.store.listReleases({ service: older.release.service, status: 'superseded' });
    assert.ok(listed.some((r) => r.release.id === oldId && r.supersededBy === newId));
    // the database holds the rule too: superseded exactly when it names the newer release
    await assert.rejects(fx.raw(`UPDATE releases SET superseded_by = NULL WHERE id = $1`, [oldId]));
    await assert.rejects(fx.raw(`UPDATE releases SET superseded_by = $2 WHERE id = $1`, [newId, oldId]));
  });

  it('closeRelease as quarantined: closed with its audit entry, listed by status and not as active; once only; the database refuses an unknown status', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`quar-${uid()}`, {}, { service: `quar-svc-${uid()}` }); // its own service: the lists below hold it alone
    const id = rec.release.id;
    await fx.store.createRelease(rec, audit('release.register'));
    const entry = { ...audit('release.quarantine', T0 + 5), detail: { reason: 'RangeError: Invalid array length' } };
    assert.equal(await fx.store.closeRelease(id, 'quarantined', T0 + 5, entry), true);
    const got = await fx.store.getRelease(id);
    assert.deepEqual([got?.status, got?.closedAt, got?.supersededBy], ['quarantined', T0 + 5, undefined]);
    const quarantined = await fx.store.listReleases({ service: rec.release.service, status: 'quarantined' });
    assert.deepEqual(
      quarantined.map((r) => r.release.id),
      [id],
    );
    const active = await fx.store.listReleases({ service: rec.release.service, status: 'active' });
    assert.deepEqual(active, [], 'a restart resumes the active list only: it is not on it');
    assert.equal(await fx.store.closeRelease(id, 'quarantined', T0 + 6, audit('release.quarantine', T0 + 6)), false);
    assert.equal(await fx.store.closeRelease(id, 'aborted', T0 + 6, audit('release.abort', T0 + 6)), false);
    const entries = (await fx.store.listAudit({ releaseId: id })).filter((e) => e.action === 'release.quarantine');
    assert.deepEqual(
      entries.map((e) => [e.at, e.detail]),
      [[T0 + 5, { reason: 'RangeError: Invalid array length' }]],
      'one audit entry, naming why',
    );
    // a registration of the same id is refused: the quarantined record stays as it is
    await assert.rejects(fx.store.createRelease(makeRecord(id), audit('release.register', T0 + 7)), StoreConflictError);
    assert.equal((await fx.store.getRelease(id))?.status, 'quarantined');
    // the database holds the list of statuses (PGlite and PostgreSQL alike)
    await assert.rejects(fx.raw(`UPDATE releases SET status = 'paused' WHERE id = $1`, [id]));
  });

  it('verdicts: appended once, listed oldest first, limit keeps the newest, latest decision kept on the release', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`ver-${uid()}`);
    const id = rec.release.id;
    await fx.store.createRelease(rec, audit('release.register'));
    assert.equal(await fx.store.latestVerdict(id), undefined);
    const v = [1, 2, 3].map((k) =>
      makeVerdict(id, T0 + k * 60_000, { decision: k === 3 ? 'rollback' : 'continue', score: 90 - k }),
    );
    assert.equal(await fx.store.appendVerdict(v[1]), true);
    assert.equal(await fx.store.appendVerdict(v[2]), true);
    assert.equal(await fx.store.appendVerdict(v[0]), true, 'late arrival of an older verdict');
    assert.equal(
      await fx.store.appendVerdict({ ...v[2], decision: 'promote' }),
      false,
      'same (release, at) is ignored',
    );
    assert.deepEqual(await fx.store.listVerdicts(id), v);
    assert.deepEqual(await fx.store.listVerdicts(id, 2), v.slice(1));
    assert.deepEqual(await fx.store.listVerdicts(id, 0), []);
    assert.deepEqual(await fx.store.latestVerdict(id), v[2]);
    const got = await fx.store.getRelease(id);
    assert.equal(got?.decision, 'rollback', 'the older verdict did not regress the latest decision');
    assert.equal(got?.decidedAt, v[2].at);
    await assert.rejects(fx.store.appendVerdict(makeVerdict(`ghost-${uid()}`, T0)), StoreNotFoundError);
    assert.deepEqual(await fx.store.listVerdicts(`ghost-${uid()}`), []);
  });

  it('verdicts: concurrent appends of one verdict store it once', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`race-${uid()}`);
    await fx.store.createRelease(rec, audit('release.register'));
    const v = makeVerdict(rec.release.id, T0 + 1);
    const results = await Promise.all(Array.from({ length: 8 }, () => fx.store.appendVerdict(v)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.deepEqual(await fx.store.listVerdicts(rec.release.id), [v]);
    const rows = await fx.raw('SELECT count(*)::int AS n FROM metric_results WHERE release_id = $1', [rec.release.id]);
    assert.equal(rows[0].n, v.metrics.length);
  });

  it('verdicts: one metric_results row per metric, queryable by dashboards', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`mr-${uid()}`);
    await fx.store.createRelease(rec, audit('release.register'));
    const v = makeVerdict(rec.release.id, T0 + 7);
    await fx.store.appendVerdict(v);
    const rows = await fx.raw(
      `SELECT metric, classification, effect_relative, effect_low, effect_high, evidence, method, n_baseline, n_canary, critical, at
       FROM metric_results WHERE release_id = $1 ORDER BY ordinal`,
      [rec.release.id],
    );
    assert.deepEqual(
      rows.map((r) => ({ ...r, at: Number(r.at) })),
      v.metrics.map((m) => ({
        metric: m.metric,
        classification: m.classification,
        effect_relative: m.effect.relative,
        effect_low: m.effect.low,
        effect_high: m.effect.high,
        evidence: m.evidence,
        method: m.method,
        n_baseline: m.n.baseline,
        n_canary: m.n.canary,
        critical: m.critical ?? false,
        at: v.at,
      })),
    );
  });

  it('backup checkpoints: round-trip in time order; duplicates conflict; unknown release throws', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`bk-${uid()}`, {}, { class: 'schema-change' });
    const releaseId = rec.release.id;
    await fx.store.createRelease(rec, audit('release.register'));
    const late = {
      releaseId,
      backupId: 'wal-g-0002',
      takenAt: T0 + 20,
      source: 'wal-g',
      recordedAt: T0 + 30,
      recordedBy: 'dba',
    };
    const early = { ...late, backupId: 'pgbackrest-full-1', takenAt: T0 + 10, source: 'pgbackrest' };
    await fx.store.addCheckpoint(late, audit('checkpoint.record'));
    await fx.store.addCheckpoint(early, audit('checkpoint.record'));
    assert.deepEqual(await fx.store.listCheckpoints(releaseId), [early, late]);
    await assert.rejects(fx.store.addCheckpoint(late, audit('checkpoint.record')), StoreConflictError);
    await assert.rejects(
      fx.store.addCheckpoint({ ...late, releaseId: `ghost-${uid()}` }, audit('checkpoint.record')),
      StoreNotFoundError,
    );
    assert.equal((await fx.store.listAudit({ releaseId })).filter((e) => e.action === 'checkpoint.record').length, 2);
  });

  it('actions: recorded, updated with every attempt kept, filtered; unknown ids throw', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const rec = makeRecord(`act-${uid()}`);
    const releaseId = rec.release.id;
    await fx.store.createRelease(rec, audit('release.register'));
    const base: ActionRecord = {
      releaseId,
      kind: 'webhook',
      decision: 'rollback',
      target: 'https://argo.example/hook',
      state: 'pending',
      attempts: 0,
      createdAt: T0,
      updatedAt: T0,
      payload: { decision: 'rollback', weights: [0, 100] },
    };
    const second = {
      ...base,
      kind: 'traefik',
      target: '/etc/traefik/dyn.yml',
      state: 'failed',
      attempts: 1,
      createdAt: T0 + 10,
      updatedAt: T0 + 10,
      lastError: 'EACCES',
      payload: undefined,
    } as const;
    const a = await fx.store.recordAction(base);
    const b = await fx.store.recordAction(second);
    assert.ok(Number.isInteger(a) && b > a);
    await fx.store.updateAction(a, { state: 'failed', attempts: 1, updatedAt: T0 + 1, lastError: 'HTTP 503' });
    await fx.store.updateAction(a, { state: 'succeeded', attempts: 2, updatedAt: T0 + 2 });
    const all = await fx.store.listActions({ releaseId });
    assert.deepEqual(
      all,
      [
        { ...base, id: a, state: 'succeeded', attempts: 2, updatedAt: T0 + 2, lastError: 'HTTP 503' },
        { ...second, id: b },
      ].map(stripUndefined),
    );
    assert.deepEqual(await fx.store.listActionAttempts(a), [
      { actionId: a, attempt: 1, state: 'failed', at: T0 + 1, error: 'HTTP 503' },
      { actionId: a, attempt: 2, state: 'succeeded', at: T0 + 2 },
    ]);
    assert.deepEqual(
      (await fx.store.listActionAttempts(b)).map((x) => x.error),
      ['EACCES'],
    );
    assert.deepEqual(
      (await fx.store.listActions({ releaseId, state: 'failed' })).map((x) => x.id),
      [b],
    );
    assert.deepEqual(
      (await fx.store.listActions({ releaseId, from: T0 + 5 })).map((x) => x.id),
      [b],
    );
    assert.deepEqual(
      (await fx.store.listActions({ releaseId, to: T0 + 5 })).map((x) => x.id),
      [a],
    );
    assert.deepEqual(
      (await fx.store.listActions({ releaseId, limit: 1 })).map((x) => x.id),
      [b],
    );
    await assert.rejects(
      fx.store.updateAction(a + 1_000_000, { state: 'failed', attempts: 1, updatedAt: T0 }),
      StoreNotFoundError,
    );
    await assert.rejects(fx.store.recordAction({ ...base, releaseId: `ghost-${uid()}` }), StoreNotFoundError);
  });

  it('audit: appended entries listed oldest first, filtered by release and time; limit keeps the newest', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const releaseId = `aud-${uid()}`; // the audit log may name releases that were never registered
    for (let k = 0; k < 5; k++)
      await fx.store.appendAudit({
        at: T0 + k,
        actor: k % 2 ? 'system' : 'alice',
        action: 'freeze.override',
        releaseId,
        detail: { k, why: null },
      });
    const all = await fx.store.listAudit({ releaseId });
    assert.deepEqual(
      all.map((e) => e.detail),
      [0, 1, 2, 3, 4].map((k) => ({ k, why: null })),
    );
    assert.ok(all.every((e) => typeof e.id === 'number' && e.releaseId === releaseId));
    assert.deepEqual(
      (await fx.store.listAudit({ releaseId, from: T0 + 1, to: T0 + 3 })).map((e) => e.at),
      [T0 + 1, T0 + 2],
    );
    assert.deepEqual(
      (await fx.store.listAudit({ releaseId, limit: 2 })).map((e) => e.at),
      [T0 + 3, T0 + 4],
    );
    await fx.store.appendAudit({ at: T0, actor: 'system', action: 'startup' });
    assert.ok(
      (await fx.store.listAudit({ limit: 1000 })).some(
        (e) => e.action === 'startup' && e.releaseId === undefined && e.detail === undefined,
      ),
    );
  });

  it('engine checkpoints: snapshot and offsets saved together, replaced, found by partition', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const [a, b] = [`eng-${uid()}`, `eng-${uid()}`];
    const topic = `samples-${uid()}`;
    const ca = {
      releaseId: a,
      snapshot: { version: 1, judges: [{ sum: NaN, max: -Infinity }] },
      offsets: { [`${topic}:0`]: '18446744073709551615' },
      savedAt: T0,
    };
    const cb = {
      releaseId: b,
      snapshot: [1, 'two', null],
      offsets: { [`${topic}:1`]: '7', [`${topic}:2`]: '9' },
      savedAt: T0,
    };
    await fx.store.saveEngineCheckpoint(ca);
    await fx.store.saveEngineCheckpoint(cb);
    assert.deepEqual(await fx.store.loadEngineCheckpoint(a), ca);
    const cb2 = { ...cb, snapshot: { replaced: true }, offsets: { [`${topic}:2`]: '12' }, savedAt: T0 + 1 };
    await fx.store.saveEngineCheckpoint(cb2);
    assert.deepEqual(await fx.store.loadEngineCheckpoint(b), cb2);
    assert.equal(await fx.store.loadEngineCheckpoint(`ghost-${uid()}`), undefined);
    const ids = async (p: string[]) => (await fx.store.loadEngineCheckpointsFor(p)).map((c) => c.releaseId).sort();
    assert.deepEqual(await ids([`${topic}:0`]), [a]);
    assert.deepEqual(await ids([`${topic}:1`]), [], 'the replaced checkpoint no longer covers partition 1');
    assert.deepEqual(await ids([`${topic}:0`, `${topic}:2`, `${topic}:9`]), [a, b].sort());
    assert.deepEqual(await ids([]), []);
  });

  it('engine checkpoints: a save behind the stored one is refused and changes nothing', async (t) => {
    const fx = await fixture(t);
    if (!fx) return;
    const id = `fence-${uid()}`;
    const at = (minutes: number) => T0 + minutes * 60_000;
    const save = (snapshot: unknown, progress?: EngineCheckpoint['progress']) =>
      fx.store.saveEngineCheckpoint({
        releaseId: id,
        snapshot,
        offsets: {},
        savedAt: T0,
        ...(progress ? { progress } : {}),
      });
    const stored = async () => (await fx.store.loadEngineCheckpoint(id))?.snapshot;
    assert.equal(await save('owner 9', { marks: { a: 9, b: 4 }, at: at(9) }), true, 'the first save');
    assert.deepEqual((await fx.store.loadEngineCheckpoint(id))?.progress, { marks: { a: 9, b: 4 }, at: at(9) });
    // a stale owner: behind on a mark or lacking a producer, and ahead on none; or the same marks
    // and behind on the clock. Data comes first: a clock advanced past the data does not help.
    assert.equal(await save('stale 5', { marks: { a: 5, b: 4 }, at: at(9) }), false);
    assert.equal(await save('stale 5, its clock advanced', { marks: { a: 5, b: 4 }, at: at(30) }), false);
    assert.equal(await save('stale clock', { marks: { a: 9, b: 4 }, at: at(8) }), false);
    assert.equal(await save('stale, one producer', { marks: { a: 9 }, at: at(9) }), false);
    assert.equal(await stored(), 'owner 9', 'refused saves change nothing');
    // as far, or further in one respect, or the two incomparable: saved
    assert.equal(await save('same', { marks: { a: 9, b: 4 }, at: at(9) }), true, 'equal progress');
    assert.equal(await save('ahead on b, behind on a', { marks: { a: 8, b: 5 }, at: at(9) }), true);
    assert.equal(await save('a new producer', { marks: { a: 8, b: 5, c: 1 }, at: at(7) }), true);
    assert.equal(await stored(), 'a new producer');
    // mark values compare as numbers, not as text ('10' < '9')
    assert.equal(await save('ten', { marks: { a: 10, b: 5, c: 1 }, at: at(10) }), true);
    assert.equal(await save('nine', { marks: { a: 9, b: 5, c: 1 }, at: at(10) }), false);
    // without progress on either side the last writer wins
    assert.equal(await save('a tool'), true);
    assert.equal(await save('after the tool', { marks: { a: 1 }, at: at(1) }), true);
    // bad progress is refused whole
    await assert.rejects(save('bad', { marks: { a: Number.NaN }, at: at(1) }), /mark of .*finite/);
    await assert.rejects(save('bad', { marks: {}, at: Number.POSITIVE_INFINITY }), /at must be a finite number/);
    assert.equal(await stored(), 'after the tool');
  });
}

/** The record as the store returns it: optional members that were undefined are absent. */
export function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
