/**
 * A real HTTP receiver (node:http on 127.0.0.1:0) whose answers follow a script, for the action
 * contract (`actionContract.ts`): each request meets the next outcome — `ok` (200 with a JSON
 * body), `fail` (503: the receiver may come back), `refuse` (400: it will not), `hang` (no answer:
 * the sender's timeout must end it) — and `ok` once the script is spent. Failure answers echo
 * everything the request carried (URL, headers, body), as careless receivers do, so a test sees
 * whether the sender lets that echo leak a secret into its records.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Outcome = 'ok' | 'fail' | 'refuse' | 'hang';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  outcome: Outcome;
}

export interface ScriptedReceiver {
  url: string;
  received: ReceivedRequest[];
  /** the outcomes of the next requests, in turn (replaces what is left of the previous script) */
  script(outcomes: readonly Outcome[]): void;
  close(): Promise<void>;
}

export async function scriptedReceiver(okBody: unknown = { ok: true }): Promise<ScriptedReceiver> {
  const received: ReceivedRequest[] = [];
  let queue: Outcome[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const outcome = queue.shift() ?? 'ok';
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, outcome });
      if (outcome === 'hang') {
        hanging.add(res);
        return;
      }
      if (outcome === 'ok') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(okBody));
        return;
      }
      const echo = JSON.stringify({ url: req.url, headers: req.headers, body: body.toString('utf8') });
      res.writeHead(outcome === 'fail' ? 503 : 400, { 'content-type': 'application/json' }).end(echo);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script(outcomes) {
      queue = [...outcomes];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
