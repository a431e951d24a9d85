/**
 * The gate's HTTP application: releases, verdicts, the Argo Rollouts and Flagger
 * contracts, specs, governance, `/metrics`, probes and `/openapi.json`, behind bearer-token roles.
 * `createGateApp` builds it without listening (tests can call `app.request`); `startGate`
 * (server.ts) serves it.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { routePath } from 'hono/route';
import { DEFAULT_BODY_LIMIT, silentLogger, type GateDeps } from './deps.ts';
import { makeGuard } from './guard.ts';
import { ApiError, errorResponse, validate, type GateEnv } from './http.ts';
import { createGateMetrics, type GateMetrics } from './metrics.ts';
import { buildOpenApi } from './openapi.ts';
import { scorecardQuerySchema } from './wireFormat.ts';
import type { RouteContext } from './routes/context.ts';
import { flaggerRoutes } from './routes/flagger.ts';
import { pageRoutes } from './routes/pages.ts';
import { releaseRoutes } from './routes/releases.ts';
import { specRoutes } from './routes/specs.ts';
import { verdictRoutes } from './routes/verdict.ts';
import type { VerdictSink } from '../pipeline/index.ts';
import { VerdictCache } from './verdictCache.ts';

export interface GateApp extends Hono<GateEnv> {
  /** the gate's metrics (also served at /metrics) */
  readonly gateMetrics: GateMetrics;
  /** add to the pipeline's sinks (same process): verdicts reach the verdict endpoint without waiting for the cache to expire */
  readonly verdictSink: VerdictSink;
  /** the cache the verdict endpoint answers from (the server's fast path reads it too) */
  readonly verdictCache: VerdictCache;
  /** loads every active release into the verdict cache (startGate runs it in the background) */
  warm(): Promise<number>;
  /** releases what the app holds (the metrics provider); the store and runner belong to the caller */
  close(): Promise<void>;
}

export function createGateApp(deps: GateDeps): GateApp {
  const clock = deps.clock ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const limit = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;

  const requires = makeGuard({ tokens: deps.tokens, allowAnonymousRead: deps.allowAnonymousRead ?? false });
  const cache =
    deps.verdictCache ?? new VerdictCache(deps.store, deps.governance, { ttlMs: deps.verdictCacheMs ?? 2000 });
  const metrics = createGateMetrics({
    store: deps.store,
    governance: deps.governance,
    clock,
    inputsFor: (record) => cache.get(record.release.id),
  });
  const app = new Hono<GateEnv>();

  // Security headers on every answer, errors and 404s included. The pages (/, /scorecards,
  // /releases/{id}) are self-contained documents with an inline stylesheet and inline SVG: no script, no fetch, no
  // frame may load it. Answers carry release data and tokens authorise them, so no cache keeps
  // them (`no-store`, unless a route says otherwise).
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: 'DENY',
      strictTransportSecurity: false, // served behind a TLS-terminating proxy or on loopback; the proxy owns HSTS
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });

  // Access log and request counter: method, route pattern, status, duration, token NAME. Never the
  // Authorization header, the query string or a body (Flagger's carries a token in metadata).
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = routePath(c, -1);
    metrics.recordRequest(c.req.method, route, c.res.status);
    const fields = {
      method: c.req.method,
      route,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      actor: c.get('identity')?.name,
    };
    if (c.res.status >= 500) logger.error(fields, 'request failed');
    else logger.info(fields, 'request');
  });
  // Connection: close — the rest of the refused body is never read, so the socket cannot carry another request
  const limitBody = bodyLimit({
    maxSize: limit,
    onError: (c) => c.json({ error: `request body larger than ${limit} bytes` }, 413, { connection: 'close' }),
  });
  // Only where a body is read: the limiter reads `c.req.raw.body`, which makes @hono/node-server
  // build a full fetch Request (with an AbortController) for every request — the largest item of
  // the polled verdict GET's CPU profile. GET and HEAD handlers never read a body.
  app.use('*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));

  app.get('/healthz', (c) => {
    const failing = deps.liveness?.();
    return failing === undefined ? c.json({ status: 'ok' }) : c.json({ status: 'failing', reason: failing }, 503);
  });
  app.get('/readyz', async (c) => {
    const ready = await deps.store.ping().catch(() => false);
    return c.json({ status: ready ? 'ready' : 'store unavailable', store: deps.store.kind }, ready ? 200 : 503);
  });
  const openapi = JSON.stringify(buildOpenApi());
  app.get('/openapi.json', (c) => c.body(openapi, 200, { 'content-type': 'application/json' }));
  app.get('/metrics', requires('reader'), async (c) =>
    c.body(await metrics.collect(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
  app.get('/scorecards', requires('reader'), async (c) => {
    if (!deps.scorecardPage) throw new ApiError(404, 'scorecards are not configured on this server');
    const query = validate(scorecardQuerySchema, c.req.query(), 'query');
    // without `to` the page ends now: a `from` in the future would be an empty, inverted period
    if (query.from !== undefined && query.to === undefined && query.from >= clock())
      throw new ApiError(400, 'invalid query', ['from: must be before `to` (default: now)']);
    const page: Record<string, string> = {};
    if (query.from !== undefined) page.from = new Date(query.from).toISOString();
    if (query.to !== undefined) page.to = new Date(query.to).toISOString();
    return c.html(await deps.scorecardPage(page));
  });

  const context: RouteContext = { app, deps, clock, logger, requires, cache };
  releaseRoutes(context);
  verdictRoutes(context);
  specRoutes(context);
  flaggerRoutes(context);
  pageRoutes(context);

  // A known path with a method it does not serve is 405 with `Allow` (RFC 9110 §15.5.6), not 404:
  // schemathesis's unsupported-method check found TRACE/OPTIONS answered as unknown routes.
  const allowed = allowedMethods(app.routes);
  app.notFound((c) => {
    const methods = allowed(c.req.path);
    if (methods.length > 0)
      return c.json({ error: `method ${c.req.method} not allowed on ${c.req.path}` }, 405, {
        allow: methods.join(', '),
      });
    return c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404);
  });
  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(c, error);
    // the message only: a stack or a driver error's parameters could carry request data
    logger.error({ route: routePath(c, -1), err: error.message, name: error.name }, 'unhandled error');
    return c.json({ error: 'internal error' }, 500);
  });

  return Object.assign(app, {
    gateMetrics: metrics,
    verdictSink: cache.sink,
    verdictCache: cache,
    warm: () => cache.warm(),
    close: () => metrics.close(),
  });
}

/** Path → the methods some route serves there; built once from the registered routes. */
function allowedMethods(routes: readonly { method: string; path: string }[]): (path: string) => string[] {
  const patterns = new Map<string, { re: RegExp; methods: Set<string> }>();
  for (const r of routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue; // middleware
    const entry = patterns.get(r.path) ?? {
      re: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}$`),
      methods: new Set<string>(),
    };
    entry.methods.add(r.method);
    if (r.method === 'GET') entry.methods.add('HEAD'); // hono answers HEAD with the GET route
    patterns.set(r.path, entry);
  }
  return (path) => {
    const methods = new Set<string>();
    for (const { re, methods: m } of patterns.values()) if (re.test(path)) for (const x of m) methods.add(x);
    return [...methods].sort();
  };
}
