import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { applyGovernance, defaultGovernance, type Verdict } from '../../analyzer/index.ts';
import { createActionSink, createTraefikAction, nextWeights, writeFileAtomic } from './index.ts';
import { runActionContract } from './testing/actionContract.ts';
import { noSleep, spec, START, storeWithRelease, verdict } from './testing/fixtures.ts';
import type { Outcome } from './testing/scriptedReceiver.ts';

/*
 * The contract against a real file: before each attempt the target's directory is arranged for
 * the scripted outcome — present ('ok'), missing so the write fails ('fail'), or holding
 * unparsable YAML ('refuse'); the action's own run does the rest. A local write cannot hang.
 */
runActionContract({
  name: 'traefik',
  delivers: ['promote', 'reduce-traffic', 'rollback'],
  canHang: false,
  make: async ({ timeoutMs }) => {
    const root = await mkdtemp(join(tmpdir(), 'rh-traefik-contract-'));
    const dir = join(root, 'dynamic');
    const file = join(dir, 'odoo.yaml');
    const real = createTraefikAction({ file, service: 'odoo' });
    let queue: Outcome[] = [];
    const seen: Outcome[] = [];
    const arrange = async (outcome: Outcome) => {
      if (outcome === 'fail') return rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await writeFile(file, outcome === 'refuse' ? 'http: [unclosed' : COMPOSE_FILE);
    };
    return {
      action: {
        kind: real.kind,
        target: real.target,
        on: real.on,
        timeoutMs,
        run: async (context, attempt) => {
          const outcome = queue.shift() ?? 'ok';
          seen.push(outcome);
          await arrange(outcome);
          return real.run(context, attempt);
        },
      },
      script: (outcomes) => void (queue = [...outcomes]),
      seen: () => seen,
      secrets: [],
      close: () => rm(root, { recursive: true, force: true }),
    };
  },
});

// the compose stack's dynamic configuration (deploy/compose/traefik/dynamic/odoo.yaml), abridged
const COMPOSE_FILE = `# Traefik file provider, watched by Traefik
http:
  routers:
    odoo:
      rule: PathPrefix(\`/\`)
      entryPoints: [web]
      service: odoo
  services:
    odoo:
      weighted:
        services:
          - name: odoo-primary
            weight: 90
          - name: odoo-canary
            weight: 10
    odoo-primary:
      loadBalancer:
        servers:
          - url: http://odoo-stable:8069
    odoo-canary:
      loadBalancer:
        servers:
          - url: http://odoo-canary:8069
`;

interface Dynamic {
  http: {
    routers: Record<string, { service: string }>;
    services: Record<string, { weighted?: { services: { name: string; weight: number }[] }; loadBalancer?: unknown }>;
  };
}

const weightsIn = async (file: string) => {
  const doc = parse(await readFile(file, 'utf8')) as Dynamic;
  return Object.fromEntries(doc.http.services.odoo.weighted!.services.map((s) => [s.name, s.weight]));
};

test('Traefik weights follow each decision change; other keys and comments are kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-traefik-'));
  const file = join(dir, 'odoo.yaml');
  await writeFile(file, COMPOSE_FILE);
  const { store, record } = await storeWithRelease();
  const sink = createActionSink({ store, actions: [createTraefikAction({ file, service: 'odoo' })], sleep: noSleep });

  const steps: [number, Parameters<typeof verdict>[1], Record<string, number>][] = [
    [1, 'continue', { 'odoo-primary': 90, 'odoo-canary': 10 }], // continue: not a Traefik decision
    [2, 'reduce-traffic', { 'odoo-primary': 95, 'odoo-canary': 5 }],
    [3, 'continue', { 'odoo-primary': 95, 'odoo-canary': 5 }],
    [4, 'reduce-traffic', { 'odoo-primary': 98, 'odoo-canary': 2 }],
    [5, 'reduce-traffic', { 'odoo-primary': 98, 'odoo-canary': 2 }], // not a change: nothing runs
    [6, 'rollback', { 'odoo-primary': 100, 'odoo-canary': 0 }],
  ];
  let previous;
  for (const [minute, decision, expected] of steps) {
    const v = verdict(minute, decision);
    await sink.onVerdict(v, previous, record);
    previous = v;
    assert.deepEqual(await weightsIn(file), expected, `after ${decision} at minute ${minute}`);
  }
  // a replayed reduce-traffic (same verdict) is not applied twice
  await sink.onVerdict(verdict(4, 'reduce-traffic'), verdict(3, 'continue'), record);
  assert.deepEqual(await weightsIn(file), { 'odoo-primary': 100, 'odoo-canary': 0 });

  const text = await readFile(file, 'utf8');
  assert.ok(text.startsWith('# Traefik file provider'), 'the comment is kept');
  const doc = parse(text) as Dynamic;
  assert.equal(doc.http.routers.odoo.service, 'odoo');
  assert.deepEqual(doc.http.services['odoo-canary'].loadBalancer, { servers: [{ url: 'http://odoo-canary:8069' }] });
  assert.deepEqual(await readdir(dir), ['odoo.yaml'], 'no temp file left behind');

  const actions = await store.listActions({ releaseId: spec.release.id });
  assert.deepEqual(
    actions.map((a) => [a.decision, a.state, a.target]),
    [
      ['reduce-traffic', 'succeeded', file],
      ['reduce-traffic', 'succeeded', file],
      ['rollback', 'succeeded', file],
    ],
  );
  const audit = await store.listAudit({ releaseId: spec.release.id });
  const results = audit
    .filter((a) => a.action === 'action.run')
    .map((a) => (a.detail as { result: { to: unknown } }).result.to);
  assert.deepEqual(results.at(-1), { primary: 100, canary: 0 });
  await store.close();
  await rm(dir, { recursive: true });
});

test('Traefik: a missing file is created with the release weight; promote sends all traffic to the canary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-traefik-'));
  const file = join(dir, 'dynamic.yml');
  const { store, record } = await storeWithRelease();
  const sink = createActionSink({ store, actions: [createTraefikAction({ file })], sleep: noSleep });
  await sink.onVerdict(verdict(1, 'reduce-traffic'), undefined, record); // canaryWeight 0.1 → 10 → 5
  const doc = parse(await readFile(file, 'utf8')) as Dynamic;
  // the weighted service is named after the release's service when none is configured
  assert.deepEqual(doc.http.services.odoo.weighted!.services, [
    { name: 'odoo-primary', weight: 95 },
    { name: 'odoo-canary', weight: 5 },
  ]);
  await sink.onVerdict(verdict(2, 'promote'), verdict(1, 'reduce-traffic'), record);
  assert.deepEqual(await weightsIn(file), { 'odoo-primary': 0, 'odoo-canary': 100 });
  await store.close();
  await rm(dir, { recursive: true });
});

test('Traefik: unparsable YAML is refused at once (rewriting it would not help), recorded, the file left as it was', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-traefik-'));
  const file = join(dir, 'odoo.yaml');
  await writeFile(file, 'http: [unclosed');
  const { store, record } = await storeWithRelease();
  const sink = createActionSink({
    store,
    actions: [createTraefikAction({ file })],
    retry: { attempts: 2 },
    sleep: noSleep,
  });
  await sink.onVerdict(verdict(1, 'rollback'), undefined, record);
  const [action] = await store.listActions({ releaseId: spec.release.id });
  assert.deepEqual([action.state, action.attempts], ['failed', 1]);
  assert.match(action.lastError ?? '', /not valid YAML/);
  assert.equal(await readFile(file, 'utf8'), 'http: [unclosed');
  await store.close();
  await rm(dir, { recursive: true });
});

test('nextWeights keeps the total; halving rounds down to zero', () => {
  assert.deepEqual(nextWeights({ primary: 3, canary: 1 }, 'reduce-traffic'), { primary: 4, canary: 0 });
  assert.deepEqual(nextWeights({ primary: 50, canary: 50 }, 'reduce-traffic'), { primary: 75, canary: 25 });
  assert.deepEqual(nextWeights({ primary: 90, canary: 10 }, 'inconclusive'), { primary: 90, canary: 10 });
});

test('atomic write: a reader polling during many writes never sees a partial file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-atomic-'));
  const file = join(dir, 'big.yaml');
  // big enough (≈ 400 KiB) that a non-atomic write would be observed half-done
  const big = (i: number) =>
    `generation: ${i}\nentries:\n${Array.from({ length: 8000 }, (_, k) => `  - name: service-${k}\n    weight: ${i}\n`).join('')}end: ${i}\n`;
  await writeFileAtomic(file, big(0));
  let writing = true;
  let reads = 0;
  // each read must be exactly one whole generation (compared as text: parsing 400 KiB of YAML on
  // every read cost this test most of its CPU, and equality of the text says more)
  const generations = new Map<number, string>();
  const reader = (async () => {
    while (writing) {
      const text = await readFile(file, 'utf8');
      const generation = Number(/^generation: (\d+)\n/.exec(text)?.[1]);
      if (!generations.has(generation)) generations.set(generation, big(generation));
      assert.ok(text === generations.get(generation), `a read of ${text.length} bytes is not one whole generation`);
      reads++;
    }
  })();
  for (let i = 1; i <= 40; i++) await writeFileAtomic(file, big(i));
  writing = false;
  await reader;
  assert.ok(reads > 0);
  assert.equal((parse(await readFile(file, 'utf8')) as { generation: number }).generation, 40);
  assert.deepEqual(await readdir(dir), ['big.yaml']);
  await rm(dir, { recursive: true });
});

test('actions steer by the governed verdict: no backup withholds promote; the class escalates reduce-traffic to rollback', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-traefik-'));
  const file = join(dir, 'odoo.yaml');
  await writeFile(file, COMPOSE_FILE);
  const { store, record } = await storeWithRelease();
  const schemaChange = defaultGovernance().classes['schema-change'];
  const backups: { backupId: string; takenAt: number }[] = [];
  // what the gate wires: its governedVerdict (here the same rule with an in-memory backup list)
  const govern = async (v: Verdict) =>
    applyGovernance(v, { releaseClass: schemaChange, startedAt: START, checkpoints: backups, approvals: 1 });
  const sink = createActionSink({
    store,
    actions: [createTraefikAction({ file, service: 'odoo' })],
    sleep: noSleep,
    govern,
  });
  await sink.onVerdict(verdict(30, 'promote'), verdict(29, 'continue'), record);
  assert.deepEqual(
    await weightsIn(file),
    { 'odoo-primary': 90, 'odoo-canary': 10 },
    'no backup: reported inconclusive, nothing moved',
  );
  backups.push({ backupId: 'pgbackrest-1', takenAt: START - 60_000 });
  await sink.onVerdict(verdict(31, 'reduce-traffic'), verdict(30, 'continue'), record);
  assert.deepEqual(
    await weightsIn(file),
    { 'odoo-primary': 100, 'odoo-canary': 0 },
    'schema-change fails straight to rollback',
  );
  const [action] = await store.listActions({ releaseId: spec.release.id });
  assert.equal(action.decision, 'rollback');
  await store.close();
  await rm(dir, { recursive: true });
});
