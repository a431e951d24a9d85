/**
 * Odoo's external JSON-RPC API (`POST /jsonrpc`, odoo/http.py + odoo/service/{common,model}.py,
 * 16.0–18.0): `common.authenticate(db, login, password_or_api_key, user_agent_env)` → uid (or
 * false), then `object.execute_kw(db, uid, api_key, model, method, args, kwargs)`. API keys
 * (Preferences → Account Security) are accepted wherever the password is.
 */

export type Domain = (string | [string, string, unknown])[];

export class OdooRpcError extends Error {
  override name = 'OdooRpcError';
  constructor(
    message: string,
    readonly odooName?: string,
  ) {
    super(message);
  }
}

export interface JsonRpcClientOptions {
  /** server base URL, e.g. https://shop.odoo.com */
  url: string;
  database: string;
  login: string;
  apiKey: () => string;
  timeoutMs: number;
}

export interface JsonRpcClient {
  /** `object.execute_kw` (authenticates first, and again after an access error) */
  executeKw<T>(model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>): Promise<T>;
}

export function createJsonRpcClient(opts: JsonRpcClientOptions): JsonRpcClient {
  const endpoint = `${opts.url.replace(/\/$/, '')}/jsonrpc`;
  let id = 0;
  let uid: number | undefined;

  const call = async <T>(service: string, method: string, args: unknown[]): Promise<T> => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: ++id }),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    if (!res.ok) throw new OdooRpcError(`${endpoint}: HTTP ${res.status}`);
    const body = (await res.json()) as {
      result?: T;
      error?: { message?: string; data?: { name?: string; message?: string } };
    };
    if (body.error) {
      const e = body.error;
      throw new OdooRpcError(`${service}.${method}: ${e.data?.message ?? e.message ?? 'Odoo error'}`, e.data?.name);
    }
    return body.result as T;
  };

  const authenticate = async (): Promise<number> => {
    const result = await call<number | false>('common', 'authenticate', [opts.database, opts.login, opts.apiKey(), {}]);
    if (typeof result !== 'number')
      throw new OdooRpcError(
        `authentication failed for ${opts.login} on ${opts.database}`,
        'odoo.exceptions.AccessDenied',
      );
    return result;
  };

  return {
    async executeKw<T>(
      model: string,
      method: string,
      args: unknown[],
      kwargs: Record<string, unknown> = {},
    ): Promise<T> {
      uid ??= await authenticate();
      try {
        return await call<T>('object', 'execute_kw', [opts.database, uid, opts.apiKey(), model, method, args, kwargs]);
      } catch (err) {
        if ((err as OdooRpcError).odooName === 'odoo.exceptions.AccessDenied') uid = undefined; // key rotated: log in again next time
        throw err;
      }
    },
  };
}

/** Odoo's datetime format in domains (UTC, no zone, whole seconds). */
export function odooDatetime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses an Odoo datetime string (UTC) to epoch ms. */
export function parseOdooDatetime(s: string): number {
  return Date.parse(`${s.replace(' ', 'T')}Z`);
}
