/**
 * The Traefik fixture and the virtual Traefik against Traefik v3's own source. The table below is
 * transcribed from traefik/traefik `pkg/metrics/prometheus.go` (tag v3.0) and
 * `pkg/observability/metrics/prometheus.go` (tag v3.6, same names): `initStandardRegistry` —
 * metric names, HELP texts, label names, and `buckets := []float64{0.1, 0.3, 1.2, 5.0}` unless
 * `--metrics.prometheus.buckets` is set. Label values: `protocol` is one of http, grpc, grpc-web,
 * sse, websocket (pkg/middlewares/metrics/metrics.go); `traefik_open_connections` uses TCP/UDP.
 * Traefik v3 has no `traefik_service_open_connections` (v2 had it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createRng, VirtualTraefik } from '../../simulator/index.ts';
import { parseExposition } from './parse.ts';
import type { MetricFamily } from './types.ts';

const TRAEFIK_V3_DEFAULT_BUCKETS = [0.1, 0.3, 1.2, 5];
const PROTOCOLS = new Set(['http', 'grpc', 'grpc-web', 'sse', 'websocket']);

const TRAEFIK_V3: Record<string, { type: string; help: string; labels: string[] }> = {
  traefik_config_reloads_total: { type: 'counter', help: 'Config reloads', labels: [] },
  traefik_config_last_reload_success: { type: 'gauge', help: 'Last config reload success', labels: [] },
  traefik_open_connections: {
    type: 'gauge',
    help: 'How many open connections exist, by entryPoint and protocol',
    labels: ['entrypoint', 'protocol'],
  },
  traefik_entrypoint_requests_total: {
    type: 'counter',
    help: 'How many HTTP requests processed on an entrypoint, partitioned by status code, protocol, and method.',
    labels: ['code', 'method', 'protocol', 'entrypoint'],
  },
  traefik_entrypoint_request_duration_seconds: {
    type: 'histogram',
    help: 'How long it took to process the request on an entrypoint, partitioned by status code, protocol, and method.',
    labels: ['code', 'method', 'protocol', 'entrypoint'],
  },
  traefik_service_requests_total: {
    type: 'counter',
    help: 'How many HTTP requests processed on a service, partitioned by status code, protocol, and method.',
    labels: ['code', 'method', 'protocol', 'service'],
  },
  traefik_service_request_duration_seconds: {
    type: 'histogram',
    help: 'How long it took to process the request on a service, partitioned by status code, protocol, and method.',
    labels: ['code', 'method', 'protocol', 'service'],
  },
  traefik_service_retries_total: {
    type: 'counter',
    help: 'How many request retries happened on a service.',
    labels: ['service'],
  },
  traefik_service_server_up: {
    type: 'gauge',
    help: 'service server is up, described by gauge value of 0 or 1.',
    labels: ['service', 'url'],
  },
};

function check(families: MetricFamily[], where: string, defaultBuckets: boolean): void {
  assert.ok(families.length > 0, where);
  for (const f of families) {
    const spec = TRAEFIK_V3[f.name];
    assert.ok(spec, `${where}: ${f.name} is not a Traefik v3 metric`);
    assert.equal(f.type, spec.type, `${where}: ${f.name} type`);
    assert.equal(f.help, spec.help, `${where}: ${f.name} HELP`);
    for (const s of f.samples) {
      const names = Object.keys(s.labels)
        .filter((l) => l !== 'le')
        .sort();
      assert.deepEqual(names, [...spec.labels].sort(), `${where}: ${s.name} labels`);
      if (s.labels.protocol !== undefined && f.name !== 'traefik_open_connections')
        assert.ok(PROTOCOLS.has(s.labels.protocol), `${where}: protocol ${s.labels.protocol}`);
    }
    if (f.type === 'histogram' && defaultBuckets) {
      const edges = [...new Set(f.samples.filter((s) => s.labels.le !== undefined).map((s) => s.labels.le))];
      assert.deepEqual(
        edges,
        [...TRAEFIK_V3_DEFAULT_BUCKETS.map(String), '+Inf'],
        `${where}: ${f.name} default buckets`,
      );
    }
  }
}

test('the Traefik v3 fixture: every name, HELP, label set and the default buckets are Traefik v3 source', () => {
  const text = readFileSync(new URL('./testdata/traefik_v3.prom', import.meta.url), 'utf8');
  check(parseExposition(text, { format: 'prometheus' }).families, 'traefik_v3.prom', true);
});

test('the virtual Traefik exposes Traefik v3 names, HELP and labels (its buckets are configurable, as Traefik’s are)', () => {
  const t = new VirtualTraefik({
    services: [{ name: 'odoo-canary@file', medianSeconds: 0.2, sigma: 0.5, errorRatio: 0.05 }],
    weights: { 'odoo-canary@file': 1 },
    requestsPerSecond: () => 50,
    rng: createRng(3, 'traefik-v3-names'),
    startAt: 0,
    buckets: TRAEFIK_V3_DEFAULT_BUCKETS,
  });
  t.advance(60_000);
  check(parseExposition(t.exposition(), { format: 'prometheus' }).families, 'VirtualTraefik', true);
});
