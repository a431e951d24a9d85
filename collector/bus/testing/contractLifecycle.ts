/**
 * Contract tests of back-pressure, the verdicts topic, argument checking and closing. Declared
 * inside `runBusContract`'s describe; see bus.ts for each promise tested.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from '../../../analyzer/types.ts';
import type { SampleBatch } from '../bus.ts';
import { batch, deferred, Recorder, releases, tags, track, verdict, type ContractContext } from './contractKit.ts';
import { BusError, type BusErrorCode } from '../errors.ts';

const busError =
  (code: BusErrorCode) =>
  (error: unknown): boolean =>
    error instanceof BusError && error.code === code;

export function backPressureContract(ctx: ContractContext): void {
  const opts = ctx.testOptions;

  test('publish waits while a group is at maxPendingBatches and resumes once its committed prefix grows', opts, () =>
    ctx.withBus(
      async (bus) => {
        const rec = new Recorder<SampleBatch>(ctx.timeoutMs);
        await bus.subscribeSamples('slow', rec.handler('slow', { ack: false }));
        for (let seq = 1; seq <= 4; seq++) await bus.publishSamples(batch('rel-1', seq));
        await rec.count(4);
        const events: string[] = [];
        const fifth = bus.publishSamples(batch('rel-2', 1)).then(() => events.push('accepted'));
        await ctx.settle();
        // (length, not deepEqual with []: that assertion would narrow `events` to never[])
        assert.equal(events.length, 0, 'the bound applies to the group, whatever the release');
        assert.deepEqual(
          (await bus.lag()).map((l) => l.pendingBatches),
          [4],
        );
        await rec.deliveries[1].ack(); // out of order: the committed prefix does not move
        await ctx.settle();
        assert.equal(events.length, 0, 'an out-of-order ack must not free room');
        events.push('acked first');
        await rec.deliveries[0].ack();
        await fifth;
        assert.deepEqual(events, ['acked first', 'accepted']);
        await rec.count(5);
        assert.deepEqual(tags(rec.of('slow')), ['rel-1/1', 'rel-1/2', 'rel-1/3', 'rel-1/4', 'rel-2/1']);
      },
      { maxPendingBatches: 4 },
    ),
  );

  test('a group without members still holds publishers back, until it is deleted', opts, () =>
    ctx.withBus(
      async (bus) => {
        const rec = new Recorder<SampleBatch>(ctx.timeoutMs);
        const gone = await bus.subscribeSamples('gone', rec.handler('gone', { ack: false }));
        await bus.publishSamples(batch('rel-1', 1));
        await bus.publishSamples(batch('rel-1', 2));
        await rec.count(2);
        await gone.close();
        await bus.subscribeSamples('live', rec.handler('live'));
        const third = track(bus.publishSamples(batch('rel-1', 3)));
        await ctx.settle();
        assert.equal(third.settled(), false, 'the memberless group is full');
        assert.deepEqual(
          (await bus.lag()).map((l) => [l.group, l.members, l.pendingBatches]),
          [
            ['gone', 0, 2],
            ['live', 1, 0],
          ],
        );
        await assert.rejects(bus.deleteGroup('samples', 'live'), busError('group-not-empty'));
        await bus.deleteGroup('samples', 'never-existed');
        await bus.deleteGroup('samples', 'gone');
        assert.equal(await third.outcome, undefined);
        await rec.count(3);
        assert.deepEqual(tags(rec.of('live')), ['rel-1/3']);
        assert.deepEqual(
          (await bus.lag()).map((l) => l.group),
          ['live'],
        );
      },
      { maxPendingBatches: 2 },
    ),
  );

  test('publishing never waits when no group exists', opts, () =>
    ctx.withBus(
      async (bus) => {
        for (let seq = 1; seq <= 10; seq++) await bus.publishSamples(batch('rel-1', seq));
        assert.deepEqual(await bus.lag(), []);
      },
      { maxPendingBatches: 2 },
    ),
  );
}

export function verdictsContract(ctx: ContractContext): void {
  const opts = ctx.testOptions;
  const recorder = (): Recorder<Verdict> => new Recorder<Verdict>(ctx.timeoutMs);
  const key = (v: Verdict): string => `${v.releaseId}@${v.at}`;

  test('verdicts: order per release, fan-out to groups, sharing within a group', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      await bus.subscribeVerdicts('store', rec.handler('store'));
      await bus.subscribeVerdicts('webhooks', rec.handler('W1'));
      await bus.subscribeVerdicts('webhooks', rec.handler('W2'));
      const sent = [1, 2, 3].flatMap((at) => releases(16).map((id) => verdict(id, at)));
      for (const v of sent) await bus.publishVerdict(v);
      await rec.count(sent.length * 2);
      assert.deepEqual(rec.of('store').map(key).sort(), sent.map(key).sort());
      const shared = [...rec.of('W1'), ...rec.of('W2')];
      assert.deepEqual(shared.map(key).sort(), sent.map(key).sort(), 'each verdict to exactly one webhook member');
      for (const id of releases(16)) {
        assert.deepEqual(
          rec
            .of('store')
            .filter((v) => v.releaseId === id)
            .map((v) => v.at),
          [1, 2, 3],
          `order of ${id}`,
        );
        const members = new Set(
          rec.deliveries.filter((d) => d.member !== 'store' && d.message.releaseId === id).map((d) => d.member),
        );
        assert.equal(members.size, 1, `${id} went to one webhook member`);
      }
      assert.deepEqual(rec.of('store')[0], sent[0], 'the verdict arrives whole');
    }),
  );

  test('verdicts: unacknowledged ones are redelivered after close, and duplicates are not dropped', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      const a = await bus.subscribeVerdicts('g', rec.handler('A', { ack: false }));
      for (const v of [verdict('rel-1', 1), verdict('rel-1', 1), verdict('rel-1', 2)]) await bus.publishVerdict(v);
      await rec.count(3);
      await a.close();
      await bus.subscribeVerdicts('g', rec.handler('B'));
      await rec.count(6);
      assert.deepEqual(rec.of('A').map(key), ['rel-1@1', 'rel-1@1', 'rel-1@2']);
      assert.deepEqual(rec.of('B').map(key), ['rel-1@1', 'rel-1@1', 'rel-1@2']);
    }),
  );

  test('verdicts: a whole verdict arrives intact, non-finite numbers included', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      await bus.subscribeVerdicts('g', rec.handler('A'));
      const sent: Verdict = {
        ...verdict('rel-1', 1),
        decision: 'rollback',
        score: 12.5,
        metrics: [
          {
            metric: 'orders_per_minute',
            classification: 'low',
            effect: { relative: -1, low: Number.NEGATIVE_INFINITY, high: -0.4 },
            evidence: Number.POSITIVE_INFINITY,
            method: 'e-value (poisson rate ratio)',
            n: { baseline: 120, canary: 0 },
            reason: 'no orders on the canary',
            critical: true,
          },
          {
            metric: 'redis_hit_ratio',
            classification: 'nodata',
            effect: { relative: Number.NaN, low: Number.NaN, high: Number.NaN },
            evidence: 1,
            method: 'none',
            n: { baseline: 0, canary: 0 },
            reason: 'no samples',
          },
        ],
        policy: { class: 'schema-change', observedFor: 60_000, frozen: 'black friday' },
      };
      await bus.publishVerdict(sent);
      await rec.count(1);
      assert.deepEqual(rec.of('A')[0], sent); // deepEqual treats NaN as equal to NaN
    }),
  );

  test('topics are separate and group names are scoped per topic', opts, () =>
    ctx.withBus(async (bus) => {
      const samples = new Recorder<SampleBatch>(ctx.timeoutMs);
      const verdicts = recorder();
      await bus.subscribeSamples('g', samples.handler('S'));
      await bus.subscribeVerdicts('g', verdicts.handler('V'));
      await bus.publishVerdict(verdict('rel-1', 1));
      await bus.publishSamples(batch('rel-1', 1));
      await samples.count(1);
      await verdicts.count(1);
      await ctx.settle();
      assert.equal(samples.deliveries.length + verdicts.deliveries.length, 2);
      assert.deepEqual(
        (await bus.lag()).map((l) => [l.topic, l.group, l.members, l.pendingBatches]),
        [
          ['samples', 'g', 1, 0],
          ['verdicts', 'g', 1, 0],
        ],
      );
    }),
  );
}

export function lifecycleContract(ctx: ContractContext): void {
  const opts = ctx.testOptions;

  test('rejects messages it cannot key or identify, and bad arguments', opts, () =>
    ctx.withBus(async (bus) => {
      const bad: SampleBatch[] = [
        { ...batch('rel-1', 1), releaseId: '' },
        { ...batch('rel-1', 1), producer: '' },
        { ...batch('rel-1', 1), batchId: '' },
        { ...batch('rel-1', 1), sequence: -1 },
        { ...batch('rel-1', 1), sequence: 1.5 },
      ];
      for (const b of bad) await assert.rejects(bus.publishSamples(b), busError('invalid-message'), JSON.stringify(b));
      await assert.rejects(bus.publishVerdict({ ...verdict('rel-1', 1), releaseId: '' }), busError('invalid-message'));
      await assert.rejects(
        bus.subscribeSamples('', async () => {}),
        busError('invalid-argument'),
      );
      await assert.rejects(
        bus.subscribeVerdicts('', async () => {}),
        busError('invalid-argument'),
      );
    }),
  );

  test('Subscription.close waits for the in-flight handler, whose ack still counts', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = new Recorder<SampleBatch>(ctx.timeoutMs);
      const hold = deferred();
      const sub = await bus.subscribeSamples('g', rec.handler('A', { onMessage: () => hold.promise }));
      await bus.publishSamples(batch('rel-1', 1));
      await rec.until('the delivery', () => rec.deliveries.length === 1, { idle: false });
      const closing = track(sub.close());
      await ctx.settle();
      assert.equal(closing.settled(), false, 'close must wait for the handler');
      hold.resolve();
      await closing.outcome;
      assert.deepEqual(
        (await bus.lag()).map((l) => [l.members, l.pendingBatches]),
        [[0, 0]],
      );
      await sub.close(); // idempotent
    }),
  );

  test('close() ends subscriptions, rejects waiting and later calls, and is idempotent', opts, () =>
    ctx.withBus(
      async (bus) => {
        const rec = new Recorder<SampleBatch>(ctx.timeoutMs);
        const sub = await bus.subscribeSamples('g', rec.handler('A', { ack: false }));
        await bus.publishSamples(batch('rel-1', 1));
        await rec.count(1);
        const waiting = bus.publishSamples(batch('rel-1', 2));
        await bus.close();
        await assert.rejects(waiting, busError('closed'));
        await assert.rejects(bus.publishSamples(batch('rel-1', 3)), busError('closed'));
        await assert.rejects(bus.publishVerdict(verdict('rel-1', 1)), busError('closed'));
        await assert.rejects(bus.subscribeSamples('g', rec.handler('B')), busError('closed'));
        await assert.rejects(
          bus.subscribeVerdicts('g', async () => {}),
          busError('closed'),
        );
        await sub.close();
        assert.deepEqual(tags(rec.deliveries.map((d) => d.message)), ['rel-1/1']);
      }, // withBus closes it a second time: close() is idempotent
      { maxPendingBatches: 1 },
    ),
  );
}
