/** Test fixtures for the actions: a store with one release, verdicts, and local HTTP receivers. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnalysisSpec, Decision, Verdict } from '../../../analyzer/index.ts';
import { createPgliteStore, type ReleaseRecord, type Store } from '../../../store/index.ts';

export const START = Date.UTC(2025, 2, 12, 9, 0);

export const spec: AnalysisSpec = {
  release: {
    id: 'odoo-17-0-42',
    service: 'odoo',
    version: '17.0.42',
    environment: 'staging',
    strategy: 'canary',
    class: 'standard',
    startedAt: START,
    canaryWeight: 0.1,
  },
  metrics: [
    { name: 'checkout_latency_seconds', group: 'application', kind: 'latency', harm: 'increase', tolerance: 0.05 },
  ],
  policy: {},
};

export async function storeWithRelease(): Promise<{ store: Store; record: ReleaseRecord }> {
  const store = await createPgliteStore();
  const record: ReleaseRecord = {
    release: spec.release,
    spec,
    status: 'active',
    registeredAt: START,
    registeredBy: 'test',
  };
  await store.createRelease(record, {
    at: START,
    actor: 'test',
    action: 'release.register',
    releaseId: spec.release.id,
  });
  return { store, record };
}

export function verdict(minute: number, decision: Decision, releaseId = spec.release.id): Verdict {
  return {
    releaseId,
    at: START + minute * 60_000,
    decision,
    score: decision === 'rollback' ? 40 : 100,
    metrics: [],
    reasons: [`${decision} at minute ${minute}`],
    policy: { class: 'standard', observedFor: minute * 60_000 },
  };
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A receiver on 127.0.0.1:0; `respond` decides each answer (may never answer, to test timeouts). */
export async function receiver(
  respond: (req: Received, res: ServerResponse, n: number) => void,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      respond(r, res, received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const noSleep = async (): Promise<void> => undefined;
