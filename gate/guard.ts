/**
 * Route guards: which role a route needs, answered per RFC 6750 — 401 with `WWW-Authenticate`
 * for a missing or unknown token, 403 (`insufficient_scope`) for a valid token whose role is too
 * low. The messages never contain the presented token.
 */
import type { MiddlewareHandler } from 'hono';
import { bearerToken, hasRole, type Identity, type Role, type TokenSet } from './auth.ts';
import { ApiError, type GateEnv } from './http.ts';

const REALM = 'Bearer realm="release-health"';

/** 401 for a request that presented no credentials: say how to authenticate. */
export function authenticationRequired(): ApiError {
  return new ApiError(401, 'authentication required: send Authorization: Bearer <token>', undefined, {
    'WWW-Authenticate': REALM,
  });
}

/** 401 for credentials that are unknown or not a Bearer token (RFC 6750 `invalid_token`). */
export function invalidToken(): ApiError {
  return new ApiError(401, 'invalid token', undefined, { 'WWW-Authenticate': `${REALM}, error="invalid_token"` });
}

export function forbidden(identity: Identity, needed: Role): ApiError {
  return new ApiError(403, `token "${identity.name}" has role ${identity.role}; this needs ${needed}`, undefined, {
    'WWW-Authenticate': `${REALM}, error="insufficient_scope"`,
  });
}

/** Checks a presented token against a role; throws the 401/403 `ApiError`. */
export function authorize(tokens: TokenSet, token: string | undefined, needed: Role): Identity {
  const identity = tokens.verify(token);
  if (!identity) throw token === undefined ? authenticationRequired() : invalidToken();
  if (!hasRole(identity.role, needed)) throw forbidden(identity, needed);
  return identity;
}

export interface GuardOptions {
  tokens: TokenSet;
  allowAnonymousRead: boolean;
}

/** `requires('operator')` as route middleware; sets `identity` for the audit trail. */
export function makeGuard({ tokens, allowAnonymousRead }: GuardOptions): (needed: Role) => MiddlewareHandler<GateEnv> {
  return (needed) => async (c, next) => {
    const header = c.req.header('authorization');
    const token = bearerToken(header);
    if (header !== undefined && token === undefined) throw invalidToken(); // e.g. Basic, or a malformed Bearer
    if (token === undefined && needed === 'reader' && allowAnonymousRead) {
      c.set('identity', undefined);
      return next();
    }
    c.set('identity', authorize(tokens, token, needed));
    return next();
  };
}
