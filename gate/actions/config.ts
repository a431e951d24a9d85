/**
 * The actions configuration (YAML, e.g. the `actions:` section of `serve`'s config), validated with
 * zod. Secrets are never written in the file: each is named by the environment variable that
 * holds it (`secretEnv: RH_WEBHOOK_SECRET`), and an inline `secret:` is refused by name.
 *
 *   retry: { attempts: 4, baseDelay: 500ms, maxDelay: 10s }
 *   webhooks:
 *     - url: https://deploy-bot.example.com/release-health
 *       secretEnv: RH_WEBHOOK_SECRET
 *       timeout: 5s
 *       on: [promote, reduce-traffic, rollback, inconclusive]
 *   traefik:
 *     file: /etc/traefik/dynamic/odoo.yaml
 *     service: odoo
 *   grafana:
 *     url: http://grafana:3000
 *     apiKeyEnv: RH_GRAFANA_TOKEN
 */
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { ConfigError, durationSchema, type Decision } from '../../analyzer/index.ts';
import { firstIssuePath, formatFieldPath } from '../../analyzer/configError.ts';
import { createGrafanaAction } from './grafana.ts';
import { createTraefikAction } from './traefik.ts';
import type { Action } from './types.ts';
import { createWebhookAction } from './webhook.ts';

/** `500ms`, `5s`, `2m`, `1h`, or a number of milliseconds: the grammar of analyzer/duration.ts. */
export const actionDurationSchema = durationSchema;

const decisionSchema = z.enum(['continue', 'promote', 'reduce-traffic', 'rollback', 'inconclusive']);
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');
/** a secret written inline is refused with a message that says what to do instead */
const noInline = (what: string) =>
  z
    .never({ error: `do not write the ${what} in the file; name the environment variable that holds it (${what}Env)` })
    .optional();

const webhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).optional(),
    /** the URL itself is secret (a token in its path): read it from this variable, record only its origin */
    urlEnv: envName.optional(),
    secretEnv: envName,
    secret: noInline('secret'),
    timeout: actionDurationSchema.default(5_000),
    on: z.array(decisionSchema).min(1).optional(),
  })
  .strict()
  .refine((w) => (w.url === undefined) !== (w.urlEnv === undefined), { error: 'give exactly one of url and urlEnv' });

const traefikSchema = z
  .object({
    file: z.string().min(1),
    service: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      .optional(),
    defaultCanaryWeight: z.number().int().min(0).max(100).optional(),
    on: z.array(decisionSchema).min(1).optional(),
  })
  .strict();

const grafanaSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    apiKeyEnv: envName,
    apiKey: noInline('apiKey'),
    dashboardUid: z.string().min(1).optional(),
    tags: z.array(z.string().min(1)).optional(),
    timeout: actionDurationSchema.default(5_000),
    on: z.array(decisionSchema).min(1).optional(),
  })
  .strict();

export const actionsConfigSchema = z
  .object({
    retry: z
      .object({
        attempts: z.number().int().min(1).max(20).default(4),
        baseDelay: actionDurationSchema.default(500),
        maxDelay: actionDurationSchema.default(10_000),
      })
      .strict()
      .default({ attempts: 4, baseDelay: 500, maxDelay: 10_000 }),
    webhooks: z.array(webhookSchema).default([]),
    traefik: traefikSchema.optional(),
    grafana: grafanaSchema.optional(),
  })
  .strict();

export type ActionsConfig = z.output<typeof actionsConfigSchema>;

export class ActionConfigError extends ConfigError {
  override readonly name = 'ActionConfigError';
}

/** Validates a parsed document (YAML/JSON); throws `ActionConfigError` naming each bad field. */
export function parseActionsConfig(raw: unknown): ActionsConfig {
  const parsed = actionsConfigSchema.safeParse(raw ?? {});
  if (!parsed.success)
    throw ActionConfigError.fromIssues(
      'actions config',
      parsed.error.issues.map((i) => `${formatFieldPath(i.path)}: ${i.message}`),
      firstIssuePath(parsed.error),
    );
  return parsed.data;
}

export function parseActionsYaml(text: string): ActionsConfig {
  return parseActionsConfig(parseYaml(text));
}

/**
 * Builds the actions, reading each secret from `env` (default process.env). A missing or empty
 * variable is an error naming the variable (never its value).
 */
export function buildActions(
  config: ActionsConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { actions: Action[]; retry: { attempts: number; baseDelayMs: number; maxDelayMs: number } } {
  const issues: string[] = [];
  const read = (name: string, where: string): string => {
    const value = env[name];
    if (!value) issues.push(`${where}: environment variable ${name} is not set`);
    return value ?? '';
  };
  const actions: Action[] = [];
  config.webhooks.forEach((w, i) => {
    const secret = read(w.secretEnv, `webhooks[${i}].secretEnv`);
    const url = w.url ?? read(w.urlEnv!, `webhooks[${i}].urlEnv`);
    if (!secret || !url) return;
    actions.push(
      createWebhookAction({
        url,
        secret,
        timeoutMs: w.timeout,
        urlIsSecret: w.urlEnv !== undefined,
        ...(w.on ? { on: w.on as Decision[] } : {}),
      }),
    );
  });
  if (config.traefik) {
    const t = config.traefik;
    actions.push(
      createTraefikAction({
        file: t.file,
        ...(t.service ? { service: t.service } : {}),
        ...(t.defaultCanaryWeight !== undefined ? { defaultCanaryWeight: t.defaultCanaryWeight } : {}),
        ...(t.on ? { on: t.on } : {}),
      }),
    );
  }
  if (config.grafana) {
    const g = config.grafana;
    const apiKey = read(g.apiKeyEnv, 'grafana.apiKeyEnv');
    if (apiKey) {
      actions.push(
        createGrafanaAction({
          url: g.url,
          apiKey,
          timeoutMs: g.timeout,
          ...(g.dashboardUid ? { dashboardUid: g.dashboardUid } : {}),
          ...(g.tags ? { tags: g.tags } : {}),
          ...(g.on ? { on: g.on } : {}),
        }),
      );
    }
  }
  if (issues.length > 0) throw ActionConfigError.fromIssues('actions config', issues);
  return {
    actions,
    retry: { attempts: config.retry.attempts, baseDelayMs: config.retry.baseDelay, maxDelayMs: config.retry.maxDelay },
  };
}
