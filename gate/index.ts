/**
 * Public face of gate/: the HTTP API that rollout controllers obey (docs/architecture.md, "Rooms").
 *
 * Wiring (`release-health serve`):
 *   const tokens = await loadTokens({ env: process.env.RH_TOKENS, file: tokenFile });
 *   const governance = await loadGovernance(policyFile);           // undefined: built-in classes
 *   const cache = new VerdictCache(store, governance, { ttlMs: 30_000 });
 *   const pipeline = await createPipeline({ bus, store, governance, sinks: [cache.sink, ...actions] });
 *   const gate = await startGate({ store, runner: pipeline, governance, tokens, logger: pino(), verdictCache: cache, scorecardPage }, { host, port });
 *   ... await gate.close(); await pipeline.close(); await store.close();
 */
export { createGateApp } from './app.ts';
export type { GateApp } from './app.ts';
export { startGate } from './server.ts';
export type { GateListenOptions, RunningGate } from './server.ts';
export type { GateDeps, GateLogger } from './deps.ts';
export { DEFAULT_BODY_LIMIT } from './deps.ts';
export { bearerToken, hasRole, loadTokens, parseTokens, ROLES, TokenConfigError, TokenSet } from './auth.ts';
export type { Identity, LoadTokensOptions, Role } from './auth.ts';
export { createGateMetrics, GATE_METRIC_NAMES } from './metrics.ts';
export type { GateMetrics, GateMetricsOptions } from './metrics.ts';
export { buildOpenApi } from './openapi.ts';
export { answerHook, FLAGGER_HOOKS } from './routes/flagger.ts';
export type { FlaggerHook, HookAnswer } from './routes/flagger.ts';
export { governed, governedVerdict, loadVerdictInputs, placeholderVerdict, WARMING_UP_REASON } from './verdicts.ts';
export type { VerdictInputs } from './verdicts.ts';
export {
  registerBodySchema,
  specBodySchema,
  verdictSchema,
  flaggerPayloadSchema,
  checkpointBodySchema,
} from './wireFormat.ts';
export { loadGovernance } from './governanceFile.ts';
export { VerdictCache } from './verdictCache.ts';
export type { VerdictCacheOptions } from './verdictCache.ts';
export { closingStatus, createReleaseCloser, keepsWatching, sameTarget, SUPERSEDE_ACTION } from './routes/lifecycle.ts';
export type { CloseOptions, CloseRequest, ReleaseCloser } from './routes/lifecycle.ts';
