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
import pino from 'pino';
import type { Decision, Verdict } from '../../analyzer/index.ts';
import { parseExposition } from '../../collector/index.ts';
import { parseDashboardsConfig, writeDashboards } from '../../dashboards/index.ts';
import { startService, type RunningService } from '../serve.ts';
import { parseServeConfig } from '../serveConfig.ts';
import { GOOD_RELEASE, GOOD_SPEC, MINUTE, STORY_MINUTES, STORY_START, TENANTS, WAVE_RELEASE, WAVE_SPEC, WAVE_TIERS, serveConfigText } from './story.ts';
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
}

export interface LiveDemoResult {
  url: string;
  decisions: Record<string, Decision | undefined>;
  verdicts: Record<string, Verdict | undefined>;
  canaryWeights: { 'odoo-web': Record<string, number>; odoo: Record<string, number> };
  traefikFile: string;
  dashboardsDir: string;
  virtualMinutes: number;
  service: RunningService;
  close(): Promise<void>;
}

const FINAL = new Set<Decision>(['promote', 'rollback', 'inconclusive']);
const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

async function register(url: string, token: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/api/v1/releases`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`registering a release failed: HTTP ${res.status} ${await res.text()}`);
}

async function verdictOf(url: string, id: string): Promise<Verdict> {
  const res = await fetch(`${url}/api/v1/releases/${encodeURIComponent(id)}/verdict`);
  if (res.status !== 200) throw new Error(`verdict of ${id}: HTTP ${res.status}`);
  return (await res.json()) as Verdict;
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
  const config = parseServeConfig(serveConfigText({ port: options.port, traefikFile, store: options.keep ? `pglite://${join(dir, 'store')}` : 'pglite:memory' }), 'demo');
  const logger = pino({ level: 'warn' }, pino.destination(2));

  // the world first (it writes the Traefik file the service's action then rewrites)
  const world: World = await createWorld(traefikFile);
  const service = await startService(config, { env: { RH_TOKENS: `demo:operator:${operator}` }, logger, clock, tickEveryMs: 0, scrape: false });
  const close = async () => {
    await service.close();
    await world.close();
  };
  try {
    const dashboardsConfig = parseDashboardsConfig(
      (await import('yaml')).parse(readFileSync(new URL('../../examples/serve/serve.yaml', import.meta.url), 'utf8')).dashboards,
    );
    await writeDashboards(dashboardsConfig, dashboardsDir);

    const releases = [
      { release: GOOD_RELEASE, spec: GOOD_SPEC },
      { release: WAVE_RELEASE, spec: WAVE_SPEC },
    ];
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
          options.out(`${hhmm(now)}  registered ${r.release.id} (${r.release.strategy}${'tenant' in r.release ? `, wave tier-1: ${r.release.tenant}` : `, ${Math.round((r.release.canaryWeight ?? 0) * 100)}% canary`})`);
        }
      }
      const exposition = await world.advanceTo(now);
      const before = service.pipeline.stats().batches;
      let published = 0;
      for (const [target, text] of Object.entries(exposition)) {
        const families = parseExposition(text).families;
        published += await service.collector.ingest({ target, ts: now, format: 'prometheus', families, bytes: text.length, durationMs: 0 });
      }
      // wait for the pipeline to take every batch of this minute before the look at `now`
      const expected = before + (published > 0 ? [...registered].length : 0);
      for (let i = 0; i < 2000 && service.pipeline.stats().batches < expected; i++) await new Promise((r) => setTimeout(r, 2));
      await service.pipeline.tick(now);
      const line: string[] = [];
      const looked = new Set<string>();
      for (const id of registered) {
        const v = await verdictOf(service.url, id);
        // before its first look the gate answers `inconclusive` ("no verdict yet"): not an outcome
        if (await service.store.latestVerdict(id)) looked.add(id);
        verdicts[id] = v;
        if (decisions[id] !== v.decision && decisions[id] !== undefined) options.out(`${hhmm(now)}  ${id}: ${decisions[id]} → ${v.decision} (score ${Math.round(v.score)})${v.reasons[0] ? ` — ${v.reasons[0]}` : ''}`);
        decisions[id] = v.decision;
        line.push(`${id} ${v.decision}`);
      }
      say(`${hhmm(now)}  minute ${String(minute).padStart(2)}/${STORY_MINUTES}  ${line.join(' · ')}  canary weight odoo-web ${Math.round(world.canaryWeight() * 100)}%`);
      if (registered.size === releases.length && [...registered].every((id) => looked.has(id) && FINAL.has(decisions[id] as Decision))) break;
    }
    return {
      url: service.url,
      decisions,
      verdicts,
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

/** The closing summary: what happened, and where to look. */
export function summary(result: LiveDemoResult): string {
  const wave = result.decisions[WAVE_RELEASE.id];
  const waveVerdict = result.verdicts[WAVE_RELEASE.id];
  const failing = waveVerdict?.metrics.filter((m) => m.classification === 'high' || m.classification === 'low').map((m) => `${m.metric} ${m.effect.relative >= 0 ? '+' : ''}${Math.round(m.effect.relative * 100)}%`) ?? [];
  const stoppedTiers = WAVE_TIERS.filter((t) => t !== 'tier-1').map((tier) => `${tier} (${TENANTS.filter((x) => x.tier === tier).map((x) => x.name).join(', ')})`);
  const from = new Date(STORY_START).toISOString();
  const to = new Date(STORY_START + (result.virtualMinutes + 1) * MINUTE).toISOString();
  const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : String(x));
  const evidence = (id: string) =>
    (result.verdicts[id]?.metrics ?? []).map((m) => `      ${m.metric}: ${m.classification}, effect ${pct(m.effect.relative)} [${pct(m.effect.low)}, ${pct(m.effect.high)}], evidence ${m.evidence.toPrecision(3)}`);
  return [
    '',
    `Story over after ${result.virtualMinutes} virtual minutes:`,
    `  ${GOOD_RELEASE.id} (Traefik canary): ${result.decisions[GOOD_RELEASE.id]}`,
    ...evidence(GOOD_RELEASE.id),
    `  ${WAVE_RELEASE.id} (tenant wave, tier-1): ${wave}${failing.length ? ` — ${failing.join(', ')}` : ''}`,
    ...evidence(WAVE_RELEASE.id),
    wave === 'rollback' || wave === 'reduce-traffic' ? `  the wave stopped at tier-1: ${stoppedTiers.join(' and ')} never upgraded` : `  the wave may go on to ${stoppedTiers.join(' and ')}`,
    `  Traefik weights now (${result.traefikFile}): odoo-web ${JSON.stringify(result.canaryWeights['odoo-web'])}, odoo ${JSON.stringify(result.canaryWeights.odoo)}`,
    '',
    `Scorecard page:  ${result.url}/scorecards?from=${from}&to=${to}`,
    `Verdict API (what Argo Rollouts' web provider reads):`,
    `  curl -s ${result.url}/api/v1/releases/${WAVE_RELEASE.id}/verdict`,
    `  curl -s ${result.url}/api/v1/releases/${GOOD_RELEASE.id}`,
    `  curl -s ${result.url}/metrics | grep release_health_verdict`,
    `  curl -s ${result.url}/openapi.json`,
    `Grafana dashboards: ${result.dashboardsDir} (provisioning/ and dashboards/; docker-compose.yml mounts the same)`,
  ].join('\n');
}
