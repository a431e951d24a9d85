/**
 * Request plumbing shared by the routes: one JSON error shape `{ error, details? }`, bounded and
 * strict JSON parsing, zod validation whose messages name the field, and release-id checks.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { formatIssues } from '../analyzer/index.ts';
import { duplicateKeyProblem, storedTextProblem } from '../analyzer/strictJson.ts';
import type { Identity } from './auth.ts';

/** What every route's context carries. */
export type GateEnv = { Variables: { identity: Identity | undefined } };
export type GateContext = Context<GateEnv>;

/** An error the client caused (or a refused state change), answered as JSON with its status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const RELEASE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** JSON nesting deeper than this is refused before validation (no legitimate body comes close). */
export const MAX_JSON_DEPTH = 32;

export function errorResponse(c: Context, error: ApiError): Response {
  for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
  const body: { error: string; details?: unknown } = { error: error.message };
  if (error.details !== undefined) body.details = error.details;
  return c.json(body, error.status);
}

/** Depth of a parsed JSON value, iteratively (a hostile body must not exhaust the stack here). */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** `application/json` or a `+json` type, any parameters (`; charset=utf-8`). */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * The request body as JSON. The size limit is enforced before this by the body-limit middleware
 * (413). Empty bodies are `undefined` when `optional`. A body whose Content-Type is not JSON is
 * 415 (a form or text/plain post is not what the client meant to send, and a browser can send one
 * cross-site without a preflight); malformed, too deeply nested, duplicate or `__proto__` keys,
 * NUL and lone surrogates are 400 naming the field (analyzer/strictJson.ts).
 */
export async function readJson(c: GateContext, optional = false): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (optional) return undefined;
    throw new ApiError(400, 'request body required', ['(root): expected a JSON object']);
  }
  const type = c.req.header('content-type');
  if (type === undefined || !JSON_MEDIA_TYPE.test(type)) {
    throw new ApiError(
      415,
      'request body must be JSON',
      [
        `content-type: expected application/json, got ${type === undefined ? 'none' : JSON.stringify(type.slice(0, 100))}`,
      ],
      { accept: 'application/json' },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'request body is not valid JSON', [(error as Error).message.slice(0, 200)]);
  }
  if (jsonDepth(value) > MAX_JSON_DEPTH)
    throw new ApiError(400, 'request body is nested too deeply', [`(root): more than ${MAX_JSON_DEPTH} levels`]);
  // PostgreSQL text and jsonb cannot hold U+0000; a lone surrogate is not a character; a repeated
  // or `__proto__` key is silently changed by JSON.parse and object copies
  const problem = duplicateKeyProblem(text) ?? storedTextProblem(value);
  if (problem !== undefined) throw new ApiError(400, 'invalid request body', [`${problem.path}: ${problem.message}`]);
  return value;
}

/** Validates with a zod schema; a failure is a 400 whose details name each field (`release.startedAt: ...`). */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what = 'request body',
  prefix?: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = formatIssues(result.error).map((line) =>
    prefix ? `${prefix}${line.startsWith('(root)') ? line.slice(6) : `.${line}`}` : line,
  );
  throw new ApiError(400, `invalid ${what}`, details);
}

/** The `{id}` path parameter, validated (400 otherwise). */
export function releaseIdParam(c: GateContext): string {
  const id = c.req.param('id') ?? '';
  if (!RELEASE_ID.test(id))
    throw new ApiError(400, 'invalid release id', [
      `id: letters, digits and . _ : - only, starting with a letter or digit (max 128)`,
    ]);
  return id;
}

/** The authenticated caller's name for the audit trail ('anonymous' only on anonymous reads). */
export const actorOf = (c: GateContext): string => c.get('identity')?.name ?? 'anonymous';
