/** Records for the store contract suite: small, valid, and easy to vary per test. */
import { randomUUID } from 'node:crypto';
import type { MetricVerdict, Release, Verdict } from '../../analyzer/index.ts';
import type { ReleaseRecord } from '../types.ts';

/** A short unique suffix, so tests sharing one store never see each other's rows. */
export const uid = (): string => randomUUID().slice(0, 8);

export function makeRelease(id: string, over: Partial<Release> = {}): Release {
  return {
    id,
    service: 'odoo',
    version: '17.0.5',
    environment: 'prod',
    strategy: 'canary',
    class: 'standard',
    startedAt: 1_700_000_000_000,
    ...over,
  };
}

export function makeRecord(
  id: string,
  over: Partial<ReleaseRecord> = {},
  release: Partial<Release> = {},
): ReleaseRecord {
  const r = makeRelease(id, release);
  return {
    release: r,
    spec: {
      release: r,
      metrics: [
        {
          name: 'checkout_success',
          group: 'business',
          kind: 'ratio',
          harm: 'increase',
          tolerance: 0.1,
          critical: true,
        },
      ],
      policy: { alpha: 0.05 },
    },
    status: 'active',
    registeredAt: 1_700_000_000_000,
    registeredBy: 'ci-token',
    ...over,
  };
}

export function makeMetric(over: Partial<MetricVerdict> = {}): MetricVerdict {
  return {
    metric: 'checkout_success',
    classification: 'pass',
    effect: { relative: 0.012, low: -0.03, high: 0.05 },
    evidence: 1.7,
    method: 'e-value:beta-binomial',
    n: { baseline: 1200, canary: 130 },
    reason: 'within tolerance',
    ...over,
  };
}

export function makeVerdict(releaseId: string, at: number, over: Partial<Verdict> = {}): Verdict {
  return {
    releaseId,
    at,
    decision: 'continue',
    score: 87.5,
    metrics: [
      makeMetric(),
      makeMetric({ metric: 'stock_reservation_latency', classification: 'undecided', critical: false }),
    ],
    reasons: ['observing'],
    policy: { class: 'standard', observedFor: at - 1_700_000_000_000 },
    ...over,
  };
}

/** Strings that break naive SQL or encoding: quotes, comments, backslashes, placeholders, unicode. */
export const HOSTILE_STRINGS: readonly string[] = [
  "'; DROP TABLE releases; --",
  "x' OR '1'='1",
  'Robert"); DELETE FROM verdicts; --',
  '$1 $2 ?| ?? :name',
  'back\\slash \\x00 \\u0000 %s %d',
  'rélease-ß-東京-🚀-👩‍👩‍👧‍👦-\u202eRTL',
  'NaN',
  '~Infinity',
  '  padded  \t\n\r',
  '{"json":"looking"}',
];
