import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PromqlError, createPromqlSource } from './index.ts';

/** A real HTTP server answering like the Prometheus HTTP API; `handler` decides per request. */
type Handler = (url: URL, req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_u, _q, res) => res.end();
const seen: URL[] = [];
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  seen.push(url);
  handler(url, req, res);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => new Promise<void>((r) => server.close(() => r())));

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

const release = { service: 'odoo', version: '17.0.42', baselineVersion: '17.0.41' };
const cohorts = { baseline: { cohort: 'odoo-stable@file' }, canary: { cohort: 'odoo-canary@file' } };
const spec = { name: 'requests', query: 'sum by (code) (rate(traefik_service_requests_total{service="$cohort"}[1m]))' };

test('range query: one sample per point per series per cohort; NaN, +Inf, ms timestamps, labels kept', async () => {
  seen.length = 0;
  handler = (url, _req, res) => {
    assert.equal(url.pathname, '/api/v1/query_range');
    const q = url.searchParams.get('query') ?? '';
    const canary = q.includes('odoo-canary@file');
    json(res, 200, {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: canary
          ? [
              {
                metric: { code: '200' },
                values: [
                  [1764221000.123, '1.5'],
                  [1764221010.123, 'NaN'],
                  [1764221020.123, '+Inf'],
                ],
              },
            ]
          : [
              {
                metric: { code: '200' },
                values: [
                  [1764221000.001, '2'],
                  [1764221010.999, '-Inf'],
                ],
              },
              { metric: { code: '500' }, values: [[1764221000.001, '1e-3']] },
            ],
      },
    });
  };
  const source = createPromqlSource({
    url: base,
    timeoutMs: 2000,
    stepMs: 10_000,
    headers: { 'X-Scope-OrgID': 'acme' },
  });
  const r = await source.queryRangeResult(spec, release, cohorts, {
    start: 1764221000001,
    end: new Date(1764221020123),
  });
  assert.deepStrictEqual(r.samples, [
    { ts: 1764221000001, metric: 'requests', cohort: 'baseline', value: 2, labels: { code: '200' } },
    { ts: 1764221010999, metric: 'requests', cohort: 'baseline', value: -Infinity, labels: { code: '200' } },
    { ts: 1764221000001, metric: 'requests', cohort: 'baseline', value: 0.001, labels: { code: '500' } },
    { ts: 1764221000123, metric: 'requests', cohort: 'canary', value: 1.5, labels: { code: '200' } },
    { ts: 1764221010123, metric: 'requests', cohort: 'canary', value: NaN, labels: { code: '200' } },
    { ts: 1764221020123, metric: 'requests', cohort: 'canary', value: Infinity, labels: { code: '200' } },
  ]);
  assert.deepStrictEqual(
    r.cohorts.map((c) => [c.cohort, c.series, c.points, c.empty]),
    [
      ['baseline', 2, 3, false],
      ['canary', 1, 3, false],
    ],
  );
  // what went over the wire: expanded query, seconds, step in seconds, server-side timeout
  const sent = seen.map((u) => Object.fromEntries(u.searchParams));
  assert.deepStrictEqual(sent.map((p) => p.query).sort(), [
    'sum by (code) (rate(traefik_service_requests_total{service="odoo-canary@file"}[1m]))',
    'sum by (code) (rate(traefik_service_requests_total{service="odoo-stable@file"}[1m]))',
  ]);
  assert.equal(sent[0].start, '1764221000.001');
  assert.equal(sent[0].end, '1764221020.123');
  assert.equal(sent[0].step, '10');
  assert.equal(sent[0].timeout, '2s');
  // plain queryRange gives the same samples
  assert.equal((await source.queryRange(spec, release, cohorts, { start: 0, end: 1 })).length, 6);
});

test('instant query: vector with __name__ kept; scalar results', async () => {
  handler = (url, _req, res) => {
    assert.equal(url.pathname, '/api/v1/query');
    if (url.searchParams.get('query')?.startsWith('scalar'))
      return json(res, 200, { status: 'success', data: { resultType: 'scalar', result: [1764221000.5, '+Inf'] } });
    json(res, 200, {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [{ metric: { __name__: 'up', job: 'redis' }, value: [Number(url.searchParams.get('time')), '1'] }],
      },
    });
  };
  const source = createPromqlSource({ url: `${base}/`, timeoutMs: 2000, stepMs: 1000 });
  assert.deepStrictEqual(
    await source.queryInstant(
      { name: 'up', query: 'up{job="$cohort"}' },
      release,
      { canary: { cohort: 'redis' } },
      1764221000777,
    ),
    [{ ts: 1764221000777, metric: 'up', cohort: 'canary', value: 1, labels: { __name__: 'up', job: 'redis' } }],
  );
  assert.deepStrictEqual(
    await source.queryInstant(
      { name: 's', query: 'scalar(up{job="$cohort"})' },
      release,
      { baseline: { cohort: 'x' } },
      0,
    ),
    [{ ts: 1764221000500, metric: 's', cohort: 'baseline', value: Infinity }],
  );
});

test('an empty result is [] for that cohort, flagged and counted — never zeros', async () => {
  handler = (url, _req, res) =>
    json(res, 200, {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: url.searchParams.get('query')?.includes('canary') ? [] : [{ metric: {}, values: [[1, '3']] }],
      },
    });
  const source = createPromqlSource({ url: base, timeoutMs: 2000, stepMs: 1000 });
  const r = await source.queryRangeResult(spec, release, cohorts, { start: 0, end: 1000 });
  assert.deepStrictEqual(r.samples, [{ ts: 1000, metric: 'requests', cohort: 'baseline', value: 3 }]);
  assert.deepStrictEqual(
    r.cohorts.map((c) => c.empty),
    [false, true],
  );
  assert.deepStrictEqual(source.stats(), { queries: 2, empty: { baseline: 0, canary: 1 }, errors: {} });
});

async function failure(p: Promise<unknown>): Promise<PromqlError> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof PromqlError, `not a PromqlError: ${String(error)}`);
    return error;
  }
  assert.fail('expected a PromqlError');
}

test('errors: syntax (400 bad_data), execution (422), proxy 502 HTML, 2xx non-API body, template', async () => {
  const source = createPromqlSource({ url: base, timeoutMs: 2000, stepMs: 1000 });
  const one = { canary: { cohort: 'c' } };
  handler = (_u, _q, res) =>
    json(res, 400, {
      status: 'error',
      errorType: 'bad_data',
      error: 'invalid parameter "query": 1:5: parse error: unexpected "}"',
    });
  let e = await failure(
    source.queryRange({ name: 'm', query: 'up{a="$cohort"}}' }, release, one, { start: 0, end: 1 }),
  );
  assert.equal(e.kind, 'bad-query');
  assert.equal(e.query, 'up{a="c"}}');
  assert.equal(e.extra.status, 400);
  assert.match(e.message, /parse error/);
  assert.match(e.message, /up\{a="c"\}\}/);
  assert.equal(e.transient, false);

  handler = (_u, _q, res) =>
    json(res, 422, { status: 'error', errorType: 'execution', error: 'many-to-many matching not allowed' });
  e = await failure(source.queryInstant({ name: 'm', query: 'up' }, release, one));
  assert.equal(e.kind, 'execution');
  assert.equal(e.extra.errorType, 'execution');

  handler = (_u, _q, res) => {
    res.writeHead(502, { 'Content-Type': 'text/html' });
    res.end('<html>Bad Gateway</html>');
  };
  e = await failure(source.queryInstant({ name: 'm', query: 'up' }, release, one));
  assert.equal(e.kind, 'http');
  assert.equal(e.extra.status, 502);
  assert.match(e.message, /Bad Gateway/);
  assert.equal(e.transient, true);

  handler = (_u, _q, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<html>login</html>');
  };
  e = await failure(source.queryInstant({ name: 'm', query: 'up' }, release, one));
  assert.equal(e.kind, 'bad-response');

  handler = (_u, _q, res) =>
    json(res, 200, {
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, 'lots']] }] },
    });
  e = await failure(source.queryRange({ name: 'm', query: 'up' }, release, one, { start: 0, end: 1 }));
  assert.equal(e.kind, 'bad-response');
  assert.match(e.message, /"lots" is not a number/);

  e = await failure(source.queryRange({ name: 'm', query: 'up{a="$tenant"}' }, release, one, { start: 0, end: 1 }));
  assert.equal(e.kind, 'template');
  e = await failure(source.queryRange({ name: 'm' }, release, one, { start: 0, end: 1 }));
  assert.equal(e.kind, 'template');
  assert.deepStrictEqual(source.stats().errors, {
    'bad-query': 1,
    execution: 1,
    http: 1,
    'bad-response': 2,
    template: 2,
  });
});

test('errors: timeout and a closed port', async () => {
  handler = () => {
    /* never answers */
  };
  const slow = createPromqlSource({ url: base, timeoutMs: 200, stepMs: 1000 });
  const t0 = Date.now();
  let e = await failure(slow.queryInstant({ name: 'm', query: 'up' }, release, { baseline: {} }));
  assert.equal(e.kind, 'timeout');
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(e.transient, true);

  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const down = createPromqlSource({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000, stepMs: 1000 });
  e = await failure(down.queryRange({ name: 'm', query: 'up' }, release, { canary: {} }, { start: 0, end: 1 }));
  assert.equal(e.kind, 'unreachable');
  assert.match(e.message, /ECONNREFUSED/);
  // the non-answering server's pending request is closed by the client timeout; drop sockets so `after` can close
  server.closeAllConnections();
});

test('options are validated', () => {
  assert.throws(() => createPromqlSource({ url: base, timeoutMs: 0, stepMs: 1000 }), RangeError);
  assert.throws(() => createPromqlSource({ url: base, timeoutMs: 10, stepMs: 0 }), RangeError);
});
