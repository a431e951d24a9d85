/**
 * `npm start`: the whole flow in one process, on a virtual clock. The retail world (Odoo-schema
 * tenants on PGlite, the real odoo-exporter, a virtual Traefik) → the release-aware collector →
 * the in-memory bus → the sequential pipeline → the store (PGlite) → the gate's HTTP API on
 * localhost, whose Traefik action rewrites the weights the virtual Traefik routes by. Releases are
 * registered over HTTP as a rollout controller would; verdicts are read back the way Argo Rollouts
 * reads them. Grafana dashboards are written next to the Traefik file.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import pino from 'pino';
import { parse as parseYaml } from 'yaml';
import type { Decision, Verdict } from '../../analyzer/index.ts';
import { parseExposition } from '../../collector/index.ts';
import { parseDashboardsConfig, writeDashboards } from '../../dashboards/index.ts';
import { startService, type RunningService } from '../../service/service.ts';
import { parseServeConfig } from '../../service/config.ts';
import {
  GOOD_RELEASE,
  GOOD_SPEC,
  MINUTE,
  STORY_MINUTES,
  STORY_START,
  TENANTS,
  WAVE_REGRESSION,
  WAVE_REGRESSION_AT,
  WAVE_RELEASE,
  WAVE_SPEC,
  WAVE_TENANTS,
  WAVE_TIERS,
  serveConfigText,
} from './story.ts';
import { HISTORY_WEEKS, seedHistory } from './history.ts';
import { createWorld, readWeights, type World } from './world.ts';

export interface LiveDemoOptions {
  /** folder for the Traefik file, dashboards and (with `keep`) the store; default .release-health/demo */
  dir: string;
  /** gate port; 0 picks a free one */
  port: number;
  /** leave the gate running after the story (Ctrl-C to stop) */
  keep: boolean;
  /** one line per minute instead of a rewritten progress line (also when stdout is not a TTY) */
  plain: boolean;
  out: (text: string) => void;
  progress?: (text: string) => void;
  /** seed the store with the quarter before the story (seconds of writes; only worth it when someone will browse the scorecard) */
  history?: boolean;
}

/** One look at a release whose decision differed from the look before. */
export interface DecisionChange {
  /** minutes since the release's own start (the one clock of the story) */
  minute: number;
  at: number;
  from: Decision | undefined;
  decision: Decision;
  score: number;
  reasons: string[];
}

export interface LiveDemoResult {
  url: string;
  decisions: Record<string, Decision | undefined>;
  verdicts: Record<string, Verdict | undefined>;
  /** per release: each change of decision, in order */
  timelines: Record<string, DecisionChange[]>;
  canaryWeights: { 'odoo-web': Record<string, number>; odoo: Record<string, number> };
  traefikFile: string;
  dashboardsDir: string;
  virtualMinutes: number;
  service: RunningService;
  close(): Promise<void>;
}

const FINAL = new Set<Decision>(['promote', 'rollback', 'inconclusive']);
const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);
const RELEASES = [
  { release: GOOD_RELEASE, spec: GOOD_SPEC },
  { release: WAVE_RELEASE, spec: WAVE_SPEC },
];
/** The story's one clock: whole minutes since a release's own start. */
export const releaseMinute = (startedAt: number, t: number): number => Math.round((t - startedAt) / MINUTE);
const startOf = (id: string): number => RELEASES.find((r) => r.release.id === id)?.release.startedAt ?? STORY_START;

/**
 * One HTTP exchange on a connection of its own. The gate shares this process's event loop with
 * the simulator, whose minutes block it for seconds: a pooled keep-alive socket can pass the
 * server's idle timeout unnoticed and be reused after the server closed it (ECONNRESET).
 */
function call(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, connection: 'close' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function register(url: string, token: string, body: unknown): Promise<void> {
  const res = await call(
    'POST',
    `${url}/api/v1/releases`,
    { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    JSON.stringify(body),
  );
  if (res.status !== 201) throw new Error(`registering a release failed: HTTP ${res.status} ${res.text}`);
}

async function verdictOf(url: string, id: string): Promise<Verdict> {
  const res = await call('GET', `${url}/api/v1/releases/${encodeURIComponent(id)}/verdict`);
  if (res.status !== 200) throw new Error(`verdict of ${id}: HTTP ${res.status}`);
  return JSON.parse(res.text) as Verdict;
}

/** The scorecard's period: the 13 weeks up to the end of the story. */
export function scorecardPeriod(result: Pick<LiveDemoResult, 'virtualMinutes'>): { from: number; to: number } {
  const to = STORY_START + (result.virtualMinutes + 1) * MINUTE;
  return { from: to - HISTORY_WEEKS * 7 * 24 * 60 * MINUTE, to };
}

export async function runLiveDemo(options: LiveDemoOptions): Promise<LiveDemoResult> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const traefikFile = join(dir, 'traefik-dynamic.yaml');
  const dashboardsDir = join(dir, 'grafana');
  let now = STORY_START;
  const clock = () => now;
  // an operator token for this run only: registering is a write, and writes always need one
  const operator = randomBytes(24).toString('hex');
  const config = parseServeConfig(
    serveConfigText({
      port: options.port,
      traefikFile,
      store: options.keep ? `pglite://${join(dir, 'store')}` : 'pglite:memory',
    }),
    'demo',
  );
  const logger = pino({ level: 'warn' }, pino.destination(2));

  // the world first (it writes the Traefik file the service's action then rewrites)
  const world: World = await createWorld(traefikFile);
  const service = await startService(config, {
    env: { RH_TOKENS: `demo:operator:${operator}` },
    logger,
    clock,
    tickEveryMs: 0,
    scrape: false,
  });
  const close = async () => {
    await service.close();
    await world.close();
  };
  try {
    const dashboardsConfig = parseDashboardsConfig(
      parseYaml(readFileSync(new URL('../../examples/serve/serve.yaml', import.meta.url), 'utf8')).dashboards,
    );
    await writeDashboards(dashboardsConfig, dashboardsDir);
    // the quarter before today, for the scorecard's trends (a kept store has it already)
    const seeded =
      options.history === false || (await service.store.listReleases({ limit: 1 })).length > 0
        ? 0
        : await seedHistory(service.store, STORY_START);
    if (seeded > 0)
      options.out(
        `seeded the store with ${seeded} releases of the ${HISTORY_WEEKS} weeks before today (for the scorecard's trends)`,
      );

    const releases = RELEASES;
    const timelines: Record<string, DecisionChange[]> = Object.fromEntries(releases.map((r) => [r.release.id, []]));
    const registered = new Set<string>();
    const decisions: Record<string, Decision | undefined> = {};
    const verdicts: Record<string, Verdict | undefined> = {};
    const say = options.progress ?? options.out;
    let minute = 0;
    for (minute = 0; minute <= STORY_MINUTES; minute++) {
      now = STORY_START + minute * MINUTE;
      for (const r of releases) {
        if (!registered.has(r.release.id) && now >= r.release.startedAt) {
          await register(service.url, operator, r);
          registered.add(r.release.id);
          // the simulator knows when it breaks the wave: recorded as a post-incident review would, for the scorecard's onset → verdict
          if (r.release.id === WAVE_RELEASE.id)
            await service.store.appendAudit({
              at: now,
              actor: 'demo-simulator',
              action: 'regression.onset',
              releaseId: WAVE_RELEASE.id,
              detail: { onsetAt: WAVE_REGRESSION_AT },
            });
          options.out(
            `${hhmm(now)}  ${r.release.id} minute 0: registered (${'tenant' in r.release ? `tenant wave, tier-1: ${r.release.tenant}` : `Traefik canary, ${Math.round((r.release.canaryWeight ?? 0) * 100)}% of traffic`})`,
          );
        }
      }
      const exposition = await world.advanceTo(now);
      const before = service.pipeline.stats().batches;
      let published = 0;
      for (const [target, text] of Object.entries(exposition)) {
        const families = parseExposition(text).families;
        published += await service.collector.ingest({
          target,
          ts: now,
          format: 'prometheus',
          families,
          bytes: text.length,
          durationMs: 0,
        });
      }
      // wait for the pipeline to take every batch of this minute before the look at `now`
      const expected = before + (published > 0 ? [...registered].length : 0);
      for (let i = 0; i < 2000 && service.pipeline.stats().batches < expected; i++)
        await new Promise((r) => setTimeout(r, 2));
      await service.pipeline.tick(now);
      const line: string[] = [];
      const looked = new Set<string>();
      for (const id of registered) {
        const v = await verdictOf(service.url, id);
        // before its first look the gate answers `inconclusive` ("no verdict yet"): not an outcome
        if (await service.store.latestVerdict(id)) looked.add(id);
        verdicts[id] = v;
        const m = releaseMinute(startOf(id), now);
        if (looked.has(id) && decisions[id] !== v.decision) {
          timelines[id].push({
            minute: m,
            at: now,
            from: decisions[id],
            decision: v.decision,
            score: v.score,
            reasons: v.reasons,
          });
          options.out(
            `${hhmm(now)}  ${id} minute ${m}: ${decisions[id] ?? 'registered'} → ${v.decision} (score ${Math.round(v.score)})${v.reasons[0] ? ` — ${v.reasons[0]}` : ''}`,
          );
        }
        if (looked.has(id)) decisions[id] = v.decision;
        line.push(`${id} minute ${m}: ${looked.has(id) ? v.decision : 'no look yet'}`);
      }
      if (registered.size > 0)
        say(`${hhmm(now)}  ${line.join(' · ')} · odoo-web canary weight ${Math.round(world.canaryWeight() * 100)}%`);
      if (
        registered.size === releases.length &&
        [...registered].every((id) => looked.has(id) && FINAL.has(decisions[id] as Decision))
      )
        break;
    }
    return {
      url: service.url,
      decisions,
      verdicts,
      timelines,
      canaryWeights: { 'odoo-web': readWeights(traefikFile, 'odoo-web'), odoo: readWeights(traefikFile, 'odoo') },
      traefikFile,
      dashboardsDir,
      virtualMinutes: minute,
      service,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

const pct = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : String(x));

/** One metric's result in words: the effect, its interval and where the interval lies against the tolerance. */
export function describeMetric(
  m: Verdict['metrics'][number],
  spec: { tolerance: number; harm: string } | undefined,
): string {
  const base = `${m.metric}: ${m.classification}, effect ${pct(m.effect.relative)} [${pct(m.effect.low)}, ${pct(m.effect.high)}]`;
  if (!spec) return base;
  const harmful = spec.harm === 'decrease' ? -spec.tolerance : spec.tolerance;
  const tol = `tolerance ${pct(harmful)}`;
  const beyond = spec.harm === 'decrease' ? m.effect.high < harmful : m.effect.low > harmful;
  const within = Math.max(Math.abs(m.effect.low), Math.abs(m.effect.high)) < spec.tolerance;
  const where = beyond
    ? 'the whole interval is beyond the tolerance'
    : within
      ? 'the whole interval is within the tolerance'
      : 'the interval reaches both sides of the tolerance';
  return `${base}, ${tol}: ${where}`;
}

const times = (x: number): string =>
  Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×` : x > 0 ? 'unbounded' : String(x);

/**
 * The reservation slowdown as the judge measured it, in the words the story injected it with: the
 * median's ratio canary/baseline and its interval, and whether the interval holds the factor the
 * simulator was told to apply.
 */
export function slowdownLine(m: Verdict['metrics'][number] | undefined, injected: number): string | undefined {
  if (!m || !Number.isFinite(m.effect.relative)) return undefined;
  const [estimate, low, high] = [m.effect.relative, m.effect.low, m.effect.high].map((e) => 1 + e);
  const holds = low <= injected && injected <= high;
  return `the judge measured reservations ${times(estimate)} as long as on the other tenants (median; interval ${times(low)} to ${times(high)}, ${holds ? 'which holds' : 'which misses'} the ${injected}× injected)`;
}

const SPECS: Record<string, { metrics: readonly { name: string; tolerance: number; harm: string }[] }> = {
  [GOOD_RELEASE.id]: GOOD_SPEC,
  [WAVE_RELEASE.id]: WAVE_SPEC,
};

/** The story as it happened: every line comes from the run's timelines, verdicts and Traefik file. */
export function storyOf(result: LiveDemoResult): string[] {
  const lines: string[] = [];
  const outcome = (id: string): DecisionChange | undefined =>
    result.timelines[id]?.filter((c) => FINAL.has(c.decision)).at(-1);
  const metricLines = (id: string) =>
    (result.verdicts[id]?.metrics ?? []).map(
      (m) =>
        `      ${describeMetric(
          m,
          SPECS[id]?.metrics.find((s) => s.name === m.metric),
        )}`,
    );
  const verb: Record<Decision, string> = {
    promote: 'promoted',
    rollback: 'rolled back',
    inconclusive: 'declared inconclusive',
    continue: 'still under observation',
    'reduce-traffic': 'traffic reduced',
  };

  const good = outcome(GOOD_RELEASE.id);
  const webCanary = result.canaryWeights['odoo-web']['odoo-web-canary@file'];
  lines.push(
    `  ${GOOD_RELEASE.id}, a Traefik canary at ${Math.round(GOOD_RELEASE.canaryWeight * 100)}% of checkout traffic with nothing wrong injected:`,
  );
  lines.push(
    good
      ? `    ${verb[good.decision]} at minute ${good.minute}${good.reasons[0] ? ` (${good.reasons[0]})` : ''}; Traefik now sends it ${webCanary ?? 0}% of odoo-web traffic`
      : `    no final decision after ${result.virtualMinutes} minutes (${result.decisions[GOOD_RELEASE.id]})`,
  );
  lines.push(...metricLines(GOOD_RELEASE.id));

  const wave = outcome(WAVE_RELEASE.id);
  const injectedAt = releaseMinute(WAVE_RELEASE.startedAt, WAVE_REGRESSION_AT);
  const stopped = WAVE_TIERS.filter((t) => t !== WAVE_RELEASE.tenantTier).map(
    (tier) =>
      `${tier} (${TENANTS.filter((x) => x.tier === tier)
        .map((x) => x.name)
        .join(', ')})`,
  );
  lines.push(`  ${WAVE_RELEASE.id}, tier 1 of a tenant wave (${WAVE_TENANTS.join(', ')}):`);
  lines.push(
    `    ${injectedAt === 0 ? 'from its start' : `from minute ${injectedAt}`} the simulator made its stock reservations ${WAVE_REGRESSION.reservationSlowdown}× slower and failed ${Math.round(WAVE_REGRESSION.confirmFailureRate * 100)}% of order confirmations`,
  );
  if (wave) {
    const after = wave.minute - injectedAt;
    lines.push(
      `    ${verb[wave.decision]} at minute ${wave.minute}${wave.decision === 'rollback' && injectedAt > 0 ? `, ${after} minute${after === 1 ? '' : 's'} after the regression began` : ''}${wave.reasons[0] ? ` (${wave.reasons[0]})` : ''}`,
    );
    const measured = slowdownLine(
      result.verdicts[WAVE_RELEASE.id]?.metrics.find((m) => m.metric === 'stock_reservation_latency_seconds'),
      WAVE_REGRESSION.reservationSlowdown,
    );
    if (measured) lines.push(`    ${measured}`);
  } else
    lines.push(`    no final decision after ${result.virtualMinutes} minutes (${result.decisions[WAVE_RELEASE.id]})`);
  lines.push(...metricLines(WAVE_RELEASE.id));
  const odooCanary = result.canaryWeights.odoo['odoo-canary@file'];
  if (wave?.decision === 'rollback')
    lines.push(
      `    Traefik now sends the wave's canary ${odooCanary ?? '?'}% of odoo traffic; the wave stopped at tier-1: ${stopped.join(' and ')} never upgraded`,
    );
  else lines.push(`    the wave may go on to ${stopped.join(' and ')}`);
  return lines;
}

/** The closing summary: what happened; where to look only when the gate is still there to answer. */
export function summary(result: LiveDemoResult, gateStaysUp = true): string {
  const period = scorecardPeriod(result);
  const from = new Date(period.from).toISOString();
  const to = new Date(period.to).toISOString();
  const lines = [
    '',
    `What happened (minutes counted from each release's start):`,
    ...storyOf(result),
    `  Traefik file: ${result.traefikFile}`,
    `  Grafana dashboards: ${result.dashboardsDir} (provisioning/ and dashboards/; docker-compose.yml mounts the same)`,
  ];
  if (!gateStaysUp) return lines.join('\n');
  return [
    ...lines,
    '',
    `Index of releases:  ${result.url}/`,
    `Release pages:      ${result.url}/releases/${WAVE_RELEASE.id}  ·  ${result.url}/releases/${GOOD_RELEASE.id}`,
    `Scorecard (13 weeks, DORA keys): ${result.url}/scorecards?from=${from}&to=${to}`,
    `Verdict API (what Argo Rollouts' web provider reads):`,
    `  curl -s ${result.url}/api/v1/releases/${WAVE_RELEASE.id}/verdict`,
    `  curl -s ${result.url}/api/v1/releases/${GOOD_RELEASE.id}`,
    `  curl -s ${result.url}/openapi.json`,
  ].join('\n');
}
