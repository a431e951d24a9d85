/**
 * The action seam (docs/architecture.md, "Seams"): what the gate runs when a release's decision changes. Types only;
 * the webhook, Traefik and Grafana actions implement it, and the runner (`runner.ts`) adds the
 * retries, the records and the audit trail, so an action is only "one attempt".
 */
import type { Decision, Verdict } from '../../analyzer/index.ts';
import type { ActionKind, ReleaseRecord } from '../../store/index.ts';

export interface ActionContext {
  verdict: Verdict;
  /** the verdict before (undefined at a release's first) */
  previous: Verdict | undefined;
  record: ReleaseRecord;
}

export interface Action {
  readonly kind: ActionKind;
  /** where it goes, for records and logs: a URL without credentials or query, or a file path; never a secret */
  readonly target: string;
  /** the decisions that trigger it (entered by a change to one of them) */
  readonly on: ReadonlySet<Decision>;
  /**
   * One attempt. Resolves with a JSON-able result for the audit trail (no secret); rejects with an
   * error whose message holds no secret — the runner records it as the attempt's error.
   */
  run(context: ActionContext): Promise<unknown>;
}

/** Every decision: the default of actions that report rather than steer (webhook, annotation). */
export const ALL_DECISIONS: readonly Decision[] = ['continue', 'promote', 'reduce-traffic', 'rollback', 'inconclusive'];

export class ActionError extends Error {
  override readonly name = 'ActionError';
}

/** Replaces every occurrence of each secret in a message (errors may echo request details). */
export function redact(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}
