/**
 * The gate's HTML pages over the real PGlite store: `/` (active releases with their live verdicts)
 * and `/releases/{id}` (why a release was promoted or rolled back), with the security headers of
 * every answer, the reader role, and data escaped. The figures come from the seeded scorecard
 * history whose values compute.test.ts works out by hand.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedStore } from '../dashboards/scorecard/testing/history.ts';
import { startHarness, TOKENS, type Harness } from './testing/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  await seedStore(h.store);
});
after(() => h.close());

const page = async (path: string, token: string | null = TOKENS.reader) => {
  const res = await h.call('GET', path, token ? { token } : {});
  return { res, html: await res.text() };
};

test('index: HTML with the security headers, links to every release, readers only', async () => {
  const { res, html } = await page('/');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /script-src/);
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.ok(!/<script/i.test(html));
  for (const id of ['rel-a', 'rel-b', 'rel-c', 'rel-d']) assert.ok(html.includes(`href="releases/${id}"`), id);
  assert.match(html, /href="scorecards"/);
  assert.equal((await page('/', null)).res.status, 401);
});

test('index: an active release shows the live verdict the API answers', async () => {
  const reg = await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    body: {
      release: {
        id: 'live-1',
        service: 'odoo-web',
        version: '17.0.44',
        environment: 'prod',
        strategy: 'canary',
        class: 'standard',
        startedAt: h.clock.now - 5 * 60_000,
        canaryWeight: 0.1,
      },
      spec: {
        metrics: [
          { name: 'checkout_latency_seconds', group: 'ingress', kind: 'latency', harm: 'increase', tolerance: 0.1 },
        ],
      },
    },
  });
  assert.equal(reg.status, 201, await reg.text());
  const api = (await (await h.call('GET', '/api/v1/releases/live-1/verdict', { token: TOKENS.reader })).json()) as {
    decision: string;
    reasons: string[];
  };
  const { html } = await page('/');
  const active = html.slice(html.indexOf('Active: live verdicts'), html.indexOf('Recently finished'));
  assert.ok(active.includes('href="releases/live-1"'), 'listed as active');
  assert.ok(
    active.includes(`>${api.decision}<`) && active.includes(api.reasons[0]),
    `the API's ${api.decision}: ${api.reasons[0]}`,
  );
});

test('release page: outcome, effects with intervals against the tolerance, timeline, actions, restore', async () => {
  const { res, html } = await page('/releases/rel-a');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  // A: onset recorded at 10 min, rollback at 20, Traefik restored at 21 (the annotation restores nothing)
  assert.match(
    html,
    /Rolled back at minute 20 of the release, 10\.0 min after the recorded onset of the regression; service restored 1\.0 min after the verdict\./,
  );
  assert.match(html, /data-figure="release\.timeToRestoreMs">1\.0 min</);
  // orders: low, effect −30% [−40%, −20%], tolerance −10% on the harmful side: the whole interval beyond
  assert.match(
    html,
    /<td>orders_confirmed_total <span class="tag">\(declared critical\)<\/span><\/td><td>low <strong>— critical failure<\/strong><\/td><td>-30\.0%<\/td><td>\[-40\.0%, -20\.0%\]<\/td><td>-10\.0%<\/td><td>whole interval beyond<\/td>/,
  );
  assert.match(html, /aria-label="Decision timeline/);
  assert.match(html, /aria-label="Effect of each metric/);
  assert.match(html, /<td>traefik<\/td>.*?<td class="">succeeded<\/td>/s);
  assert.match(html, /href="\.\.\/scorecards"/);
});

test('release page: unknown id 404, malformed id 400, readers only, hostile data escaped', async () => {
  assert.equal((await page('/releases/nope')).res.status, 404);
  assert.equal((await page('/releases/bad%20id')).res.status, 400);
  assert.equal((await page('/releases/rel-a', null)).res.status, 401);
  const reg = await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    body: {
      release: {
        id: 'hostile-1',
        service: 'odoo',
        version: '17.0.44',
        environment: 'prod',
        tenant: 'shop<img src=x>',
        strategy: 'canary',
        class: 'standard',
        startedAt: h.clock.now,
      },
      spec: { metrics: [{ name: 'orders_total', group: 'business', kind: 'count', harm: 'decrease', tolerance: 0.1 }] },
    },
  });
  if (reg.status === 201) {
    const { html } = await page('/releases/hostile-1');
    assert.ok(!html.includes('<img src=x>') && html.includes('shop&lt;img src=x&gt;'));
  } else assert.equal(reg.status, 400, 'the wire schema may refuse the label outright');
});
