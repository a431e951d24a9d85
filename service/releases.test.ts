/**
 * ReleaseLifecycle: one owner of a release's start and stop across the sources (a real
 * ReleaseCollector with a scrape-target template), the pipeline and the alert sinks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReleaseCollector } from '../collector/index.ts';
import type { ReleaseRecord } from '../store/index.ts';
import { silentLogger } from '../analyzer/logger.ts';
import { ReleaseLifecycle } from './releases.ts';

const TARGET = {
  name: 'shop',
  url: 'http://127.0.0.1:9/metrics',
  intervalMs: 1000,
  timeoutMs: 500,
  metrics: [
    {
      name: 'shop_latency',
      as: 'latency',
      kind: 'gauge',
      cohorts: {
        by: 'label',
        label: 'version',
        baseline: ['{{release.baselineVersion}}'],
        canary: ['{{release.version}}'],
      },
    },
  ],
};

function record(id: string, status: ReleaseRecord['status'] = 'active'): ReleaseRecord {
  const release = {
    id,
    service: 'shop',
    version: '2',
    baselineVersion: '1',
    environment: 'staging',
    strategy: 'canary',
    class: 'standard',
    startedAt: 0,
  } as ReleaseRecord['release'];
  return { release, spec: { release, metrics: [] } as never, status, registeredAt: 0, registeredBy: 'test' };
}

function parts(collects?: (id: string) => boolean) {
  const calls: string[] = [];
  const active = new Set<string>();
  const collector = new ReleaseCollector({ targets: [TARGET], publish: async () => {} });
  const lifecycle = new ReleaseLifecycle({
    pipeline: {
      start: async (r) => {
        calls.push(`start ${r.release.id}`);
        if (r.status === 'active') active.add(r.release.id);
      },
      stop: async (id) => {
        calls.push(`stop ${id}`);
        active.delete(id);
      },
      active: () => [...active],
    },
    collector,
    resolving: [{ resolve: (id) => calls.push(`resolve ${id}`) }],
    logger: silentLogger,
    ...(collects ? { collects } : {}),
  });
  return { calls, collector, lifecycle };
}

test('start collects and opens the analysis; stop ends both and resolves the alerts', async () => {
  const { calls, collector, lifecycle } = parts();
  await lifecycle.start(record('a'));
  assert.deepEqual(collector.releaseIds(), ['a']);
  assert.deepEqual(lifecycle.active(), ['a']);
  await lifecycle.start(record('closed', 'aborted'));
  assert.deepEqual(collector.releaseIds(), ['a'], 'a closed release is not collected for');
  await lifecycle.stop('a');
  assert.deepEqual(collector.releaseIds(), []);
  assert.deepEqual(calls, ['start a', 'start closed', 'resolve a', 'stop a']);
});

test('a release the pipeline dropped stops being collected for, and reconciling does not bring it back', async () => {
  const { collector, lifecycle } = parts();
  await lifecycle.start(record('q'));
  lifecycle.dropped('q');
  assert.deepEqual(collector.releaseIds(), []);
  await lifecycle.reconcile(new Map([['q', record('q')]]));
  assert.deepEqual(collector.releaseIds(), [], 'still active in the store, but quarantined here');
  // closed in the store meanwhile: forgotten, so a later registration could be collected again
  await lifecycle.reconcile(new Map());
  await lifecycle.start(record('q'));
  assert.deepEqual(collector.releaseIds(), ['q']);
});

test('reconcile: follows the active releases this process owns, stops the closed ones, lets go of moved ones', async () => {
  const owned = new Set(['a', 'b']);
  const { calls, collector, lifecycle } = parts((id) => owned.has(id));
  await lifecycle.reconcile(new Map(['a', 'b', 'c'].map((id) => [id, record(id)])));
  assert.deepEqual(collector.releaseIds().sort(), ['a', 'b'], 'c belongs to another member');
  owned.delete('b'); // its partition moved
  await lifecycle.reconcile(new Map(['a', 'b'].map((id) => [id, record(id)])));
  assert.deepEqual(collector.releaseIds(), ['a']);
  assert.ok(!calls.includes('stop b'), 'a moved release is not stopped: its new owner goes on');
  await lifecycle.reconcile(new Map()); // a closed in the store (by an api process)
  assert.deepEqual(collector.releaseIds(), []);
  assert.ok(calls.includes('stop a'));
});
