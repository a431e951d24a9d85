/**
 * Public face of gate/alerts/ (alert routing): Prometheus alerting rules generated
 * from the release specs (`release-health rules`), and two verdict sinks — Alertmanager's v2 API
 * and a Slack-compatible chat webhook. See README.md.
 */
export { generateAlertRules, toPrometheusRule, AlertRuleOptionsError, DEFAULT_INCONCLUSIVE_FOR } from './rules.ts';
export type { AlertRuleOptions, Severity } from './rules.ts';
export { AlertmanagerSink } from './alertmanager.ts';
export type { AlertmanagerAlert, AlertmanagerSinkOptions } from './alertmanager.ts';
export { ChatWebhookSink, chatMessage } from './chat.ts';
export type { ChatMessage, ChatSinkOptions } from './chat.ts';
export { postJson } from './deliver.ts';
export type { DeliverDeps, DeliveryResult, DeliveryRetryOptions } from './deliver.ts';
export { verdictUrl, dashboardUrl } from './links.ts';
export type { LinkOptions } from './links.ts';
