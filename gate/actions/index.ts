/**
 * Public face of gate/actions: verdict sinks that act on a decision change — a signed webhook, the
 * Traefik file-provider weights, a Grafana annotation — with retries, records and audit.
 */
export type { Action, ActionContext } from './types.ts';
export { ActionError, ALL_DECISIONS } from './types.ts';
export { createActionSink } from './runner.ts';
export type { ActionLogger, ActionSinkOptions } from './runner.ts';
export { backoffDelay, resolveRetry, RETRY_DEFAULTS } from './retry.ts';
export type { RetryOptions } from './retry.ts';
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
export type { ActionsConfig, ActionsConfigInput } from './config.ts';
