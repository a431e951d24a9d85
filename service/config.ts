/**
 * `release-health serve --config FILE`: one YAML/JSON document for the whole service. Every
 * section has defaults, so `{}` serves the embedded default (PGlite in ./.release-health, the
 * in-memory bus, built-in release classes, no actions, no scrape targets). Secrets never appear in
 * the file: it names the environment variables that hold them (`urlEnv`, `tokensEnv`, `secretEnv`).
 * Unknown keys are errors with their line: a misspelt key must not silently turn a setting off. Sections owned by other rooms
 * (`governance`, `actions`, `dashboards`, `collector.targets`) are validated by those rooms' own
 * schemas, at load time, with the same line-numbered errors.
 *
 * `prometheus` (optional): metric specs that carry a `query` are evaluated against this Prometheus
 * for every active release (collector/live/promqlCollector.ts), one range query per cohort per
 * `interval` (default `engine.interval`, so one batch is one look) at resolution `step` (default
 * 15s; the exporters' scrape interval is a good choice); `timeout` per request (default 10s). An
 * interval is queried `delay` (default min(5s, step/2)) after its last evaluation point — before
 * the interval ends when `delay` < `step`, so scraped samples past the boundary cannot make the
 * PromQL ones late; it must stay below `step` (for recording rules, make `step` their interval).
 * `cohorts` gives each cohort's placeholder values (`cohort`, `version`, `service`) with the
 * `{{release.x}}` templating of scrape targets, e.g.
 *   cohorts: { baseline: { cohort: "{{release.service}}-primary@file" }, canary: { cohort: "{{release.service}}-canary@file" } }
 * Without it both cohorts are queried with `$version` = baselineVersion / version and `$service` =
 * release.service (a before/after release: the canary only). Count metrics need per-step counts
 * (`increase(x[15s])` with the range equal to `step`); ratio and histogram specs, and queries
 * that read the same for both cohorts, are refused at registration (logged, the metric nodata).
 */
import { z } from 'zod';
import { ConfigError, durationSchema, parseGovernance, type GovernanceConfig } from '../analyzer/index.ts';
import { PromqlCollector, ReleaseCollector, type PromqlCollectorOptions } from '../collector/index.ts';
import { parseActionsConfig, type ActionsConfig } from '../gate/actions/index.ts';
import { parseConfigText, type ConfigText } from '../analyzer/configText.ts';
import { readConfigFile, zodToConfigError } from './configDocument.ts';
import type { FieldPath } from '../analyzer/configError.ts';
import { busConfigSchema } from './busConfig.ts';

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const duration = durationSchema;
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');
const port = z.number().int().min(0).max(65535);
const promqlCohortSchema = z
  .object({
    cohort: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    service: z.string().min(1).optional(),
  })
  .strict();
const prometheusSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    timeout: duration.default(10_000),
    step: duration.default(15_000),
    /** default: engine.interval */
    interval: duration.optional(),
    /** default: min(5s, step / 2) */
    delay: duration.optional(),
    cohorts: z
      .object({ baseline: promqlCohortSchema.optional(), canary: promqlCohortSchema.optional() })
      .strict()
      .optional(),
  })
  .strict();

export const serveConfigSchema = z
  .object({
    listen: z
      .object({ host: z.string().min(1).default('127.0.0.1'), port: port.default(8080) })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    store: z
      .object({
        /** `postgres://…`, `pglite://DIR` or `pglite:memory`; a URL with a password belongs in `urlEnv` */
        url: z.string().min(1).optional(),
        urlEnv: envName.default('RH_STORE_URL'),
      })
      .strict()
      .default({ urlEnv: 'RH_STORE_URL' }),
    bus: busConfigSchema,
    auth: z
      .object({
        tokensEnv: envName.default('RH_TOKENS'),
        tokensFile: z.string().min(1).optional(),
        allowAnonymousRead: z.boolean().default(false),
      })
      .strict()
      .default({ tokensEnv: 'RH_TOKENS', allowAnonymousRead: false }),
    engine: z
      .object({
        interval: duration.default(60_000),
        checkpointEvery: z.number().int().positive().default(10),
        grace: duration.default(30_000),
        /** worker threads that run the judges, off the HTTP loop (0: in it — small setups, tests) */
        analysisThreads: z.number().int().min(0).max(64).default(1),
        /**
         * the `all` role's analysis thread and the judges' threads it starts run at this nice value
         * (Linux: per thread), so the HTTP thread gets a core first when both want one (0: equal)
         */
        analysisNice: z.number().int().min(0).max(19).default(10),
        /** each release's looks at a stable offset within this span after its boundary (default: the interval) */
        lookSpread: duration.optional(),
        /** `serve --role analysis`: how often the store's active releases are read (the api processes register them) */
        releasePoll: duration.default(5_000),
        /** where the analysis serves its own metrics (pipeline counters, look lag: release_health_worker_*); 0 picks a free port; omit to not serve them */
        metricsPort: port.optional(),
      })
      .strict()
      .default({
        interval: 60_000,
        checkpointEvery: 10,
        grace: 30_000,
        analysisThreads: 1,
        analysisNice: 10,
        releasePoll: 5_000,
      }),
    governance: z.unknown().optional(),
    actions: z.unknown().optional(),
    alerts: z
      .object({
        alertmanager: z
          .object({ url: z.url({ protocol: /^https?$/ }) })
          .strict()
          .optional(),
        chat: z.object({ urlEnv: envName }).strict().optional(),
        /** base URL people reach the gate at (links in alerts); default the listen address */
        gateUrl: z.url({ protocol: /^https?$/ }).optional(),
        grafanaUrl: z.url({ protocol: /^https?$/ }).optional(),
      })
      .strict()
      .optional(),
    collector: z
      .object({
        targets: z.array(z.unknown()).default([]),
        /** where the collector serves its own metrics; 0 picks a free port; omit to not serve them */
        metricsPort: port.optional(),
      })
      .strict()
      .default({ targets: [] }),
    prometheus: prometheusSchema.optional(),
    /** read by `release-health dashboards --config` (the same file) */
    dashboards: z.unknown().optional(),
    logging: z
      .object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type ServeConfig = z.output<typeof serveConfigSchema> & {
  governanceConfig: GovernanceConfig;
  actionsConfig: ActionsConfig;
};

/** Parses and validates a serve config, including the sections other rooms own. */
export function parseServeConfig(text: string, path: string): ServeConfig {
  return validateServeConfig(undefined, path, parseConfigText(text, path));
}

/**
 * Validates a document: read from a file (`doc`, whose positions place the errors), or already
 * parsed (`raw`; `where` names its origin in errors): what `analyze-worker` builds from its flags
 * goes through the same checks as a file.
 */
export function validateServeConfig(raw: unknown, where: string, doc?: ConfigText): ServeConfig {
  const placed: Pick<ConfigText, 'locate'> = doc ?? { locate: (error) => error.locate(where) };
  const result = serveConfigSchema.safeParse((doc ? doc.data : raw) ?? {});
  if (!result.success) throw zodToConfigError(result.error, placed);
  const config = result.data;
  // another room validates its section: its error names the field within the section, placed
  // here at that field's line (or the section's, when it names none)
  const section = <T>(key: string, parse: () => T, within: FieldPath = [key]): T => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      const detail = error instanceof ConfigError ? error.issues.join('; ') : error.message;
      const path = error instanceof ConfigError && error.path ? error.path : [];
      throw placed.locate(new ConfigError(`${key}: ${detail}`, undefined, [...within, ...path]));
    }
  };
  const governanceConfig = section('governance', () => parseGovernance(config.governance ?? {}));
  const actionsConfig = section('actions', () => parseActionsConfig(config.actions ?? {}));
  // targets are templates: checked now with every placeholder filled, so a typo fails at start
  section('collector', () => new ReleaseCollector({ targets: config.collector.targets, publish: async () => {} }), [
    'collector',
    'targets',
  ]);
  // cohort templates and step ≤ interval: checked now, not at the first release
  if (config.prometheus)
    section('prometheus', () => new PromqlCollector(promqlCollectorOptions(config, { publish: async () => {} })));
  return { ...config, governanceConfig, actionsConfig };
}

/** The PromQL collector's options from the `prometheus` section (which must be present). */
export function promqlCollectorOptions(
  config: z.output<typeof serveConfigSchema>,
  rest: Pick<PromqlCollectorOptions, 'publish'> & Partial<PromqlCollectorOptions>,
): PromqlCollectorOptions {
  const p = config.prometheus!;
  return {
    url: p.url,
    timeoutMs: p.timeout,
    stepMs: p.step,
    intervalMs: p.interval ?? config.engine.interval,
    ...(p.delay !== undefined ? { delayMs: p.delay } : {}),
    ...(p.cohorts ? { cohorts: p.cohorts } : {}),
    ...rest,
  };
}

export async function loadServeConfig(path: string): Promise<ServeConfig> {
  return parseServeConfig(await readConfigFile(path, 'serve config', MAX_CONFIG_BYTES), path);
}
