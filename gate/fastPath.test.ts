/**
 * The polled verdict and /healthz answered without the router (fastPath.ts) are the app's own
 * answers, byte for byte and header for header; everything the fast path does not answer for
 * sure (wrong token, unknown or uncached release, query strings, other methods) is the app's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import {
  engineVerdict,
  release,
  SPEC,
  startHarness,
  T0,
  TOKENS,
  WRONG_TOKEN,
  type Harness,
} from './testing/harness.ts';

let h: Harness;
/** what the harness's liveness hook answers (GateDeps.liveness) */
let failing: string | undefined;
before(async () => {
  h = await startHarness({ verdictCacheMs: 60_000, liveness: () => failing });
});
after(() => h.close());

/** status, body and every header but the date (and the connection's own) */
async function answer(path: string, token?: string, method = 'GET') {
  const res = await h.call(method, path, token ? { token } : {});
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!['date', 'connection', 'keep-alive'].includes(name)) headers[name] = value;
  });
  return { status: res.status, body: await res.text(), headers };
}

/** Calls `path` and says whether the fast path answered it. */
async function viaFastPath(path: string, token?: string) {
  const before = h.gate.fastAnswers();
  const result = await answer(path, token);
  return { ...result, fast: h.gate.fastAnswers() === before + 1 };
}

test('a cached verdict: the fast path answers exactly what the app answered', async () => {
  const created = await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    body: { release: release('fast-1'), spec: SPEC },
  });
  assert.equal(created.status, 201);
  const record = (await h.store.getRelease('fast-1'))!;
  // registration primed the cache: the first poll is answered from memory, warming up
  const primed = await viaFastPath('/api/v1/releases/fast-1/verdict', TOKENS.reader);
  assert.equal(primed.fast, true);
  assert.match((JSON.parse(primed.body) as { reasons: string[] }).reasons[0], /^warming up/);
  // a verdict written by another process; the entry dropped: the app loads it (and caches it)
  await h.store.appendVerdict(engineVerdict('fast-1', 'reduce-traffic', T0 + 60_000));
  h.gate.app.verdictCache.invalidate('fast-1');
  const fromApp = await viaFastPath('/api/v1/releases/fast-1/verdict', TOKENS.reader);
  assert.equal(fromApp.fast, false);
  assert.equal(fromApp.status, 200);
  assert.equal((JSON.parse(fromApp.body) as { decision: string }).decision, 'reduce-traffic');
  const fast = await viaFastPath('/api/v1/releases/fast-1/verdict', TOKENS.reader);
  assert.equal(fast.fast, true, 'a fresh entry is answered by the fast path');
  assert.deepEqual({ ...fast, fast: undefined }, { ...fromApp, fast: undefined });
  assert.ok(fast.headers['content-security-policy'] && fast.headers['x-frame-options'] === 'DENY');
  assert.equal(fast.headers['cache-control'], 'no-store');
  // a new verdict through the sink: the fast path answers the new one at once
  await h.gate.app.verdictSink.onVerdict(engineVerdict('fast-1', 'rollback', T0 + 120_000), undefined, record);
  const next = await viaFastPath('/api/v1/releases/fast-1/verdict', TOKENS.reader);
  assert.equal(next.fast, true);
  assert.equal((JSON.parse(next.body) as { decision: string }).decision, 'rollback');
  // counted as the app counts its requests
  const metrics = await (await h.call('GET', '/metrics', { token: TOKENS.reader })).text();
  assert.match(metrics, /route="\/api\/v1\/releases\/:id\/verdict"[^}]*status="200"[^}]*\} [3-9]/);
});

test('/healthz: the same answer as the app', async () => {
  const fast = await viaFastPath('/healthz');
  assert.equal(fast.fast, true);
  const fromApp = await answer('/healthz?x=1'); // a query string: the app answers
  assert.deepEqual({ ...fast, fast: undefined }, { ...fromApp, fast: undefined });
});

test('/healthz while the process can no longer judge: the app answers 503 with the reason, then 200 again', async () => {
  failing = 'the analysis thread exited; no release is judged until a restart';
  try {
    const down = await viaFastPath('/healthz');
    assert.equal(down.fast, false);
    assert.equal(down.status, 503);
    assert.deepEqual(JSON.parse(down.body), { status: 'failing', reason: failing });
    assert.equal(down.headers['x-frame-options'], 'DENY');
  } finally {
    failing = undefined;
  }
  const up = await viaFastPath('/healthz');
  assert.deepEqual([up.fast, up.status, JSON.parse(up.body)], [true, 200, { status: 'ok' }]);
});

test('no token, a wrong token, a writer-less path, an unknown release: the app answers (and refuses)', async () => {
  for (const [path, token, status] of [
    ['/api/v1/releases/fast-1/verdict', undefined, 401],
    ['/api/v1/releases/fast-1/verdict', 'not-a-token-0123456789abcdef', 401],
    ['/api/v1/releases/no-such/verdict', TOKENS.reader, 404],
    ['/api/v1/releases/%ZZ/verdict', TOKENS.reader, 400],
    ['/api/v1/releases/fast-1/verdict?x=1', TOKENS.reader, 200],
  ] as const) {
    const r = await viaFastPath(path, token);
    assert.equal(r.fast, false, path);
    assert.equal(r.status, status, `${path}: ${r.body}`);
  }
  const post = await answer('/api/v1/releases/fast-1/verdict', TOKENS.reader, 'POST');
  assert.equal(post.status, 405);
});

test('one keep-alive connection: a token verified before never vouches for a different one', async () => {
  // every request over one socket (the fast path remembers the header a connection last presented)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(h.url);
  const get = (authorization?: string) =>
    new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/api/v1/releases/fast-1/verdict',
          headers: authorization === undefined ? {} : { authorization },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, socket: req.socket }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  try {
    const fastBefore = h.gate.fastAnswers();
    const logged = h.logger.lines.length;
    const first = await get(`Bearer ${TOKENS.reader}`);
    assert.equal(first.status, 200);
    const again = await get(`Bearer ${TOKENS.reader}`);
    assert.equal(again.status, 200);
    assert.equal(again.socket, first.socket, 'the same connection');
    assert.equal(h.gate.fastAnswers(), fastBefore + 2);
    // the second answer still names who asked
    const actors = h.logger.lines.slice(logged).map((line) => (JSON.parse(line) as { actor?: string }).actor);
    assert.deepEqual(actors, ['argo', 'argo']);
    for (const authorization of [
      `Bearer ${WRONG_TOKEN}`,
      `Bearer ${TOKENS.reader}x`,
      `Bearer ${TOKENS.reader.slice(0, -1)}`,
      `Basic ${Buffer.from(`argo:${TOKENS.reader}`).toString('base64')}`,
      undefined,
    ]) {
      const refused = await get(authorization);
      assert.equal(refused.socket, first.socket, 'the same connection');
      assert.equal(refused.status, 401, String(authorization));
    }
    assert.equal(h.gate.fastAnswers(), fastBefore + 2, 'the refusals were the app’s');
    assert.equal((await get(`Bearer ${TOKENS.reader}`)).status, 200);
    assert.equal(h.gate.fastAnswers(), fastBefore + 3);
  } finally {
    agent.destroy();
  }
});
