/**
 * `GET /openapi.json`: OpenAPI 3.1 generated from the zod schemas that validate the requests
 * (wireFormat.ts, analyzer/validation.ts) with `z.toJSONSchema` — JSON Schema 2020-12, which OpenAPI 3.1
 * uses as is — so the description cannot drift from what the gate enforces.
 */
import { z } from 'zod';
import {
  approvalBodySchema,
  checkpointBodySchema,
  wireReleaseSchema,
  closeBodySchema,
  errorSchema,
  flaggerPayloadSchema,
  listQuerySchema,
  metricVerdictSchema,
  registerBodySchema,
  specBodySchema,
  verdictSchema,
} from './wireFormat.ts';
import { FLAGGER_HOOKS } from './routes/flagger.ts';

/** Component name → schema; the same objects the routes validate with. */
export const COMPONENTS = {
  Release: wireReleaseSchema,
  MetricSpecSet: specBodySchema,
  RegisterRelease: registerBodySchema,
  CloseRelease: closeBodySchema,
  BackupCheckpoint: checkpointBodySchema,
  Approval: approvalBodySchema,
  FlaggerWebhook: flaggerPayloadSchema,
  MetricVerdict: metricVerdictSchema,
  Verdict: verdictSchema,
  Error: errorSchema,
} as const;
type ComponentName = keyof typeof COMPONENTS;

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string; examples?: unknown[] }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) {
    const examples = (z.globalRegistry.get(schema) as { examples?: unknown[] } | undefined)?.examples;
    registry.add(schema, examples ? { id, examples } : { id });
  }
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  for (const s of Object.values(schemas)) {
    delete (s as Record<string, unknown>).$id;
    delete (s as Record<string, unknown>).$schema;
  }
  return schemas;
}

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), json('Error', ERROR_TEXT[code] ?? 'error')]));
const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (details name each field)',
  401: 'missing or unknown token (WWW-Authenticate)',
  403: 'role too low',
  404: 'unknown release',
  409: 'conflict (already registered, or not active)',
  413: 'body larger than the limit',
  415: 'the body is not JSON (send Content-Type: application/json)',
  423: 'a freeze window refuses this class (the reason is in `error`)',
};
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' },
};
const body = (name: ComponentName, required = true) => ({
  required,
  content: { 'application/json': { schema: ref(name) } },
});
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

function queryParameters(): unknown[] {
  const schema = z.toJSONSchema(listQuerySchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, unknown>;
  };
  return Object.entries(schema.properties).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
}

function scorecardParameters(): unknown[] {
  const description =
    'RFC 3339 date or date-time, 2000-01-01 to 2100-01-01; `from` before `to` (default: `to` now, `from` 90 days before)';
  return ['from', 'to'].map((name) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: { type: 'string', format: 'date-time' },
  }));
}

const HOOK_TEXT: Record<(typeof FLAGGER_HOOKS)[number], string> = {
  'confirm-rollout': '200 lets Flagger start the canary; 409 holds it (retried every interval).',
  'pre-rollout': '200 lets Flagger route traffic; 409 counts as a failed check.',
  rollout:
    'An analysis check at every interval: 409 (rollback or reduce-traffic) halts the advance and counts against the threshold; 200 otherwise.',
  'confirm-promotion': '200 only for decision promote; 409 holds the promotion.',
  rollback:
    'Inverted: 200 makes Flagger roll back (decision rollback or reduce-traffic, or the release aborted); 409 lets it carry on.',
};

export function buildOpenApi(version = '0.1.0'): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    '/api/v1/releases': {
      post: {
        summary: 'Register a release (operator)',
        operationId: 'registerRelease',
        requestBody: body('RegisterRelease'),
        responses: {
          201: ok(
            "registered; Location names the release; `power` says per metric what the window can detect at the spec's expected traffic, `warnings` which tolerances it cannot reach. 409: the id is already registered, whatever its status (a quarantined release included: register the fixed release under a new id)",
          ),
          ...errors(400, 401, 403, 409, 413, 423, 415),
        },
      },
      get: {
        summary: 'List releases (reader)',
        operationId: 'listReleases',
        parameters: queryParameters(),
        responses: { 200: ok('{ releases: [...] }'), ...errors(400, 401, 403) },
      },
    },
    '/api/v1/releases/{id}': {
      get: {
        summary: 'A release with its verdict timeline (reader)',
        operationId: 'getRelease',
        parameters: [idParam],
        responses: {
          200: ok(
            'the release, its governed verdict, timeline and checkpoints; `status` is active, completed, aborted, superseded — closed because a newer release of the same service, environment and tenant was registered, named by `supersededBy` — or quarantined — closed by the analysis because it failed on this release (last verdict inconclusive, "analysis stopped: …; a human decides"; the audit entry release.quarantine gives the error)',
          ),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/api/v1/releases/{id}/verdict': {
      get: {
        summary: 'Current governed verdict (reader) — the Argo Rollouts web metric',
        description:
          'Always 200 with the Verdict for every decision, inconclusive included; from registration: the engine takes a first look when the release is registered — decision continue, reason "warming up at registration: …" with the minutes of the window left (never promote, never inconclusive for being new); until that look is stored the gate answers the same with "warming up: no look taken yet". Argo Rollouts: jsonPath "{$.decision}"; see examples/argo-rollouts for the background analysis (fails on rollback or reduce-traffic) and the final step (passes only on promote). A superseded release (a newer release of the same service, environment and tenant was registered) and a quarantined one (its analysis failed) answer inconclusive whatever their last judgement: neither was promoted, so neither passes a promotion step; the first reason says why ("superseded by X: no longer judged").',
        operationId: 'getVerdict',
        parameters: [idParam],
        responses: { 200: json('Verdict', 'the current verdict'), ...errors(400, 401, 403, 404) },
      },
    },
    '/api/v1/releases/{id}/complete': {
      post: {
        summary: 'Close as completed (operator)',
        operationId: 'completeRelease',
        parameters: [idParam],
        requestBody: body('CloseRelease', false),
        responses: { 200: ok('closed'), ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    '/api/v1/releases/{id}/abort': {
      post: {
        summary: 'Close as aborted (operator)',
        operationId: 'abortRelease',
        parameters: [idParam],
        requestBody: body('CloseRelease', false),
        responses: { 200: ok('closed'), ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    '/api/v1/releases/{id}/checkpoints': {
      post: {
        summary: 'Record a pre-release backup (operator)',
        operationId: 'recordCheckpoint',
        parameters: [idParam],
        requestBody: body('BackupCheckpoint'),
        responses: { 201: ok('recorded'), ...errors(400, 401, 403, 404, 409, 415) },
      },
      get: {
        summary: 'Recorded backups (reader)',
        operationId: 'listCheckpoints',
        parameters: [idParam],
        responses: { 200: ok('{ checkpoints: [...] }'), ...errors(400, 401, 403, 404) },
      },
    },
    '/api/v1/releases/{id}/approvals': {
      post: {
        summary: 'Approve promotion (operator other than the registrant)',
        operationId: 'approveRelease',
        parameters: [idParam],
        requestBody: body('Approval', false),
        responses: { 201: ok('{ approvals, required }'), ...errors(400, 401, 403, 404, 409, 415) },
      },
    },
    '/api/v1/specs': {
      get: {
        summary: 'Stored spec names (reader)',
        operationId: 'listSpecs',
        responses: { 200: ok('{ specs: [...] }'), ...errors(401, 403) },
      },
    },
    '/api/v1/specs/{name}': {
      put: {
        summary: 'Store a metric spec (admin)',
        operationId: 'putSpec',
        parameters: [{ ...idParam, name: 'name' }],
        requestBody: body('MetricSpecSet'),
        responses: { 200: ok('replaced'), 201: ok('stored'), ...errors(400, 401, 403, 413, 415) },
      },
      get: {
        summary: 'A stored spec (reader)',
        operationId: 'getSpec',
        parameters: [{ ...idParam, name: 'name' }],
        responses: { 200: ok('{ name, spec }'), ...errors(400, 401, 403, 404) },
      },
    },
    '/api/v1/governance': {
      get: {
        summary: 'Effective release classes and freeze windows (reader)',
        operationId: 'getGovernance',
        responses: { 200: ok('{ classes, freezes }'), ...errors(401, 403) },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus exposition of verdicts (reader)',
        operationId: 'metrics',
        responses: {
          200: { description: 'text/plain; version=0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errors(401, 403),
        },
      },
    },
    '/healthz': {
      get: {
        summary: 'Liveness (503 when the process can no longer judge, e.g. its analysis thread exited)',
        operationId: 'healthz',
        security: [],
        responses: { 200: ok('{ status: "ok" }'), 503: ok('{ status: "failing", reason }') },
      },
    },
    '/readyz': {
      get: {
        summary: 'Readiness (the store answers)',
        operationId: 'readyz',
        security: [],
        responses: { 200: ok('ready'), 503: ok('not ready') },
      },
    },
    '/': {
      get: {
        summary: 'Index page: active releases with their live verdicts, the latest finished ones (reader)',
        operationId: 'indexPage',
        responses: {
          200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
          ...errors(401, 403),
        },
      },
    },
    '/releases/{id}': {
      get: {
        summary: "A release's page: effects with intervals, evidence, decision timeline, actions (reader)",
        operationId: 'releasePage',
        parameters: [idParam],
        responses: {
          200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/scorecards': {
      get: {
        summary: 'Release scorecards (reader)',
        operationId: 'scorecards',
        parameters: scorecardParameters(),
        responses: {
          200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
          ...errors(400, 401, 403, 404),
        },
      },
    },
  };
  for (const hook of FLAGGER_HOOKS) {
    paths[`/api/v1/flagger/${hook}`] = {
      post: {
        summary: `Flagger ${hook} webhook`,
        description: `${HOOK_TEXT[hook]} Token: Authorization: Bearer, or metadata.token in the payload. Flagger treats 200–202 as success.`,
        operationId: `flagger_${hook.replace('-', '_')}`,
        requestBody: body('FlaggerWebhook'),
        responses: {
          200: ok('success (proceed; rollback hook: roll back)'),
          409: ok('hold (rollback hook: carry on)'),
          ...errors(400, 401, 403, 404, 415),
        },
      },
    };
  }
  paths['/api/v1/flagger/post-rollout'] = {
    post: {
      summary: 'Flagger post-rollout webhook (operator): closes the release',
      description:
        'Phase Succeeded completes the release (unless its class keeps a post-release watch: then it stays active until completed or superseded); phase Failed aborts it. 200 also when the release is already closed. Token: Authorization: Bearer, or metadata.token in the payload (an operator token: the hook changes state).',
      operationId: 'flagger_post_rollout',
      requestBody: body('FlaggerWebhook'),
      responses: { 200: ok('closed, or already closed'), ...errors(400, 401, 403, 404) },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'release-health gate',
      version,
      description:
        'Verdicts that rollout controllers (Argo Rollouts, Flagger, scripts) obey; releases, governance and the audit trail.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'Roles: reader (GET), operator (register, complete, abort, checkpoints, approvals), admin (specs).',
        },
      },
    },
  };
}
