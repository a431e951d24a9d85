/**
 * The action seam (docs/architecture.md, "Seams"): what the gate delivers when a release's decision
 * changes. Types only. The webhook, Traefik, Grafana, Alertmanager and chat actions implement it;
 * the runner (`runner.ts`) decides when an action runs and the delivery module (`delivery.ts`)
 * adds the timeouts, retries, redaction and records, so an action is only "one attempt". Every
 * implementation runs the contract suite (`testing/actionContract.ts`).
 */
import type { Decision, Verdict } from '../../analyzer/index.ts';
import type { ActionKind, ReleaseRecord } from '../../store/index.ts';

/**
 * Why the action runs: the decision entered one of its `on` decisions; it stayed there and the
 * receiver must hear it again (`repeatEveryMs`); or it left them, or the release closed while in
 * one (`resolvesOnLeave`) — `previous` is then the verdict being left.
 */
export type ActionPhase = 'enter' | 'repeat' | 'leave';

export interface ActionContext {
  verdict: Verdict;
  /** the verdict before (undefined at a release's first) */
  previous: Verdict | undefined;
  record: ReleaseRecord;
  phase: ActionPhase;
}

/** Handed to each attempt by the delivery module. */
export interface ActionAttempt {
  /** aborts when the attempt's time is up: pass it to fetch, check it before any side effect */
  signal: AbortSignal;
  timeoutMs: number;
}

export interface Action {
  readonly kind: ActionKind;
  /** where it goes, for records and logs: a URL without credentials or query, or a file path; never a secret */
  readonly target: string;
  /** the decisions that trigger it (entered by a change to one of them) */
  readonly on: ReadonlySet<Decision>;
  /** per attempt; default: the delivery policy's */
  readonly timeoutMs?: number;
  /** run again (phase 'repeat') while the decision stays in `on`, at most this often: receivers that forget */
  readonly repeatEveryMs?: number;
  /** run (phase 'leave') when the decision leaves `on` or the release closes in it: receivers that hold state */
  readonly resolvesOnLeave?: boolean;
  /**
   * One attempt. Resolves with a JSON-able result for the audit trail (no secret); rejects with an
   * error whose message holds no secret (a `DeliveryError` with `retryable: false` when trying again
   * is pointless) — the delivery module records it as the attempt's error.
   */
  run(context: ActionContext, attempt: ActionAttempt): Promise<unknown>;
}
