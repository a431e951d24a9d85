/**
 * Controller contracts: requests replayed exactly as Argo Rollouts' web provider (GET with the
 * template's headers) and Flagger (POST of its JSON payload) send them, and the shipped examples
 * checked against the routes that exist.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { Decision } from '../analyzer/index.ts';
import { engineVerdict, release, SPEC, startHarness, T0, TOKENS, type Harness } from './testing/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

/** The parts of the shipped manifests the tests read (Argo Rollouts v1alpha1, Flagger v1beta1). */
interface WebMetric {
  successCondition?: string;
  failureCondition?: string;
  provider: { web: { url: string; jsonPath: string; headers: { key: string; value: string }[] } };
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: {
    metrics: WebMetric[];
    strategy: {
      canary: {
        analysis: { templates: { templateName: string }[] };
        steps: { analysis?: { templates: { templateName: string }[] } }[];
      };
    };
    provider: string;
    query: string;
    analysis: {
      webhooks: { type: string; url: string; metadata?: Record<string, string> }[];
      metrics: { templateRef: { name: string } }[];
    };
  };
}
const docs = async (path: string): Promise<Manifest[]> =>
  parseAllDocuments(await readFile(new URL(`../examples/${path}`, import.meta.url), 'utf8')).map(
    (d) => d.toJS() as Manifest,
  );

/** The one expression shape the template uses: `result == "a" || result == "b"` (Argo evaluates with expr-lang). */
function evalCondition(expr: string, result: string): boolean {
  return expr.split('||').some((term) => {
    const m = /^\s*result\s*==\s*"([^"]*)"\s*$/.exec(term);
    if (!m) throw new Error(`unsupported term ${term}`);
    return m[1] === result;
  });
}
/** Argo's utils/evaluate `EvaluateResult`: failure first, then success, else Inconclusive; a missing condition is the other's negation. */
function argoPhase(metric: WebMetric, result: string): string {
  const failed =
    metric.failureCondition !== undefined
      ? evalCondition(metric.failureCondition, result)
      : !evalCondition(metric.successCondition!, result);
  const succeeded = metric.successCondition !== undefined ? evalCondition(metric.successCondition, result) : !failed;
  return failed ? 'Failed' : succeeded ? 'Successful' : 'Inconclusive';
}

/** Argo's web provider: GET, the template's headers (args substituted), Go's default client headers, no body. */
async function argoMeasure(
  metric: WebMetric,
  args: Record<string, string>,
): Promise<{ status: number; result?: string }> {
  const subst = (s: string) => s.replace(/\{\{args\.([a-z-]+)\}\}/g, (_, name: string) => args[name]);
  const url = new URL(subst(metric.provider.web.url));
  const headers: Record<string, string> = { 'user-agent': 'Go-http-client/1.1', 'accept-encoding': 'gzip' };
  for (const { key, value } of metric.provider.web.headers) headers[key] = subst(value);
  const res = await fetch(h.url + url.pathname, { method: 'GET', headers });
  if (res.status < 200 || res.status >= 300) return { status: res.status }; // Argo: measurement Error
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(metric.provider.web.jsonPath, '{$.decision}');
  return { status: res.status, result: String(body.decision) };
}

test('Argo Rollouts: the shipped AnalysisTemplates map every decision to the intended measurement over real HTTP', async () => {
  // a quick check of the wire contract; Argo's own analysis controller runs them in test/controllers/argo
  const [guard, promotion, rollout] = await docs('argo-rollouts/analysis-template.yaml');
  assert.equal(guard.kind, 'AnalysisTemplate');
  assert.equal(rollout.spec.strategy.canary.analysis.templates[0].templateName, guard.metadata.name);
  assert.equal(rollout.spec.strategy.canary.steps.at(-1)?.analysis?.templates[0].templateName, promotion.metadata.name);
  await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    body: { release: release('argo-1'), spec: SPEC },
  });
  const args = { 'release-id': 'argo-1', 'gate-token': TOKENS.reader };
  const [harm, promote] = [guard.spec.metrics[0], promotion.spec.metrics[0]];

  const first = await argoMeasure(harm, args);
  assert.deepEqual(
    [first.status, first.result, argoPhase(harm, first.result!), argoPhase(promote, first.result!)],
    [200, 'continue', 'Successful', 'Failed'],
    'warming up: the guard passes, the last step waits',
  );
  const expected: Record<Decision, [string, string]> = {
    continue: ['Successful', 'Failed'],
    promote: ['Successful', 'Successful'],
    rollback: ['Failed', 'Failed'],
    'reduce-traffic': ['Failed', 'Failed'],
    inconclusive: ['Successful', 'Inconclusive'],
  };
  let at = T0;
  for (const [decision, phases] of Object.entries(expected)) {
    await h.store.appendVerdict(engineVerdict('argo-1', decision as Decision, (at += 60_000)));
    const m = await argoMeasure(harm, args);
    assert.equal(m.status, 200, `${decision} must be a 200, not an Argo measurement Error`);
    assert.deepEqual([argoPhase(harm, m.result!), argoPhase(promote, m.result!)], phases, decision);
  }
  // real errors stay errors: unknown release, wrong token
  assert.equal((await argoMeasure(harm, { ...args, 'release-id': 'argo-unknown' })).status, 404);
  assert.equal((await argoMeasure(harm, { ...args, 'gate-token': 'x'.repeat(32) })).status, 401);
});

/** Flagger's CallWebhook: POST, Content-Type application/json, the payload, Go's default headers. */
const flaggerCall = (hook: string, payload: unknown, headers: Record<string, string> = {}) =>
  fetch(`${h.url}/api/v1/flagger/${hook}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Go-http-client/1.1', ...headers },
    body: JSON.stringify(payload),
  });
const payload = (phase: string, metadata: Record<string, string> = { token: TOKENS.reader }) => ({
  name: 'odoo',
  namespace: 'flagger-prod',
  phase,
  checksum: '85d557f47b',
  metadata,
});
const flaggerOk = (status: number) => status >= 200 && status <= 202; // Flagger: StatusCode > 202 is a failure

test('Flagger: hooks answer in the status codes Flagger interprets, found by name/namespace or metadata.releaseId', async () => {
  const none = await flaggerCall('confirm-rollout', payload('Initializing'));
  assert.equal(none.status, 404, 'no release registered yet: hold');
  const rel = release('flagger-1', { service: 'odoo', environment: 'flagger-prod' });
  assert.equal(
    (await h.call('POST', '/api/v1/releases', { token: TOKENS.operator, body: { release: rel, spec: SPEC } })).status,
    201,
  );

  const answer = async (hook: string) => (await flaggerCall(hook, payload('Progressing'))).status;
  assert.ok(flaggerOk(await answer('confirm-rollout')));
  assert.ok(flaggerOk(await answer('pre-rollout')));
  assert.ok(!flaggerOk(await answer('confirm-promotion')), 'warming up: hold promotion');
  assert.ok(!flaggerOk(await answer('rollback')), 'warming up: carry on');

  let at = T0;
  const set = (d: Decision) => h.store.appendVerdict(engineVerdict('flagger-1', d, (at += 60_000)));
  await set('promote');
  assert.ok(flaggerOk(await answer('confirm-promotion')));
  assert.ok(!flaggerOk(await answer('rollback')));
  for (const d of ['rollback', 'reduce-traffic'] as const) {
    await set(d);
    assert.ok(flaggerOk(await answer('rollback')), `${d}: roll back`);
    assert.ok(!flaggerOk(await answer('confirm-promotion')));
    assert.ok(!flaggerOk(await answer('pre-rollout')));
  }
  await set('inconclusive');
  assert.ok(!flaggerOk(await answer('rollback')), 'inconclusive never rolls back');
  const body = (await (await flaggerCall('rollback', payload('Progressing'))).json()) as {
    releaseId: string;
    decision: string;
  };
  assert.deepEqual([body.releaseId, body.decision], ['flagger-1', 'inconclusive']);

  // metadata.releaseId wins over name/namespace; a bearer header works too; an aborted release rolls back
  const byId = await flaggerCall(
    'rollback',
    { ...payload('Progressing', { releaseId: 'flagger-1' }), name: 'other' },
    { authorization: `Bearer ${TOKENS.reader}` },
  );
  assert.equal(byId.status, 409);
  await h.call('POST', '/api/v1/releases/flagger-1/abort', { token: TOKENS.operator });
  assert.ok(flaggerOk(await answer('rollback')));
  assert.ok(!flaggerOk(await answer('confirm-rollout')));
  // unknown extra fields from a newer Flagger are tolerated
  assert.notEqual((await flaggerCall('rollback', { ...payload('Progressing'), buildId: 'x' })).status, 400);
});

test('the shipped Flagger Canary calls routes that exist, with the payload shape the gate reads', async () => {
  const [canary, template] = await docs('flagger/canary.yaml');
  assert.equal(canary.kind, 'Canary');
  assert.equal(canary.spec.provider, 'traefik');
  const hooks = canary.spec.analysis.webhooks;
  assert.deepEqual(hooks.map((w) => w.type).sort(), [
    'confirm-promotion',
    'confirm-rollout',
    'post-rollout',
    'pre-rollout',
    'rollback',
    'rollout',
  ]);
  for (const hook of hooks) {
    const path = new URL(hook.url).pathname;
    assert.equal(path, `/api/v1/flagger/${hook.type}`);
    const res = await fetch(h.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: canary.metadata.name,
        namespace: 'nowhere',
        phase: 'Progressing',
        checksum: 'c',
        metadata: { ...hook.metadata, token: hook.type === 'post-rollout' ? TOKENS.operator : TOKENS.reader },
      }),
    });
    const body = (await res.json()) as { error?: string };
    assert.equal(res.status, 404);
    assert.doesNotMatch(body.error ?? '', /no route/, `${path} must be a route`);
  }
  assert.match(template.spec.query, /release_health_verdict\{/);
  assert.equal(canary.spec.analysis.metrics[0].templateRef.name, template.metadata.name);
});
