/**
 * Public face of gate/actions: verdict sinks that act on a decision change — a signed webhook, the
 * Traefik file-provider weights, a Grafana annotation (and the alerts of gate/alerts) — through the
 * one delivery path (`delivery.ts`: timeouts, retries with jitter, redaction, records and audit).
 */
export type { Action, ActionAttempt, ActionContext, ActionPhase } from './types.ts';
export { createActionSink } from './runner.ts';
export type { ActionLogger, ActionSink, ActionSinkOptions } from './runner.ts';
export { backoffDelay, deliver, DELIVERY_DEFAULTS, DeliveryError, postJson, resolvePolicy } from './delivery.ts';
export type {
  DeliverOptions,
  DeliveryLedger,
  DeliveryOutcome,
  DeliveryPolicy,
  PostJsonAnswer,
  PostJsonOptions,
} from './delivery.ts';
export { createWebhookAction } from './webhook.ts';
export type { WebhookActionOptions } from './webhook.ts';
export { SIGNATURE_HEADER, sign, TIMESTAMP_HEADER, verifySignature } from './signature.ts';
export { createTraefikAction, nextWeights, TRAEFIK_DECISIONS, writeFileAtomic } from './traefik.ts';
export type { TraefikActionOptions, Weights } from './traefik.ts';
export { createGrafanaAction } from './grafana.ts';
export type { GrafanaActionOptions } from './grafana.ts';
export {
  actionsConfigSchema,
  ActionConfigError,
  buildActions,
  parseActionsConfig,
  parseActionsYaml,
} from './config.ts';
export type { ActionsConfig } from './config.ts';
