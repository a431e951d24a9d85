/**
 * Test support for the gate's HTTP tests: a real server on port 0 over the real PGlite store (in
 * memory), three tokens, a recording logger, and a FAKE runner that only records start/stop —
 * the pipeline is another room's and is tested there.
 */
import type { Verdict } from '../../analyzer/index.ts';
import { parseGovernance, type GovernanceConfig } from '../../analyzer/index.ts';
import type { ReleaseRunner } from '../../pipeline/index.ts';
import { createPgliteStore, type ReleaseRecord, type Store } from '../../store/index.ts';
import { TokenSet } from '../auth.ts';
import type { GateDeps, GateLogger } from '../deps.ts';
import { startGate, type RunningGate } from '../server.ts';

export const TOKENS = {
  reader: 'rdr-7f3c1a9e5b2d4c6f8a0b1c2d3e4f5a6b',
  operator: 'opr-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e1b',
  admin: 'adm-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
  operator2: 'opr2-5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f',
} as const;
export const WRONG_TOKEN = 'nope-0000000000000000000000000000000';

export const tokenSet = (): TokenSet =>
  new TokenSet([
    { name: 'argo', role: 'reader', token: TOKENS.reader },
    { name: 'ci', role: 'operator', token: TOKENS.operator },
    { name: 'dba-on-call', role: 'operator', token: TOKENS.operator2 },
    { name: 'platform', role: 'admin', token: TOKENS.admin },
  ]);

/** Records start/stop calls (a stand-in for the pipeline's runner). */
export class FakeRunner implements ReleaseRunner {
  readonly started: string[] = [];
  readonly stopped: string[] = [];
  async start(record: ReleaseRecord): Promise<void> {
    this.started.push(record.release.id);
  }
  async stop(releaseId: string): Promise<void> {
    this.stopped.push(releaseId);
  }
  active(): string[] {
    return this.started.filter((id) => !this.stopped.includes(id));
  }
}

/** Keeps every log line as JSON text, to prove no token ever reaches a log. */
export class RecordingLogger implements GateLogger {
  readonly lines: string[] = [];
  info(fields: Record<string, unknown>, message: string): void {
    this.lines.push(JSON.stringify({ level: 'info', message, ...fields }));
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push(JSON.stringify({ level: 'warn', message, ...fields }));
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.lines.push(JSON.stringify({ level: 'error', message, ...fields }));
  }
}

export const GOVERNANCE_DOC = {
  freezes: [
    {
      name: 'black-friday-2026',
      from: '2026-11-27T00:00:00Z',
      to: '2026-11-30T23:59:59Z',
      classes: ['standard', 'schema-change', 'emergency-fix'],
      environments: ['production'],
      reason: 'Black Friday peak',
    },
  ],
};

export interface Harness {
  gate: RunningGate;
  url: string;
  store: Store;
  runner: FakeRunner;
  logger: RecordingLogger;
  clock: { now: number };
  governance: GovernanceConfig;
  /** fetch with a role's token (or none) */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** 2026-11-20 10:00 UTC: a week before the freeze window. */
export const T0 = Date.parse('2026-11-20T10:00:00Z');

export async function startHarness(overrides: Partial<GateDeps> = {}): Promise<Harness> {
  const store = await createPgliteStore();
  const runner = new FakeRunner();
  const logger = new RecordingLogger();
  const clock = { now: T0 };
  const governance = parseGovernance(GOVERNANCE_DOC);
  // verdictCacheMs 0: the tests write verdicts straight into the store and expect to read them back
  const gate = await startGate(
    { store, runner, governance, tokens: tokenSet(), clock: () => clock.now, logger, verdictCacheMs: 0, ...overrides },
    { port: 0 },
  );
  const call: Harness['call'] = (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    return fetch(gate.url + path, { method, headers, body });
  };
  return {
    gate,
    url: gate.url,
    store,
    runner,
    logger,
    clock,
    governance,
    call,
    async close() {
      await gate.close();
      await store.close();
    },
  };
}

/**
 * A release of its own target by default (tenant = its id): a newer release of the same service,
 * environment and tenant supersedes the older one, which tests of that pass explicitly.
 */
export const release = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  service: 'odoo',
  version: '17.0.42',
  baselineVersion: '17.0.41',
  environment: 'production',
  tenant: id,
  strategy: 'canary',
  class: 'standard',
  startedAt: T0,
  ...extra,
});

export const SPEC = {
  metrics: [
    { name: 'checkout_latency', group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.1, critical: true },
    { name: 'orders', group: 'business', kind: 'count', harm: 'decrease', tolerance: 0.1 },
  ],
};

/** A verdict as the engine would store it. */
export const engineVerdict = (releaseId: string, decision: Verdict['decision'], at: number, score = 90): Verdict => ({
  releaseId,
  at,
  decision,
  score,
  metrics: [
    {
      metric: 'checkout_latency',
      classification: decision === 'rollback' ? 'high' : 'pass',
      effect: { relative: 0.02, low: -0.01, high: 0.05 },
      evidence: 3.5,
      method: 'quantile confidence sequence',
      n: { baseline: 500, canary: 120 },
      reason: 'r',
      critical: true,
    },
    {
      metric: 'orders',
      classification: 'nodata',
      effect: { relative: Number.NaN, low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY },
      evidence: 1,
      method: 'poisson rate ratio',
      n: { baseline: 0, canary: 0 },
      reason: 'no data',
    },
  ],
  reasons: [`engine: ${decision}`],
  policy: { class: 'standard', observedFor: at - T0 },
});
