/**
 * Public face of gate/alerts/ (alert routing): Prometheus alerting rules generated
 * from the release specs (`release-health rules`), and two alert actions — Alertmanager's v2 API
 * and a Slack-compatible chat webhook — delivered through the gate's one delivery path
 * (gate/actions: run them in a `background` action sink). See README.md.
 */
export { generateAlertRules, toPrometheusRule, AlertRuleOptionsError, DEFAULT_INCONCLUSIVE_FOR } from './rules.ts';
export type { AlertRuleOptions, Severity } from './rules.ts';
export { alertFor, createAlertmanagerAction } from './alertmanager.ts';
export type { AlertmanagerAlert, AlertmanagerActionOptions } from './alertmanager.ts';
export { createChatAction, chatMessage } from './chat.ts';
export type { ChatMessage, ChatActionOptions } from './chat.ts';
export { verdictUrl, dashboardUrl } from './links.ts';
export type { LinkOptions } from './links.ts';
