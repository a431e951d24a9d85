/** Serves the gate over HTTP with `@hono/node-server`; port 0 picks a free port (see `url`). */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createGateApp, type GateApp } from './app.ts';
import { silentLogger, type GateDeps } from './deps.ts';
import { createFastPath } from './fastPath.ts';

export interface GateListenOptions {
  /** default 127.0.0.1; 0.0.0.0 in a container */
  host?: string;
  /** default 8080; 0 picks a free port */
  port?: number;
}

export interface RunningGate {
  /** base URL actually served, e.g. http://127.0.0.1:43121 */
  readonly url: string;
  readonly app: GateApp;
  /** requests answered by the fast path (fastPath.ts) rather than the app */
  fastAnswers(): number;
  /** stops accepting, ends open connections, releases the app; idempotent. The store and runner stay the caller's. */
  close(): Promise<void>;
}

export async function startGate(deps: GateDeps, options: GateListenOptions = {}): Promise<RunningGate> {
  for (const key of Object.keys(options))
    if (key !== 'host' && key !== 'port') throw new TypeError(`unknown listen option "${key}"; known: host, port`);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError(`port must be an integer 0..65535, got ${String(port)}`);
  const app = createGateApp(deps);
  // the headers the app's middleware puts on every answer, read from the app itself
  const health = await app.request('/healthz');
  const commonHeaders: Record<string, string> = {};
  health.headers.forEach((value, name) => {
    if (name !== 'content-type' && name !== 'content-length') commonHeaders[name] = value;
  });
  const fastPath = createFastPath({
    tokens: deps.tokens,
    allowAnonymousRead: deps.allowAnonymousRead ?? false,
    cache: app.verdictCache,
    metrics: app.gateMetrics,
    logger: deps.logger ?? silentLogger,
    clock: deps.clock ?? Date.now,
    commonHeaders,
    health: { body: await health.text(), contentType: health.headers.get('content-type') ?? 'application/json' },
    ...(deps.liveness ? { liveness: deps.liveness } : {}),
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  // the polled answers first (fastPath.ts); everything else to the app as before
  const appListeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (fastPath.handle(req, res)) return;
    for (const listener of appListeners) listener.call(server, req, res);
  });
  // warm the verdict cache in the background: the port is open at once, first polls may read the store
  app.warm().then(
    (count) => deps.logger?.info({ releases: count }, 'verdict cache warmed'),
    (error: unknown) =>
      deps.logger?.warn({ err: (error as Error).message }, 'verdict cache warm-up failed; reading the store on demand'),
  );
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    app,
    fastAnswers: () => fastPath.answered,
    close() {
      closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await app.close();
      })();
      return closing;
    },
  };
}
