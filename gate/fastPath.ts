/**
 * The two answers polled the most — a release's verdict (Argo Rollouts, Flagger, every few
 * seconds per release) and `/healthz` (probes) — straight from node:http, without the router:
 * at 2,000 verdict GETs per second the framework's request and response objects, middleware
 * chain and header building cost about four times what the answer itself does, and on a loaded
 * machine that difference is the queue. Same checks, same bytes: the token is verified by the
 * guard's own `authorize`, the body is the verdict route's (`VerdictCache.body`), the headers are
 * the ones the app's middleware sets (captured from the app itself at start), the request is
 * counted and logged as the app does. Anything else — another path, a query string, no fresh
 * cache entry, a missing or wrong token — goes to the app unchanged, which then answers
 * (and refuses) exactly as before. `gate/fastPath.test.ts` compares both answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../analyzer/logger.ts';
import { bearerToken, type TokenSet } from './auth.ts';
import { authorize } from './guard.ts';
import { RELEASE_ID } from './http.ts';
import type { GateMetrics } from './metrics.ts';
import type { VerdictCache } from './verdictCache.ts';

export interface FastPathDeps {
  tokens: TokenSet;
  allowAnonymousRead: boolean;
  cache: VerdictCache;
  metrics: GateMetrics;
  logger: Logger;
  clock: () => number;
  /** the headers the app sets on every answer (security headers, cache-control), lower-case names */
  commonHeaders: Record<string, string>;
  /** `/healthz`'s body and content type as the app answers them */
  health: { body: string; contentType: string };
  /** GateDeps.liveness: while it gives a reason, `/healthz` goes to the app, which answers 503 */
  liveness?: () => string | undefined;
}

const VERDICT_PATH = /^\/api\/v1\/releases\/([^/?#]+)\/verdict$/;
const VERDICT_ROUTE = '/api/v1/releases/:id/verdict';

export interface FastPath {
  /** answers the request if it is one of the fast ones; false: the caller hands it to the app */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** requests answered here so far */
  readonly answered: number;
}

export function createFastPath(d: FastPathDeps): FastPath {
  let answered = 0;
  const countHealth = d.metrics.requestCounter('GET', '/healthz', 200);
  const countVerdict = d.metrics.requestCounter('GET', VERDICT_ROUTE, 200);
  // pino at level warn (serve's default) drops these lines: then neither the fields nor the timing are built
  const isLevelEnabled = (d.logger as Partial<{ isLevelEnabled(level: string): boolean }>).isLevelEnabled;
  const logsRequests = () => isLevelEnabled === undefined || isLevelEnabled.call(d.logger, 'info');
  const headersFor = (contentType: string, length: number): Record<string, string | number> => ({
    ...d.commonHeaders,
    'content-type': contentType,
    'content-length': length,
  });
  const health = Buffer.from(d.health.body);
  const healthHeaders = headersFor(d.health.contentType, health.length);
  // a verdict's headers differ only by the body's length: one object per length, reused
  const verdictHeaders = new Map<number, Record<string, string | number>>();
  const jsonHeaders = (length: number) => {
    let headers = verdictHeaders.get(length);
    if (headers === undefined) {
      if (verdictHeaders.size >= 4096) verdictHeaders.clear();
      headers = headersFor('application/json', length);
      verdictHeaders.set(length, headers);
    }
    return headers;
  };
  // The Authorization header a keep-alive connection last presented, and whose it was. A
  // controller polls over one connection with one token, so the token's SHA-256 (auth.ts) need not
  // be recomputed for every poll: the header is compared with what the same connection sent
  // before, never with a configured secret, so the comparison's timing tells a client only about
  // its own earlier request. Tokens are fixed for the process's life; the entry goes with the socket.
  const verified = new WeakMap<Socket, { header: string; actor: string }>();
  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || req.url === undefined) return false;
    const logs = logsRequests();
    const started = logs ? performance.now() : 0;
    if (req.url === '/healthz') {
      if (d.liveness?.() !== undefined) return false;
      res.writeHead(200, healthHeaders);
      res.end(health);
      answered++;
      countHealth();
      if (logs) d.logger.info({ method: 'GET', route: '/healthz', status: 200, ms: elapsed(started) }, 'request');
      return true;
    }
    const match = VERDICT_PATH.exec(req.url);
    if (!match) return false;
    let id: string;
    try {
      id = decodeURIComponent(match[1]);
    } catch {
      return false;
    }
    if (!RELEASE_ID.test(id)) return false;
    const header = req.headers.authorization;
    let actor: string | undefined;
    const known = header === undefined ? undefined : verified.get(req.socket);
    if (known !== undefined && known.header === header) actor = known.actor;
    else {
      const token = bearerToken(header);
      if (token === undefined) {
        if (header !== undefined || !d.allowAnonymousRead) return false; // the app answers 401
      } else {
        try {
          actor = authorize(d.tokens, token, 'reader').name;
        } catch {
          return false; // the app answers 401/403 with its headers
        }
        verified.set(req.socket, { header: header!, actor });
      }
    }
    const inputs = d.cache.peek(id);
    if (!inputs) return false; // the app reads the store (and answers 404 for an unknown id)
    const body = d.cache.bodyBytes(inputs, d.clock());
    res.writeHead(200, jsonHeaders(body.length));
    res.end(body);
    answered++;
    countVerdict();
    if (logs)
      d.logger.info({ method: 'GET', route: VERDICT_ROUTE, status: 200, ms: elapsed(started), actor }, 'request');
    return true;
  };
  return {
    handle,
    get answered() {
      return answered;
    },
  };
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;
