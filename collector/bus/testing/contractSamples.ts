/**
 * Contract tests of the samples topic: order, fan-out, sharing, rebalance, redelivery and
 * duplicates. Declared inside `runBusContract`'s describe; see bus.ts for each promise tested.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HandlerErrorInfo, SampleBatch } from '../bus.ts';
import { batch, releases, Recorder, tags, type ContractContext } from './contractKit.ts';

export function samplesContract(ctx: ContractContext): void {
  const opts = ctx.testOptions;
  const recorder = (): Recorder<SampleBatch> => new Recorder<SampleBatch>(ctx.timeoutMs);

  test('delivers the batches of each release in publish order', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      await bus.subscribeSamples('g', rec.handler('A'));
      const ids = releases(3);
      for (let seq = 1; seq <= 20; seq++) for (const id of ids) await bus.publishSamples(batch(id, seq));
      await rec.count(60);
      for (const id of ids) {
        const got = rec
          .of('A')
          .filter((b) => b.releaseId === id)
          .map((b) => b.sequence);
        assert.deepEqual(
          got,
          Array.from({ length: 20 }, (_, i) => i + 1),
          `order of ${id}`,
        );
      }
    }),
  );

  test('delivers a copy taken at publish: NaN and Infinity intact, labels intact, later mutation unseen', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      await bus.subscribeSamples('g', rec.handler('A'));
      const sent = batch('rel-nan', 1);
      sent.samples = [
        {
          ts: 1,
          metric: 'checkout_success_ratio',
          cohort: 'baseline',
          value: Number.NaN,
          labels: { tenant: 'acme', le: '+Inf' },
        },
        { ts: 2, metric: 'stock_reservation_seconds', cohort: 'canary', value: Number.POSITIVE_INFINITY },
      ];
      await bus.publishSamples(sent);
      sent.samples[0].labels = { tenant: 'mutated' };
      await rec.count(1);
      const [got] = rec.of('A');
      assert.ok(Number.isNaN(got.samples[0].value), 'NaN must survive the bus');
      assert.deepEqual(got.samples[0].labels, { tenant: 'acme', le: '+Inf' });
      assert.equal(got.samples[1].value, Number.POSITIVE_INFINITY);
      assert.equal(got.samples[1].labels, undefined, 'an absent field stays absent');
      assert.deepEqual({ ...got, samples: [] }, { ...batch('rel-nan', 1), samples: [] });
    }),
  );

  test('every group receives every batch (fan-out)', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      await bus.subscribeSamples('analyzer', rec.handler('analyzer'));
      await bus.subscribeSamples('archive', rec.handler('archive'));
      const sent = releases(5).flatMap((id) => [batch(id, 1), batch(id, 2)]);
      for (const b of sent) await bus.publishSamples(b);
      await rec.count(20);
      assert.deepEqual(tags(rec.of('analyzer')).sort(), tags(sent).sort());
      assert.deepEqual(tags(rec.of('archive')).sort(), tags(sent).sort());
    }),
  );

  test('a new group receives only what is published after it subscribed', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      await bus.subscribeSamples('early', rec.handler('early'));
      await bus.publishSamples(batch('rel-1', 1));
      await bus.subscribeSamples('late', rec.handler('late'));
      await bus.publishSamples(batch('rel-1', 2));
      await rec.until(
        'early group gets 2 batches, late 1',
        () => rec.of('late').length >= 1 && rec.of('early').length >= 2,
      );
      await ctx.settle();
      assert.deepEqual(tags(rec.of('late')), ['rel-1/2']);
      assert.deepEqual(tags(rec.of('early')), ['rel-1/1', 'rel-1/2']);
    }),
  );

  test('members of a group share releases: each batch to exactly one member, each release to one member', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      await bus.subscribeSamples('g', rec.handler('A'));
      await bus.subscribeSamples('g', rec.handler('B'));
      const sent = [1, 2, 3].flatMap((seq) => releases(32).map((id) => batch(id, seq)));
      for (const b of sent) await bus.publishSamples(b);
      await rec.count(sent.length);
      assert.deepEqual(tags(rec.deliveries.map((d) => d.message)).sort(), tags(sent).sort(), 'each batch exactly once');
      const owners = new Map<string, Set<string>>();
      for (const d of rec.deliveries)
        owners.set(d.message.releaseId, (owners.get(d.message.releaseId) ?? new Set()).add(d.member));
      for (const [id, members] of owners) assert.equal(members.size, 1, `${id} went to ${[...members].join(' and ')}`);
      assert.ok(rec.of('A').length > 0 && rec.of('B').length > 0, 'both members get a share of 32 releases');
    }),
  );

  test('rebalance on join and leave loses nothing and never runs one release on two members at once', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      const active = new Map<string, number>();
      let overlap = '';
      // Each handler stays busy for a turn of the event loop, so an overlap would be seen.
      const busy = async (b: SampleBatch): Promise<void> => {
        const n = (active.get(b.releaseId) ?? 0) + 1;
        active.set(b.releaseId, n);
        if (n > 1) overlap = b.releaseId;
        await new Promise((resolve) => setImmediate(resolve));
        active.set(b.releaseId, (active.get(b.releaseId) ?? 1) - 1);
      };
      const ids = releases(32);
      const sent: SampleBatch[] = [];
      const publishRound = async (seq: number): Promise<void> => {
        for (const id of ids) {
          const b = batch(id, seq);
          sent.push(b);
          await bus.publishSamples(b);
        }
      };
      const a = await bus.subscribeSamples('g', rec.handler('A', { onMessage: busy }));
      await publishRound(1);
      const joining = bus.subscribeSamples('g', rec.handler('B', { onMessage: busy }));
      await publishRound(2); // published while B joins
      await joining;
      await publishRound(3);
      await rec.count(96);
      const leaving = a.close();
      await publishRound(4); // published while A leaves
      await leaving;
      await publishRound(5);
      await rec.count(sent.length);
      assert.equal(overlap, '', 'a release was handled by two members at once');
      // Every batch was acknowledged inside its handler, so none may come twice.
      assert.deepEqual(tags(rec.deliveries.map((d) => d.message)).sort(), tags(sent).sort());
      for (const id of ids) {
        const seqs = rec.deliveries.filter((d) => d.message.releaseId === id).map((d) => d.message.sequence);
        assert.deepEqual(seqs, [1, 2, 3, 4, 5], `order of ${id} across the rebalances`);
      }
      assert.ok(
        rec.deliveries.slice(-32).every((d) => d.member === 'B'),
        'after A left, B gets everything',
      );
    }),
  );

  test('unacknowledged batches are redelivered after their member closes (crash); late acks are ignored', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      const a = await bus.subscribeSamples('g', rec.handler('A', { ack: false }));
      for (let seq = 1; seq <= 5; seq++) await bus.publishSamples(batch('rel-1', seq));
      await rec.count(5);
      await rec.deliveries[0].ack();
      await rec.deliveries[1].ack();
      await a.close();
      await rec.deliveries[2].ack(); // too late: A no longer owns the release
      await bus.subscribeSamples('g', rec.handler('B'));
      await rec.until('B reaches rel-1/5', () => rec.of('B').some((b) => b.sequence === 5));
      assert.deepEqual(tags(rec.of('B')), ['rel-1/3', 'rel-1/4', 'rel-1/5']);
    }),
  );

  test('a closing member hands its unacknowledged batches to the remaining member', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      const a = await bus.subscribeSamples('g', rec.handler('A', { ack: false }));
      await bus.subscribeSamples('g', rec.handler('B'));
      const sent = releases(32).map((id) => batch(id, 1));
      for (const b of sent) await bus.publishSamples(b);
      await rec.count(32);
      const held = tags(rec.of('A')).sort();
      assert.ok(held.length > 0, 'A owns some of 32 releases');
      await a.close();
      await rec.count(32 + held.length);
      assert.deepEqual(tags(rec.deliveries.slice(32).map((d) => d.message)).sort(), held);
      assert.ok(rec.deliveries.slice(32).every((d) => d.member === 'B'));
      const lag = await bus.lag();
      assert.deepEqual(
        lag.map((l) => [l.group, l.pendingBatches]),
        [['g', 0]],
      );
    }),
  );

  test('a retried batch (same producer, release and sequence) is delivered once', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      await bus.subscribeSamples('g', rec.handler('A'));
      await bus.subscribeSamples('other', rec.handler('other'));
      const retried = { ...batch('rel-1', 2), batchId: 'retry-of-2' };
      const sent = [
        batch('rel-1', 1),
        batch('rel-1', 2),
        retried,
        batch('rel-1', 1),
        batch('rel-1', 2, 'scrape:b'),
        batch('rel-1', 3),
      ];
      for (const b of sent) await bus.publishSamples(b);
      await bus.publishSamples(batch('rel-2', 2)); // same producer and sequence, another release
      await rec.until(
        'both groups reach rel-1/3 and rel-2/2',
        () => rec.of('A').length >= 5 && rec.of('other').length >= 5,
      );
      for (const member of ['A', 'other']) {
        const got = rec
          .of(member)
          .map((b) => `${b.releaseId}/${b.producer}/${b.sequence}`)
          .sort();
        assert.deepEqual(
          got,
          ['rel-1/scrape:a/1', 'rel-1/scrape:a/2', 'rel-1/scrape:a/3', 'rel-1/scrape:b/2', 'rel-2/scrape:a/2'],
          member,
        );
      }
      // A skipped duplicate counts as acknowledged: it holds back neither lag nor publishers.
      assert.deepEqual(
        (await bus.lag()).map((l) => l.pendingBatches),
        [0, 0],
      );
    }),
  );

  test('a duplicate published after its original was acknowledged is dropped across a rebalance', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      const a = await bus.subscribeSamples('g', rec.handler('A'));
      await bus.publishSamples(batch('rel-1', 1));
      await rec.count(1);
      await a.close();
      await bus.publishSamples({ ...batch('rel-1', 1), batchId: 'resent-after-restart' });
      await bus.publishSamples(batch('rel-1', 2));
      await bus.subscribeSamples('g', rec.handler('B'));
      await rec.count(2);
      // Order per release: had the duplicate come through, it would be B's first delivery.
      assert.deepEqual(tags(rec.of('B')), ['rel-1/2']);
    }),
  );

  test('a rejected handler is reported, its batch stays unacknowledged, delivery goes on', opts, () =>
    ctx.withBus(async (bus) => {
      const rec = recorder();
      const errors: [string, HandlerErrorInfo][] = [];
      const failOnFirst = (b: SampleBatch): void => {
        if (b.sequence === 1) throw new Error('poison');
      };
      const sub = await bus.subscribeSamples('g', rec.handler('A', { onMessage: failOnFirst }), {
        onError: (error, info) => errors.push([(error as Error).message, info]),
      });
      await bus.publishSamples(batch('rel-1', 1));
      await bus.publishSamples(batch('rel-1', 2));
      await rec.count(2);
      assert.deepEqual(tags(rec.of('A')), ['rel-1/1', 'rel-1/2']);
      assert.deepEqual(errors, [['poison', { topic: 'samples', group: 'g', member: sub.member, releaseId: 'rel-1' }]]);
      // Batch 1 was never acknowledged, so the committed prefix stops before it.
      assert.deepEqual(
        (await bus.lag()).map((l) => l.pendingBatches),
        [2],
      );
    }),
  );
}
