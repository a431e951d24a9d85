/**
 * The `/metrics` listener of each part that exposes its own metrics (collector, odoo-exporter,
 * analysis workers): a GET on the path answers the text `collect()` gives, a failed collection
 * 500 with its message, anything else 404 naming the path. Our own `node:http` server rather than
 * the OpenTelemetry exporter's (see exposition.ts) so that port 0 works (tests) and `close()` is
 * the caller's, with the rest of its part.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsListenOptions {
  host: string;
  port: number;
  /** default `/metrics` */
  path?: string;
}

export interface MetricsListener {
  /** `http://host:port/path`, with the port actually bound */
  readonly url: string;
  /** stops listening and drops open connections; idempotent */
  close(): Promise<void>;
}

export async function listenForMetrics(
  collect: () => Promise<string>,
  { host, port, path = '/metrics' }: MetricsListenOptions,
): Promise<MetricsListener> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url ?? '/').split('?')[0] === path) {
      collect().then(
        (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
        (error: unknown) =>
          res
            .writeHead(500, { 'content-type': 'text/plain' })
            .end(`# failed to collect metrics: ${(error as Error).message}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; metrics are at ${path}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}${path}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
