/** Fixtures for the alert action tests (the receivers are the action contract's: gate/actions/testing/). */
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
