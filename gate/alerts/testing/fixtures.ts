/** Fixtures and a recording HTTP receiver for the alert sink tests. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Decision, Verdict } from '../../../analyzer/index.ts';
import type { ReleaseRecord } from '../../../store/index.ts';

export const T0 = Date.parse('2026-11-27T08:00:00Z');

export function releaseRecord(id = 'odoo-web-17.0.42', overrides: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    release: {
      id,
      service: 'odoo-web',
      version: '17.0.42',
      baselineVersion: '17.0.41',
      environment: 'production',
      tenantTier: 'tier-1',
      strategy: 'canary',
      class: 'standard',
      startedAt: T0,
    },
    spec: {
      release: {
        id,
        service: 'odoo-web',
        version: '17.0.42',
        environment: 'production',
        strategy: 'canary',
        class: 'standard',
        startedAt: T0,
      },
      metrics: [
        { name: 'checkout_latency_seconds', group: 'application', kind: 'latency', harm: 'increase', tolerance: 0.05 },
      ],
      policy: {},
    },
    status: 'active',
    registeredAt: T0,
    registeredBy: 'ci-pipeline',
    ...overrides,
  };
}

export function verdict(decision: Decision, atMinutes: number, releaseId = 'odoo-web-17.0.42'): Verdict {
  return {
    releaseId,
    at: T0 + atMinutes * 60_000,
    decision,
    score: decision === 'rollback' ? 12 : 97,
    metrics: [],
    reasons: decision === 'rollback' ? ['checkout_latency_seconds: +25% <critical> (tolerance 5%)'] : [],
    policy: { class: 'standard', observedFor: atMinutes * 60_000 },
  };
}

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A local receiver; `statuses` are answered in turn (then 200). */
export async function receiver(
  statuses: number[] = [],
): Promise<{ url: string; received: Received[]; close: () => Promise<void>; server: Server }> {
  const received: Received[] = [];
  const queue = [...statuses];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: data ? JSON.parse(data) : undefined });
      const status = queue.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
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
