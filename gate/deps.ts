/** What the gate needs from the rest of the house, as one typed options object. */
import type { GovernanceConfig } from '../analyzer/index.ts';
import type { ReleaseRunner } from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import type { Logger } from '../analyzer/logger.ts';
import type { TokenSet } from './auth.ts';
import type { VerdictCache } from './verdictCache.ts';

/** The house's logger (analyzer/logger.ts). Never given a token or a request body. */
export type GateLogger = Logger;

export interface GateDeps {
  store: Store;
  /** the live loop; without one, releases are registered and closed but not analysed */
  runner?: ReleaseRunner;
  governance: GovernanceConfig;
  tokens: TokenSet;
  /** epoch ms; default Date.now (tests pin it) */
  clock?: () => number;
  logger?: GateLogger;
  /** renders `GET /scorecards` (HTML) from its query parameters; 404 without one */
  scorecardPage?: (query: Record<string, string>) => Promise<string>;
  /**
   * GETs (verdicts, releases, metrics, scorecards) without a token. Off by default: Argo's web
   * provider can send `headers` (from a Secret) and Prometheus scrape configs take a bearer token,
   * so there is rarely a reason. Never opens writes or the Flagger webhooks.
   */
  allowAnonymousRead?: boolean;
  /** request body limit in bytes (default 256 KiB); larger bodies get 413 */
  bodyLimitBytes?: number;
  /**
   * How long the verdict endpoint may answer from memory (ms, default 2000; 0: always read the
   * store). See verdictCache.ts; the app's `verdictSink` keeps it current when the pipeline runs
   * in the same process.
   */
  verdictCacheMs?: number;
  /**
   * A cache built by the caller (then `verdictCacheMs` is not used): lets `serve` hand
   * `cache.sink` to the pipeline before the gate exists (the pipeline is the gate's runner).
   */
  verdictCache?: VerdictCache;
  /**
   * Why this process can no longer do its job, or undefined while it can (the `all` role: its
   * analysis thread exited). `/healthz` then answers 503 with the reason, so the kubelet's
   * liveness probe restarts the pod — a restart resumes every release from its checkpoint —
   * instead of a process that answers 200 while no release is judged any more.
   */
  liveness?: () => string | undefined;
}

export { silentLogger } from '../analyzer/logger.ts';
export const DEFAULT_BODY_LIMIT = 256 * 1024;
