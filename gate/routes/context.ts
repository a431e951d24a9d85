import type { Hono, MiddlewareHandler } from 'hono';
import type { Role } from '../auth.ts';
import type { GateDeps, GateLogger } from '../deps.ts';
import type { GateEnv } from '../http.ts';
import type { VerdictCache } from '../verdictCache.ts';

/** What every route module receives from `createGateApp`. */
export interface RouteContext {
  app: Hono<GateEnv>;
  deps: GateDeps;
  clock: () => number;
  logger: GateLogger;
  requires: (role: Role) => MiddlewareHandler<GateEnv>;
  cache: VerdictCache;
}
